"""Property test of the Slack HTTP endpoint: whatever arrives, no 5xx and no traceback.

One real adapter (HTTP mode, fake Slack Web API on 127.0.0.1) serves the whole module; each
hypothesis example is one request. Unsigned or wrongly signed requests must get 401; correctly
signed garbage gets 400 (or Bolt's 200/404 when it is a well-formed request nobody handles).
Whatever the bot says back (acks, posts, responses) holds no live mention or link made from
the text it was sent: pasted text full of Slack markup comes back as plain text.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import logging
import re
import time
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from dataclasses import dataclass
from urllib.parse import unquote_to_bytes, urlencode

import aiohttp
import pytest
import pytest_asyncio
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from bot.adapters.slack import SlackAdapter
from bot.adapters.slack_http import MAX_BODY_BYTES
from bot.config import CacheConfig, Config, PolicyConfig, SlackConfig
from bot.runtime import open_deps
from tests.fake_slack import TEAM, FakeSlack, command_body
from tests.fakes import FakeSummarizer

SECRET = "fuzz-signing-secret"
pytestmark = pytest.mark.asyncio(loop_scope="module")


class Collect(logging.Handler):
    """Keeps the records that would put a traceback or an error in the log."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.bad: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.levelno >= logging.ERROR or record.exc_info or record.exc_text:
            self.bad.append(f"{record.name}: {record.getMessage()}")


@dataclass
class Endpoint:
    adapter: SlackAdapter
    session: aiohttp.ClientSession
    log: Collect
    fake: FakeSlack

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.adapter.http.port}/slack/events"


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def endpoint() -> AsyncIterator[Endpoint]:
    collect = Collect()
    root = logging.getLogger()
    root.addHandler(collect)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SLACK_BOT_TOKEN", "xoxb-test")
        mp.setenv("SLACK_SIGNING_SECRET", SECRET)
        for name in ("SLACK_APP_TOKEN", "SLACK_CLIENT_ID", "SLACK_CLIENT_SECRET"):
            mp.delenv(name, raising=False)
        async with AsyncExitStack() as stack:
            fake = await FakeSlack().start()
            stack.push_async_callback(fake.stop)
            config = Config(
                cache=CacheConfig(backend="memory"),
                # no rate limit: every example must reach the summary, not "slow down"
                policy=PolicyConfig(
                    channels={f"slack:{TEAM}:C0AUTO": "auto"},
                    user_requests_per_minute=10_000, channel_requests_per_minute=10_000,
                ),
                slack=SlackConfig(
                    enabled=True, mode="http", api_base_url=fake.api_url,
                    http_host="127.0.0.1", http_port=0,
                ),
            )  # fmt: skip
            deps = await stack.enter_async_context(open_deps(config, FakeSummarizer()))
            adapter = SlackAdapter(deps, shutdown_grace=0.5)
            await adapter.start()
            stack.push_async_callback(adapter.close)
            session = await stack.enter_async_context(aiohttp.ClientSession())
            yield Endpoint(adapter, session, collect, fake)
    root.removeHandler(collect)


# --- what arrives ------------------------------------------------------------------------------

# No "/" in generated text, so no body can carry an absolute URL a listener might fetch or post
# to (response_url, a link in a message): every connection stays on 127.0.0.1.
def _text(max_size: int) -> st.SearchStrategy[str]:
    chars = st.characters(exclude_categories=["Cs"], exclude_characters="/")
    return st.text(chars, max_size=max_size)


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | _text(30),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_text(10), inner, max_size=4),
    max_leaves=12,
)
# Keys Slack and Bolt read, so the garbage reaches Bolt's id extraction and listener matching.
_slack_keys = st.sampled_from(
    ["type", "subtype", "event", "command", "text", "payload", "team", "team_id", "user",
     "user_id", "channel", "channel_id", "authorizations", "enterprise", "view", "actions",
     "message", "previous_message", "response_url", "response_urls", "challenge", "token",
     "event_id", "ssl_check", "item", "container", "trigger_id", "api_app_id", "ts",
     "thread_ts", "bot_id", "is_enterprise_install", "assistant_thread", "action_id", "value",
     "callback_id", "function_data", "enterprise_id", "id", "is_ext_shared_channel"]
)  # fmt: skip
_slack_types = st.sampled_from(
    ["event_callback", "url_verification", "block_actions", "view_submission", "shortcut",
     "message_action", "app_mention", "message", "reaction_added", "app_rate_limited",
     "block_suggestion", "view_closed", "function_executed", "assistant_thread_started"]
)  # fmt: skip
_scalar = st.none() | st.booleans() | st.integers() | _text(20) | _slack_types
_slackish = st.recursive(
    _scalar,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_slack_keys, inner, max_size=5),
    max_leaves=15,
)
_slack_object = st.dictionaries(_slack_keys, _slackish, max_size=6)
# Envelopes as Slack sends them, with a random event or payload inside.
_ids = st.sampled_from(["C0AUTO", "U0USER", "T0TEAM", "1700000001.000100", ""]) | _text(12)
_event = st.fixed_dictionaries(
    {"type": st.sampled_from(["message", "app_mention", "reaction_added", "link_shared"]),
     "channel": st.sampled_from(["C0AUTO", "C0OTHER"]), "user": _ids, "ts": _ids},
    optional={"text": _text(80), "thread_ts": _ids, "subtype": _text(10) | st.just("bot_message"),
              "item": _slack_object, "bot_id": _ids, "message": _slack_object},
)  # fmt: skip
_event_callback = st.fixed_dictionaries(
    {"type": st.just("event_callback"), "team_id": st.just(TEAM), "event_id": _ids,
     "event": _event | _slack_object}
)  # fmt: skip
_interaction = st.fixed_dictionaries(
    {"type": _slack_types, "team": st.fixed_dictionaries({"id": _ids}),
     "user": st.fixed_dictionaries({"id": _ids}),
     "actions": st.lists(_slack_object | st.fixed_dictionaries({"action_id": _ids}), max_size=3)},
    optional={"view": _slack_object, "message": _slack_object, "callback_id": _ids},
).map(lambda payload: urlencode({"payload": json.dumps(payload)}))  # fmt: skip
_command = st.fixed_dictionaries(
    {"command": st.sampled_from(["/summarize", "/digest", "/feed"]) | _text(10),
     "text": _text(100), "team_id": st.just(TEAM), "channel_id": _ids, "user_id": _ids},
    optional={"response_url": st.just(""), "trigger_id": _ids},
).map(urlencode)  # fmt: skip
_form = st.dictionaries(
    _slack_keys | _text(8),
    _text(40) | _slack_object.map(json.dumps) | _json.map(json.dumps),
    max_size=6,
).map(urlencode)

bodies = st.one_of(
    st.binary(max_size=600),
    _text(300).map(str.encode),
    _json.map(lambda v: json.dumps(v).encode()),
    _slack_object.map(lambda v: json.dumps(v).encode()),
    _event_callback.map(lambda v: json.dumps(v).encode()),
    (_interaction | _command | _form).map(str.encode),
    st.sampled_from(
        [b"%%%&&&==&=&payload", b"payload=%7Bnot-json", b"{not json", b"[1, 2]", b"\xff\xfe{",
         b"payload=", b"payload=null", b"command=%2Fsummarize&text=%0A", b"", b"{}", b"{" * 5000,
         b"ssl_check=1&token=x", b'{"type": "url_verification", "challenge": "c"}']
    ),  # fmt: skip
)


def _may_name_a_host(body: bytes) -> bool:
    """Whether the body could spell an absolute URL once JSON- or form-decoded (see `_text`)."""
    decoded = unquote_to_bytes(body.replace(b"+", b" ")).lower()
    return any(s in decoded for s in (b"//", b"\\/", b"\\u002f"))


content_types = st.one_of(
    st.sampled_from(
        ["application/json", "application/x-www-form-urlencoded", "text/plain", "",
         "application/json; charset=latin-1", "APPLICATION/JSON", "multipart/form-data",
         "application/x-www-form-urlencoded; charset=utf-16"]
    ),  # fmt: skip
    st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E), max_size=30),
)
_header_text = st.text(
    st.characters(min_codepoint=0x20, max_codepoint=0xFF, exclude_characters="\x7f"), max_size=80
)
signings = st.sampled_from(
    ["valid", "none", "wrong-secret", "stale", "future", "no-signature", "no-timestamp",
     "random-timestamp", "random-signature", "truncated", "uppercase-hex", "v1"]
)  # fmt: skip


def _digest(secret: str, ts: str, body: bytes) -> str:
    basestring = b"v0:" + ts.encode() + b":" + body
    return hmac.new(secret.encode(), basestring, hashlib.sha256).hexdigest()


def headers_for(how: str, body: bytes, noise: str) -> dict[str, str]:
    now = str(int(time.time()))
    ts, sig = now, "v0=" + _digest(SECRET, now, body)
    if how == "wrong-secret":
        sig = "v0=" + _digest("not-" + SECRET, now, body)
    elif how in ("stale", "future"):
        ts = str(int(time.time()) + (-310 if how == "stale" else 310))
        sig = "v0=" + _digest(SECRET, ts, body)
    elif how == "random-timestamp":
        ts = noise
        sig = "v0=" + _digest(SECRET, noise, body)
    elif how == "random-signature":
        sig = noise
    elif how == "truncated":
        sig = sig[:-1]
    elif how == "uppercase-hex":
        sig = "v0=" + sig[3:].upper()
    elif how == "v1":
        sig = "v1=" + sig[3:]
    headers = {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": sig}
    if how in ("none", "no-timestamp"):
        headers.pop("X-Slack-Request-Timestamp")
    if how in ("none", "no-signature"):
        headers.pop("X-Slack-Signature")
    return headers


def _correctly_signed(how: str, noise: str) -> bool:
    if how == "random-timestamp":  # signed with the secret, so it stands if it is a fresh time
        return noise.isascii() and noise.isdigit() and abs(int(noise) - time.time()) <= 300
    return how == "valid"


def _looks_json(body: bytes, ctype: str) -> bool:
    return ctype.split(";")[0] == "application/json" or body.startswith(b"{")


def _json_object(text: str) -> bool:
    try:
        return isinstance(json.loads(text), dict)
    except (ValueError, RecursionError):
        return False


# --- what goes back ----------------------------------------------------------------------------

#: Slack reads "<…>" in mrkdwn and message text as a link, mention or command, and "&…;" as an
#: entity: text shown as written has "&", "<" and ">" escaped, and nothing else (PLATFORM.md).
_OUR_LINK = re.compile(r"<http://127\.0\.0\.1:\d+/[^<>|]*\|[^<>]*>")  # fake Slack, our pages
_STRAY = re.compile(r"[<>]|&(?!amp;|lt;|gt;)")
_BROADCAST = re.compile(r"(?<!\u2060)@(?:here|channel|everyone)\b", re.IGNORECASE)
_BIDI = re.compile("[\u202a-\u202e\u2066-\u2069]")


def _texts(value: object) -> list[str]:
    """Every string under a "text" key, at any depth (message text, blocks, elements)."""
    if isinstance(value, dict):
        found = [v for k, v in value.items() if k == "text" and isinstance(v, str)]
        return found + [t for v in value.values() for t in _texts(v)]
    if isinstance(value, list):
        return [t for v in value for t in _texts(v)]
    return []


def live_markup(messages: list[object]) -> list[str]:
    """What Slack would read as markup in the texts the bot sent, other than links the bot made
    to 127.0.0.1: "<", ">" or "&" left unescaped, a bare broadcast, a bidi control."""
    found: list[str] = []
    for text in (t for message in messages for t in _texts(message)):
        rest = _OUR_LINK.sub("", text)
        found += _STRAY.findall(rest) + _BROADCAST.findall(rest) + _BIDI.findall(rest)
    return found


def _reply_json(raw: bytes) -> object:
    try:
        return json.loads(raw)
    except ValueError:
        return None


# --- the properties ----------------------------------------------------------------------------


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(body=bodies, ctype=content_types, how=signings, noise=_header_text)
async def test_any_request_gets_401_400_or_an_answer_never_a_5xx_or_traceback(
    endpoint: Endpoint, body: bytes, ctype: str, how: str, noise: str
) -> None:
    assume(not _may_name_a_host(body))
    headers = headers_for(how, body, noise)
    if ctype:
        headers["Content-Type"] = ctype
    before, calls = len(endpoint.log.bad), len(endpoint.fake.calls)
    async with endpoint.session.post(endpoint.url, data=body, headers=headers) as resp:
        status = resp.status
        reply = await resp.read()
    await endpoint.adapter.drain()  # listener work a signed request started, errors included
    assert endpoint.log.bad[before:] == []
    assert status < 500
    sent = [_reply_json(reply), *(c.args for c in endpoint.fake.calls[calls:])]
    assert live_markup(sent) == []
    if not _correctly_signed(how, noise):
        assert status == 401
        return
    assert status in (200, 400, 404)
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        assert status == 400
        return
    if text and _looks_json(body, ctype) and not _json_object(text):
        assert status == 400


#: Slack markup and look-alikes a paste may hold, none with "/" (no link the bot would fetch):
#: Slack sends mentions as markup, "&<>" as entities, and a paste may quote both as typed.
_MARKUP_PIECES = st.sampled_from(
    ["<!channel>", "<!here>", "<!everyone>", "<@U0BOSS>", "<@U0BOSS|boss>", "<#C0GEN|general>",
     "<!subteam^S0ADMINS|admins>", "<!date^1700000000^{date}|today>", "<mailto:a@b.example|mail>",
     "<tel:5551234|call>", "&lt;!channel&gt;", "&lt;@U0BOSS&gt;", "&amp;lt;!here&amp;gt;",
     "@channel", "@here", "@everyone", "@Here", "@\u202ehere", "<", ">", "&", "|", "*bold*",
     "_it_", "~s~", "`code`", "> quote", "\u202e", "\u2066", "\u2069", "\u200d", "\n"]
)  # fmt: skip
FORM = "application/x-www-form-urlencoded"
_FILLER = " and the harbor council met again on Tuesday to settle the matter. "
#: Over the 200 characters a paste needs, whatever markup after it Slack-unwrapping removes.
_OPENING = "The harbor council met again on Tuesday to settle the matter. " * 4
#: Sentences that each carry hostile markup; with bullets=10 every one becomes a bullet.
pastes = st.lists(
    st.lists(st.one_of(_MARKUP_PIECES, _text(12)), min_size=1, max_size=4).map("".join),
    min_size=1,
    max_size=6,
).map(lambda parts: _OPENING + "The report " + _FILLER.join(parts) + _FILLER)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(paste=pastes, private=st.booleans())
async def test_pasted_markup_comes_back_as_text_never_as_a_mention_or_link(
    endpoint: Endpoint, paste: str, private: bool
) -> None:
    assume("/" not in paste and "www." not in paste.lower())
    text = f"bullets=10 private {paste}" if private else f"bullets=10 {paste}"
    body = command_body(text, response_url=endpoint.fake.response_url("paste")).encode()
    headers = {"Content-Type": FORM, **headers_for("valid", body, "")}
    calls = len(endpoint.fake.calls)
    async with endpoint.session.post(endpoint.url, data=body, headers=headers) as resp:
        assert resp.status == 200
        ack = await resp.json()
    await endpoint.adapter.drain()
    sent = endpoint.fake.calls[calls:]
    replies = [c for c in sent if c.method in ("respond", "chat.postMessage", "chat.postEphemeral")]
    assert len(replies) == 1, (ack, [(c.method, _texts(c.args)) for c in sent])
    assert any("harbor council" in t for t in _texts(replies[0].args))  # it was summarized
    assert live_markup([ack, *(c.args for c in replies)]) == []
    assert endpoint.log.bad == []


async def test_a_pasted_broadcast_is_shown_as_typed_not_sent(endpoint: Endpoint) -> None:
    paste = f"{_OPENING}The memo said &lt;!channel&gt; and @here twice{_FILLER}"
    body = command_body(f"bullets=10 private {paste}", response_url=endpoint.fake.response_url())
    headers = {"Content-Type": FORM, **headers_for("valid", body.encode(), "")}
    calls = len(endpoint.fake.calls)
    async with endpoint.session.post(endpoint.url, data=body, headers=headers) as resp:
        assert resp.status == 200
    await endpoint.adapter.drain()
    (reply,) = [c for c in endpoint.fake.calls[calls:] if c.method == "respond"]
    (memo,) = [t for t in _texts(reply.args["blocks"]) if "The memo said" in t]
    assert "The memo said &lt;!channel&gt; and @\u2060here twice" in memo
    assert live_markup([reply.args]) == []


async def test_an_option_quoted_back_in_the_usage_note_is_escaped(endpoint: Endpoint) -> None:
    body = command_body("bullets=<!channel> lang=<@U0BOSS> the report").encode()
    headers = {"Content-Type": FORM, **headers_for("valid", body, "")}
    async with endpoint.session.post(endpoint.url, data=body, headers=headers) as resp:
        ack = await resp.json()
    assert resp.status == 200 and ack["response_type"] == "ephemeral"
    assert "&lt;!channel&gt;" in ack["text"] and "Usage: `/summarize" in ack["text"]
    assert live_markup([ack]) == []


async def test_a_signed_body_over_the_size_limit_gets_413(endpoint: Endpoint) -> None:
    body = b"{" + b" " * MAX_BODY_BYTES + b"}"
    headers = {"Content-Type": "application/json", **headers_for("valid", body, "")}
    data = io.BytesIO(body)  # aiohttp warns about sending large raw bytes
    async with endpoint.session.post(endpoint.url, data=data, headers=headers) as resp:
        assert resp.status == 413


async def test_the_endpoint_is_still_up_after_the_fuzzing(endpoint: Endpoint) -> None:
    port = endpoint.adapter.http.port
    async with endpoint.session.get(f"http://127.0.0.1:{port}/healthz") as resp:
        assert resp.status == 200 and (await resp.json()) == {"ok": True}
    assert endpoint.log.bad == []
