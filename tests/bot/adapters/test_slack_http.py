"""HTTP mode: only correctly signed, fresh requests reach a listener; /healthz answers."""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import logging
import time
from urllib.parse import quote

import pytest
from slack_bolt.async_app import AsyncApp

from bot.adapters.slack_http import SlackHTTPServer
from bot.config import LogConfig
from bot.errors import ConfigError
from bot.logs import CONTINUATION, QUIET_LIBRARIES, setup_logging
from tests.bot.adapters.test_slack import AUTO, SECRET, fake, make_bot, msg, pages, tokens  # noqa: F401
from tests.fake_slack import event_body, sign


@pytest.fixture
async def bot(make_bot):  # noqa: F811
    return await make_bot()


@pytest.mark.parametrize(
    "headers",
    [
        {},  # unsigned
        {"X-Slack-Request-Timestamp": "{now}", "X-Slack-Signature": "v0=" + "0" * 64},
        "wrong-secret",
        "stale",
        "tampered",
    ],
    ids=["unsigned", "bad-signature", "wrong-secret", "stale-timestamp", "tampered-body"],
)
async def test_bad_signatures_get_401_and_nothing_runs(bot, pages, fake, headers):  # noqa: F811
    body = event_body(msg(AUTO, f"<{pages.base}/story>"))
    sent = body
    if headers == "wrong-secret":
        headers = sign("not-the-secret", body)
    elif headers == "stale":
        headers = sign(SECRET, body, timestamp=int(time.time()) - 6 * 60)
    elif headers == "tampered":
        headers = sign(SECRET, body)
        sent = body.replace("story", "other")
    else:
        headers = {k: v.format(now=int(time.time())) for k, v in headers.items()}
    resp = await bot.session.post(
        bot.url, data=sent.encode(), headers={"Content-Type": "application/json", **headers}
    )
    async with resp:
        assert resp.status == 401
    await bot.settle()
    assert fake.calls == []  # not even auth.test: verification comes first
    assert pages.hits["/story"] == 0


async def test_correct_signature_is_accepted_and_runs(bot, pages, fake):  # noqa: F811
    status, _, _ = await bot.send(event_body(msg(AUTO, f"<{pages.base}/story>")))
    assert status == 200
    await bot.settle()
    assert len(fake.of("chat.postMessage")) == 1


async def test_url_verification_challenge(bot):
    body = json.dumps({"type": "url_verification", "challenge": "c-123", "token": "t"})
    status, text, _ = await bot.send(body)
    assert status == 200 and json.loads(text)["challenge"] == "c-123"


async def test_healthz(bot):
    port = bot.adapter.http.port
    async with bot.session.get(f"http://127.0.0.1:{port}/healthz") as resp:
        assert resp.status == 200 and (await resp.json()) == {"ok": True}


# --- authenticate before parsing (issue 33 item 5) ----------------------------------------------

FORM = "application/x-www-form-urlencoded"


def interaction(payload: bytes) -> bytes:
    return b"payload=" + quote(payload).encode()


MALFORMED = {
    "broken-form": (b"%%%&&&==&=&payload", "application/x-www-form-urlencoded"),
    "payload-not-json": (b"payload=%7Bnot-json", "application/x-www-form-urlencoded"),
    "payload-json-array": (b"payload=%5B1%2C2%5D", "application/x-www-form-urlencoded"),
    "json-broken": (b"{not json", "application/json"),
    "json-array": (b'[{"type": "event_callback"}]', "application/json"),
    "json-string": (b'"event_callback"', "application/json"),
    "not-utf8": (b'{"type": "event_callback", "x": "\xff\xfe"}', "application/json"),
    "deep-nesting": (b'{"a":' + b"[" * 100_000 + b"]" * 100_000 + b"}", "application/json"),
    "wrong-shapes": (b'{"type": "event_callback", "authorizations": 5}', "application/json"),
    # found by the fuzz test: each made Bolt answer 500 with a traceback
    "null-event": (b'{"event": null}', "application/json"),
    "form-event-field": (b"event", "application/x-www-form-urlencoded"),
    "list-type": (b'{"type": [null]}', "application/json"),
    "no-actions": (interaction(b'{"type": "block_actions", "actions": []}'), FORM),
    "action-without-id": (interaction(b'{"type": "block_actions", "actions": [{}]}'), FORM),
}


def sign_bytes(secret: str, body: bytes, timestamp: str | None = None) -> dict[str, str]:
    """`sign` for bodies that are not text (invalid UTF-8)."""
    ts = timestamp or str(int(time.time()))
    digest = hmac.new(secret.encode(), b"v0:" + ts.encode() + b":" + body, hashlib.sha256)
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": "v0=" + digest.hexdigest()}


def tracebacks(records) -> list[str]:
    return [r.getMessage() for r in records if r.levelno >= logging.ERROR or r.exc_info]


@pytest.mark.parametrize("case", list(MALFORMED))
async def test_signed_malformed_body_gets_400_without_a_traceback(bot, fake, caplog, case):  # noqa: F811
    body, ctype = MALFORMED[case]
    headers = {"Content-Type": ctype, **sign_bytes(SECRET, body)}
    async with bot.session.post(bot.url, data=body, headers=headers) as resp:
        assert resp.status == 400
        assert (await resp.json()) == {"error": "malformed request"}
    await bot.settle()
    assert tracebacks(caplog.records) == []
    assert [c.method for c in fake.calls] == []


@pytest.mark.parametrize("case", list(MALFORMED))
async def test_unsigned_malformed_body_gets_401_without_a_traceback(bot, fake, caplog, case):  # noqa: F811
    body, ctype = MALFORMED[case]
    headers = {"Content-Type": ctype, **sign_bytes("not-the-secret", body)}
    async with bot.session.post(bot.url, data=body, headers=headers) as resp:
        assert resp.status == 401
    assert tracebacks(caplog.records) == []
    assert fake.calls == []


@pytest.mark.parametrize(
    "timestamp", ["soon", "1e9", " 1700000000", "1_700_000_000", "١٧٠٠٠٠٠٠٠٠", "-1", ""]
)
async def test_a_timestamp_that_is_not_plain_digits_gets_401(bot, fake, caplog, timestamp):  # noqa: F811
    body = event_body(msg(AUTO, "hello")).encode()
    headers = {"Content-Type": "application/json", **sign_bytes(SECRET, body, timestamp or "x")}
    headers["X-Slack-Request-Timestamp"] = timestamp
    async with bot.session.post(bot.url, data=body, headers=headers) as resp:
        assert resp.status == 401
    assert tracebacks(caplog.records) == []


async def test_a_signature_with_non_ascii_bytes_gets_401(bot, caplog):
    body = event_body(msg(AUTO, "hello")).encode()
    headers = {"Content-Type": "application/json", **sign_bytes(SECRET, body)}
    headers["X-Slack-Signature"] = "v0=é" + "0" * 63
    async with bot.session.post(bot.url, data=body, headers=headers) as resp:
        assert resp.status == 401
    assert tracebacks(caplog.records) == []


def test_server_refuses_to_start_without_a_signing_secret():
    app = AsyncApp(token="xoxb-test", signing_secret="", request_verification_enabled=False)
    with pytest.raises(ConfigError, match="SLACK_SIGNING_SECRET"):
        SlackHTTPServer(app, "127.0.0.1", 0, signing_secret="")


# --- nothing unauthenticated or article-shaped reaches the logs (issue 33 item 6) ---------------

FORGED = "2031-01-01 00:00:00,000 CRITICAL bot.admin [-] FORGED all tokens rotated"
SENTENCE = "The council approved the desalination plant by a single vote"


@pytest.fixture
def debug_log():
    """newsbot logging at DEBUG on a buffer, as `newsbot run --debug` sets it; undone after."""
    root = logging.getLogger()
    saved = (root.level, logging.getLogRecordFactory(), list(root.handlers))
    names = [*QUIET_LIBRARIES, "aiohttp.access"]
    levels = {name: logging.getLogger(name).level for name in names}
    buf = io.StringIO()

    def setup(fmt: str) -> io.StringIO:
        setup_logging(LogConfig(level="INFO", format=fmt), stream=buf, debug=True)
        return buf

    yield setup
    root.handlers[:] = saved[2]
    root.setLevel(saved[0])
    logging.setLogRecordFactory(saved[1])
    for name, level in levels.items():
        logging.getLogger(name).setLevel(level)


@pytest.mark.parametrize("fmt", ["text", "json"])
async def test_debug_logs_hold_no_forged_line_body_or_summary(
    debug_log, make_bot, pages, fake, fmt  # noqa: F811
):
    buf = debug_log(fmt)
    bot = await make_bot()
    pasted = f"{SENTENCE}.\n{FORGED}"
    unsigned = f"payload={pasted}\n{FORGED}\n".encode()
    headers = {"Content-Type": "text/plain"}
    async with bot.session.post(bot.url, data=unsigned, headers=headers) as resp:
        assert resp.status == 401
    status, _, _ = await bot.send(event_body(msg(AUTO, f"{pasted} <{pages.base}/story>")))
    assert status == 200
    await bot.settle()
    (post,) = fake.of("chat.postMessage")  # the summary went out, so slack_sdk had its payload
    out = buf.getvalue()
    assert "refused a Slack request: bad timestamp" not in out  # it was unsigned, not stale
    assert "refused a Slack request: unsigned" in out
    assert SENTENCE not in out and "FORGED" not in out
    bullets = [b["text"]["text"].lstrip("• ") for b in post.args["blocks"][1:-2]]
    assert bullets and all(len(b) > 40 for b in bullets)
    assert not [b for b in bullets if b[:40] in out]
    assert "Harbor town votes" not in out  # the article's title either
    for line in out.splitlines():
        if fmt == "json":
            json.loads(line)
        else:
            assert line[:4].isdigit() or line.startswith(CONTINUATION), line
