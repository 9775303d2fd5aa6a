import asyncio
import io
import json
import logging

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.config import LogConfig
from bot.logs import (
    CONTINUATION,
    MAX_MESSAGE_CHARS,
    QUIET_LIBRARIES,
    REDACTED,
    REQUEST_ID,
    Redactor,
    request_context,
    setup_logging,
)

SLACK_TOKEN = "xoxb-1234567890-0987654321-AbCdEfGhIjKlMnOpQrStUvWx"
DISCORD_TOKEN = "MTIzNDU2Nzg5MDEyMzQ1Njc4.GaBcDe.abcdefghijklmnopqrstuvwxyz0123456789AB"
REDIS_PASSWORD = "correct horse battery staple"


@pytest.fixture
def capture(monkeypatch):
    """Install newsbot logging on a buffer; give back (setup, buffer) and undo it afterwards."""
    root = logging.getLogger()
    level = root.level
    factory = logging.getLogRecordFactory()
    quieted = {n: logging.getLogger(n).level for n in [*QUIET_LIBRARIES, "aiohttp.access"]}
    buf = io.StringIO()
    installed = []

    def setup(fmt="json", level="DEBUG"):
        installed.append(setup_logging(LogConfig(level=level, format=fmt), stream=buf))
        return buf

    yield setup
    for handler in installed:
        root.removeHandler(handler)
    root.setLevel(level)
    logging.setLogRecordFactory(factory)
    for name, old in quieted.items():
        logging.getLogger(name).setLevel(old)


def lines(buf):
    return [json.loads(line) for line in buf.getvalue().splitlines()]


def test_json_lines_parse_and_carry_the_request_id(capture):
    buf = capture("json")
    log = logging.getLogger("newsbot.test")
    log.info("outside")
    with request_context("req-42"):
        log.warning("fetched %s in %.1fs", "example.com", 0.25, extra={"platform": "slack"})
    out = lines(buf)
    assert [o["message"] for o in out] == ["outside", "fetched example.com in 0.2s"]
    assert out[0]["request_id"] == "-"
    assert out[1]["request_id"] == "req-42"
    assert out[1]["level"] == "WARNING"
    assert out[1]["logger"] == "newsbot.test"
    assert out[1]["platform"] == "slack"
    assert out[1]["ts"].endswith("+00:00")


async def test_request_id_follows_tasks_and_is_reset(capture):
    buf = capture("json")
    log = logging.getLogger("newsbot.test")

    async def work(rid):
        with request_context(rid):
            await asyncio.sleep(0)
            log.info("step")

    await asyncio.gather(work("a"), work("b"))
    log.info("after")
    assert sorted(o["request_id"] for o in lines(buf)[:2]) == ["a", "b"]
    assert lines(buf)[2]["request_id"] == "-"
    assert REQUEST_ID.get() == "-"


def test_text_format_has_level_logger_and_request_id(capture):
    buf = capture("text")
    with request_context() as rid:
        logging.getLogger("newsbot.x").error("boom")
    line = buf.getvalue().strip()
    assert line.endswith(f"ERROR newsbot.x [{rid}] boom")
    assert len(rid) == 12


def test_level_from_config_filters(capture):
    buf = capture("json", level="WARNING")
    logging.getLogger("newsbot.test").info("hidden")
    logging.getLogger("newsbot.test").warning("shown")
    assert [o["message"] for o in lines(buf)] == ["shown"]


@pytest.mark.parametrize("fmt", ["json", "text"])
def test_env_secrets_are_masked_in_message_args_extras_and_tracebacks(capture, monkeypatch, fmt):
    monkeypatch.setenv("SLACK_BOT_TOKEN", SLACK_TOKEN)
    monkeypatch.setenv("DISCORD_TOKEN", DISCORD_TOKEN)
    monkeypatch.setenv("REDIS_PASSWORD", REDIS_PASSWORD)
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "8f742231b10e8888abcd99yyyzzz85a5")
    buf = capture(fmt)
    log = logging.getLogger("newsbot.test")
    log.info(f"token in the message: {SLACK_TOKEN}")
    log.info("token in args: %s / %r", SLACK_TOKEN, {"auth": DISCORD_TOKEN})
    log.info("password: %s", REDIS_PASSWORD, extra={"secret": REDIS_PASSWORD})
    log.info("signing secret %s", "8f742231b10e8888abcd99yyyzzz85a5")
    try:
        raise RuntimeError(f"auth failed for {SLACK_TOKEN}")
    except RuntimeError:
        log.exception("call failed")
    out = buf.getvalue()
    for secret in (SLACK_TOKEN, DISCORD_TOKEN, REDIS_PASSWORD, "8f742231b10e8888abcd99yyyzzz85a5"):
        assert secret not in out
    assert out.count(REDACTED) >= 6
    assert "call failed" in out and "RuntimeError" in out  # masked, not dropped


def test_other_handlers_see_masked_records_too(capture, caplog, monkeypatch):
    monkeypatch.setenv("SLACK_APP_TOKEN", "xapp-1-A111-222-abcdef0123")
    capture("json")
    logging.getLogger("newsbot.test").warning("socket token %s", "xapp-1-A111-222-abcdef0123")
    assert "xapp-1-A111-222-abcdef0123" not in caplog.text
    assert "socket token " + REDACTED in caplog.text


def test_secret_exported_after_setup_is_still_masked(capture, monkeypatch):
    buf = capture("json")
    monkeypatch.setenv("NEWSBOT_REMOTE_API_KEY", "sk-local-0123456789")
    logging.getLogger("newsbot.test").info("key %s", "sk-local-0123456789")
    assert "sk-local-0123456789" not in buf.getvalue()


def test_token_shapes_are_masked_without_the_environment():
    redact = Redactor(env_vars=())
    cases = {
        "bot xoxb-123-456-abc": "bot xoxb-" + REDACTED,
        "user=xoxp-1-2-3-deadbeef": "user=xoxp-" + REDACTED,
        "app xapp-1-A0123-456-abcdef": "app xapp-" + REDACTED,
        "refresh xoxe-1-abcdef": "refresh xoxe-" + REDACTED,
        "rotated xoxe.xoxp-1-abcdef": "rotated xoxe.xoxp-" + REDACTED,
        f"discord {DISCORD_TOKEN} end": f"discord {REDACTED} end",
        "redis://:hunter22@redis:6379/0": f"redis://:{REDACTED}@redis:6379/0",
        "Authorization: Bearer abc.def": f"Authorization: {REDACTED}",
        "https://hooks.slack.com/services/T0/B0/XYZ": f"https://hooks.slack.com/services/{REDACTED}",
    }
    for raw, masked in cases.items():
        assert redact(raw) == masked


def test_ordinary_text_is_left_alone():
    redact = Redactor(env_vars=())
    text = "fetched https://example.com/news/2024/05/a-story.html (200, 51234 bytes) in 0.31s"
    assert redact(text) == text


def test_long_messages_are_cut(capture):
    buf = capture("json")
    article = "The council approved the plan. " * 1000
    logging.getLogger("newsbot.test").info("body: %s", article)
    (line,) = lines(buf)
    assert len(line["message"]) < MAX_MESSAGE_CHARS + 100
    assert "more characters not logged" in line["message"]


def test_setup_twice_keeps_one_handler(capture):
    buf = capture("json")
    capture("json")
    logging.getLogger("newsbot.test").info("once")
    assert [o["message"] for o in lines(buf)] == ["once"]


_token_chars = st.text(
    alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-", min_size=1
)


@given(
    prefix=st.text(max_size=40),
    body=_token_chars,
    suffix=st.text(max_size=40),
    kind=st.sampled_from(["xoxb", "xoxp", "xapp", "xoxe", "xoxa", "xoxe.xoxp"]),
)
def test_no_generated_slack_token_gets_through(prefix, body, suffix, kind):
    token = f"{kind}-{body}"
    out = Redactor(env_vars=())(prefix + token + suffix)
    assert token not in out


@given(
    secret=st.text(min_size=4, max_size=60).filter(
        lambda s: s.strip() == s and s not in REDACTED  # "[RED" is inside the marker itself
    ),
    noise=st.text(),
)
def test_no_configured_secret_gets_through(secret, noise):
    out = Redactor(env_vars=(), extra_secrets=[secret])(noise + secret + noise)
    assert secret not in out


# --- control characters and chatty libraries (issue 33 item 6) ----------------------------------

FORGED = "2031-01-01 00:00:00,000 CRITICAL bot.admin [-] FORGED"
# CR, LF, NEL (C1), ESC, line separator, and bidi override / isolate / mark
CONTROLS = "\r\n\x85\x1b[2J\u2028\u2029\u202e\u2067\u200f"


def test_text_lines_escape_controls_so_nothing_forges_a_line(capture):
    buf = capture("text")
    logging.getLogger("newsbot.test").warning("title %s\n%s", f"a{CONTROLS}b", FORGED)
    (line,) = buf.getvalue().splitlines()  # str.splitlines also splits on NEL and U+2028
    assert line.endswith(
        "title a\\r\\n\\x85\\x1b[2J\\u2028\\u2029\\u202e\\u2067\\u200fb\\n" + FORGED
    )


def test_text_tracebacks_keep_their_lines_but_none_starts_a_record(capture):
    buf = capture("text")
    try:
        raise ValueError(f"bad title\n{FORGED}\r\u202eevil")
    except ValueError:
        logging.getLogger("newsbot.test").exception("could not render")
    first, *rest = buf.getvalue().rstrip("\n").split("\n")
    assert first.endswith("could not render")
    assert rest[0] == CONTINUATION + "Traceback (most recent call last):"
    assert all(line.startswith(CONTINUATION) for line in rest)
    assert CONTINUATION + FORGED + "\\r\\u202eevil" in rest


def test_json_lines_escape_controls_in_message_extras_and_traceback(capture):
    buf = capture("json")
    log = logging.getLogger("newsbot.test")
    try:
        raise ValueError(f"x{CONTROLS}y")
    except ValueError:
        log.exception("m%s", CONTROLS, extra={"title": f"t{CONTROLS}"})
    raw = buf.getvalue()
    assert raw.count("\n") == 1  # one record, one line
    assert not [c for c in CONTROLS if not c.isprintable() and c in raw.rstrip("\n")]
    (doc,) = lines(buf)
    escaped = "\\r\\n\\x85\\x1b[2J\\u2028\\u2029\\u202e\\u2067\\u200f"
    assert doc["message"] == "m" + escaped
    assert doc["title"] == "t" + escaped
    # A traceback keeps its real line breaks (JSON escapes those); the rest is escaped.
    assert doc["exc"].endswith("ValueError: x\\r\n" + escaped[4:] + "y")


def test_zero_width_joiners_are_text_not_controls(capture):
    buf = capture("json")
    family = "\U0001f468\u200d\U0001f469\u200d\U0001f467"
    persian = "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645"  # ZWNJ inside a word
    logging.getLogger("newsbot.test").info("%s %s", family, persian)
    assert lines(buf)[0]["message"] == f"{family} {persian}"


def test_slack_bolt_body_logging_is_held_back_even_at_debug(capture):
    from slack_bolt.middleware.request_verification import RequestVerification

    buf = capture("json", level="DEBUG")
    ours = logging.getLogger("bot.adapters.slack")
    verification = RequestVerification("secret", base_logger=ours)
    verification._debug_log_error("v0=00", "1700000000", f"text=pasted article\n{FORGED}")
    logging.getLogger("slack_sdk.web.async_base_client").debug("json_body: {'text': 'bullet'}")
    logging.getLogger("discord.gateway").debug("WebSocket Event: {'content': 'hello'}")
    logging.getLogger("discord.client").info("logged in")
    logging.getLogger("slack_bolt.App").warning("listener failed")
    assert [(o["logger"], o["message"]) for o in lines(buf)] == [
        ("discord.client", "logged in"),
        ("slack_bolt.App", "listener failed"),
    ]


async def test_bolt_messages_through_our_logger_are_held_back_too(capture):
    # Bolt writes its framework messages (a listener's response body among them) through the
    # logger the app was given; for newsbot that is a project logger.
    from slack_bolt.async_app import AsyncApp
    from slack_bolt.authorization import AuthorizeResult
    from slack_bolt.request.async_request import AsyncBoltRequest

    buf = capture("json", level="DEBUG")
    ours = logging.getLogger("bot.adapters.slack")

    async def authorize(**_):
        return AuthorizeResult(enterprise_id=None, team_id="T0", bot_token="xoxb-1", bot_id="B0")

    app = AsyncApp(
        logger=ours, authorize=authorize, signing_secret="s", request_verification_enabled=False
    )

    @app.command("/summarize")
    async def summarize(ack, command):
        ours.debug("command of %d chars", len(command["text"]))
        await ack("Summarizing: the council approved the plant")

    body = "command=%2Fsummarize&text=the+council+approved+the+plant&team_id=T0&user_id=U0"
    response = await app.async_dispatch(AsyncBoltRequest(body=body))
    assert response.status == 200 and "council" in response.body
    messages = [o["message"] for o in lines(buf)]
    assert "command of 30 chars" in messages  # our own DEBUG lines on that logger stay
    assert not [m for m in messages if "council" in m]
