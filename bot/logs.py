"""Logging set-up: text or JSON lines, a request id on every record, secrets masked.

Rules for anyone writing a log call in newsbot:
- Never log a token or secret. As a backstop, `RedactingFilter` masks Slack tokens (xoxb-,
  xoxp-, xapp-, xoxe- ...), Discord bot tokens, Slack webhook URLs, Authorization header values,
  passwords in redis:// URLs, and the values of the secret environment variables in
  `SECRET_ENV_VARS`, in the message, its args and any traceback. Masking is a safety net,
  not a licence: it cannot know a secret it was never told about.
- Never log an article body, pasted text or a summary. Log its length, URL host, a cache key or
  the summary id instead. Article text is untrusted and may be private; as a last guard,
  messages longer than `MAX_MESSAGE_CHARS` are cut.
- Log the request id (`request_context`), not user names or message text.
- Libraries that log request and response bodies below some level (slack_bolt and slack_sdk
  below WARNING, discord.py below INFO) are held at that level even at DEBUG, whichever logger
  their code writes through (`QUIET_LIBRARIES`).
- Control characters (CR, LF, other C0 and C1, bidi controls, Unicode line separators) are
  escaped in every line the formatters write, so logged text cannot forge or reorder a line.
"""

from __future__ import annotations

import importlib.util
import json
import logging
import os
import re
import secrets
import sys
import traceback
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any, TextIO

from bot.config import LogConfig

#: Environment variables whose values are masked wherever they appear in a log line.
SECRET_ENV_VARS = (
    "SLACK_BOT_TOKEN",
    "SLACK_APP_TOKEN",
    "SLACK_SIGNING_SECRET",
    "DISCORD_TOKEN",
    "REDIS_PASSWORD",
    "NEWSBOT_REMOTE_API_KEY",
)
#: Secrets shorter than this are not masked: masking "abc" everywhere would garble every log.
MIN_SECRET_CHARS = 4
#: A log message longer than this is cut (a full article must never reach the logs).
MAX_MESSAGE_CHARS = 4_000
REDACTED = "[REDACTED]"

#: Below these levels the libraries log raw request bodies (slack_bolt: unverified Slack
#: requests), Web API payloads (slack_sdk: chat.postMessage with summary sentences) and
#: gateway events (discord.py: message content), so their records below it are dropped.
QUIET_LIBRARIES: dict[str, int] = {
    "slack_bolt": logging.WARNING,
    "slack_sdk": logging.WARNING,
    "discord": logging.INFO,
}

# Characters that end, rewrite or visually reorder a line: C0 and DEL, C1 (NEL is U+0085),
# Unicode line/paragraph separators, and the bidi marks, embeddings, overrides and isolates.
# ZWJ/ZWNJ stay: scripts and emoji need them and they cannot move text around.
_OTHER_CONTROLS = r"\x7f-\x9f\u2028\u2029\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
_CONTROL = re.compile(rf"[\x00-\x1f{_OTHER_CONTROLS}]")
_CONTROL_BUT_LF = re.compile(rf"[\x00-\x09\x0b-\x1f{_OTHER_CONTROLS}]")
_NAMED_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}

REQUEST_ID: ContextVar[str] = ContextVar("newsbot_request_id", default="-")

_NOT_TOKEN = r"(?<![A-Za-z0-9_-])"
_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    # Slack: bot/user/app/refresh/config tokens, incl. rotated "xoxe.xoxp-1-..." ones. No leading
    # word boundary: "token=xoxb-..." and "abcxoxb-..." are both masked.
    (re.compile(r"(xox[a-z]|xapp|xwfp)((?:\.xox[a-z])?-)[A-Za-z0-9-]+", re.I), r"\1\2" + REDACTED),
    (
        re.compile(r"(hooks\.slack\.com/(?:services|workflows|triggers)/)[A-Za-z0-9_/-]+", re.I),
        r"\1" + REDACTED,
    ),
    # Discord bot token: base64(user id) . base64(timestamp) . HMAC.
    (
        re.compile(_NOT_TOKEN + r"[A-Za-z0-9_-]{20,40}\.[A-Za-z0-9_-]{5,10}\.[A-Za-z0-9_-]{25,}"),
        REDACTED,
    ),
    (re.compile(r"mfa\.[A-Za-z0-9_-]{20,}"), REDACTED),
    (
        re.compile(r"((?:authorization|proxy-authorization)[\"']?\s*[:=]\s*[\"']?)[^\s\"',}]+"
                   r"(?:\s+[^\s\"',}]+)?", re.I),
        r"\1" + REDACTED,
    ),
    # Credentials in a URL: redis://:secret@host, https://user:secret@host
    (re.compile(r"([a-z][a-z0-9+.-]*://[^/\s:@]*:)[^@\s/]+@", re.I), r"\1" + REDACTED + "@"),
)


def new_request_id() -> str:
    return secrets.token_hex(6)


@contextmanager
def request_context(request_id: str | None = None) -> Iterator[str]:
    """Tag every log record inside the block (and tasks started in it) with a request id.

    Note `loop.run_in_executor` does not copy context vars; use `contextvars.copy_context().run`
    (or `asyncio.to_thread`) if worker-thread logs should carry the id too.
    """
    rid = request_id or new_request_id()
    token = REQUEST_ID.set(rid)
    try:
        yield rid
    finally:
        REQUEST_ID.reset(token)


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    if char in _NAMED_ESCAPES:
        return _NAMED_ESCAPES[char]
    return f"\\x{ord(char):02x}" if ord(char) < 0x100 else f"\\u{ord(char):04x}"


def escape_controls(text: str, *, keep_newlines: bool = False) -> str:
    """`text` with every line-breaking or bidi control written as a visible escape (\\n, \\x1b,
    \\u202e), so logged text can neither start a forged log line nor reorder the one it is in."""
    return (_CONTROL_BUT_LF if keep_newlines else _CONTROL).sub(_escape, text)


class Redactor:
    """Masks token-shaped strings and the current values of secret environment variables."""

    def __init__(
        self, env_vars: Iterable[str] = SECRET_ENV_VARS, extra_secrets: Iterable[str] = ()
    ) -> None:
        self._env_vars = tuple(env_vars)
        self._extra = tuple(s for s in extra_secrets if len(s) >= MIN_SECRET_CHARS)
        self._cached: tuple[str, ...] | None = None
        self._secret_re: re.Pattern[str] | None = None

    def _secrets_pattern(self) -> re.Pattern[str] | None:
        # Read the environment on every call: tokens are often exported after logging starts.
        values = tuple(
            v for v in (os.environ.get(name, "").strip() for name in self._env_vars) if v
        ) + self._extra
        values = tuple(v for v in values if len(v) >= MIN_SECRET_CHARS)
        if values != self._cached:
            self._cached = values
            # Longest first, so a secret containing another is masked whole.
            alternatives = sorted(set(values), key=len, reverse=True)
            self._secret_re = (
                re.compile("|".join(re.escape(v) for v in alternatives)) if alternatives else None
            )
        return self._secret_re

    def __call__(self, text: str) -> str:
        pattern = self._secrets_pattern()
        if pattern is not None:
            text = pattern.sub(REDACTED, text)
        for regex, replacement in _PATTERNS:
            text = regex.sub(replacement, text)
        return text


class RedactingFilter(logging.Filter):
    """Render each record's message, mask secrets in it and in its traceback, cap its length.

    Attach it to handlers (not loggers): handler filters see records from every logger.
    """

    def __init__(self, redactor: Redactor | None = None) -> None:
        super().__init__()
        self.redact = redactor or Redactor()

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a bad format string must not kill the log line
            message = f"{record.msg!r} (unformattable args)"
        if len(message) > MAX_MESSAGE_CHARS:
            cut = len(message) - MAX_MESSAGE_CHARS
            message = f"{message[:MAX_MESSAGE_CHARS]}… [{cut} more characters not logged]"
        record.msg = self.redact(message)
        record.args = None
        if record.exc_info and record.exc_info[0] is not None:
            text = "".join(traceback.format_exception(*record.exc_info)).rstrip("\n")
            record.exc_text = self.redact(text)
            record.exc_info = None  # the formatter must use the masked text, not re-render
        elif record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        return True


class LibraryNoiseFilter(logging.Filter):
    """Drop records made in a `QUIET_LIBRARIES` package's code below that package's level.

    Keyed on the file that made the record, not the logger name: Bolt writes its framework
    messages (bodies included) through whatever logger the app was given, i.e. ours.
    """

    def __init__(self, quiet: dict[str, int] = QUIET_LIBRARIES) -> None:
        super().__init__()
        self._dirs = tuple(
            (os.path.join(directory, ""), level)
            for name, level in quiet.items()
            for directory in _package_dirs(name)
        )

    def filter(self, record: logging.LogRecord) -> bool:
        path = record.pathname
        return not any(record.levelno < lvl and path.startswith(d) for d, lvl in self._dirs)


def _package_dirs(name: str) -> list[str]:
    try:
        spec = importlib.util.find_spec(name)  # finds the package without importing it
    except (ImportError, ValueError):
        return []
    if spec is None or not spec.submodule_search_locations:
        return []
    # Both spellings: a record's pathname is the path the module was imported by (symlinks kept).
    dirs = list(spec.submodule_search_locations)
    return list(dict.fromkeys(dirs + [os.path.realpath(d) for d in dirs]))


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = REQUEST_ID.get()
        return True


TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"

# Attributes every LogRecord has; anything else came from `extra=` and goes into JSON lines.
_STANDARD_ATTRS = frozenset(
    vars(logging.LogRecord("", 0, "", 0, "", None, None))
) | {"message", "asctime", "request_id", "taskName"}


class JsonFormatter(logging.Formatter):
    """One JSON object per line: ts, level, logger, message, request_id, extras, exc."""

    def __init__(self, redactor: Redactor | None = None) -> None:
        super().__init__()
        self.redact = redactor or Redactor()

    def format(self, record: logging.LogRecord) -> str:
        doc: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": escape_controls(self.redact(record.getMessage())),
            "request_id": getattr(record, "request_id", REQUEST_ID.get()),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD_ATTRS and not key.startswith("_"):
                doc[key] = self._safe(value)
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        # JSON escapes a traceback's newlines itself; everything else is escaped as in text.
        if record.exc_text:
            doc["exc"] = escape_controls(self.redact(record.exc_text), keep_newlines=True)
        if record.stack_info:
            doc["stack"] = escape_controls(self.redact(record.stack_info), keep_newlines=True)
        return json.dumps(doc, ensure_ascii=False, default=str)

    def _safe(self, value: Any) -> Any:
        if isinstance(value, bool | int | float) or value is None:
            return value
        return escape_controls(self.redact(str(value)))


#: Starts each traceback or stack line under a text record: only a record's own first line
#: begins at column 0, so text inside an exception message cannot pass for a record.
CONTINUATION = "| "


class RedactingTextFormatter(logging.Formatter):
    """The text format, masked once more (extras, custom formats) and with controls escaped."""

    def __init__(self, redactor: Redactor | None = None) -> None:
        super().__init__(TEXT_FORMAT)
        self.redact = redactor or Redactor()

    def format(self, record: logging.LogRecord) -> str:
        record.message = record.getMessage()
        if self.usesTime():
            record.asctime = self.formatTime(record, self.datefmt)
        lines = [escape_controls(self.redact(self.formatMessage(record)))]
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        for block in (record.exc_text, record.stack_info):
            if block:
                lines += (
                    CONTINUATION + escape_controls(line)
                    for line in self.redact(block).split("\n")
                )
        return "\n".join(lines)


def _mask_at_creation(masker: RedactingFilter) -> None:
    """Mask records as they are made, so every handler (not only ours) sees masked text."""
    current = logging.getLogRecordFactory()
    base = getattr(current, "_newsbot_base", current)  # never wrap our own wrapper twice

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = base(*args, **kwargs)
        masker.filter(record)
        return record

    factory._newsbot_base = base  # type: ignore[attr-defined]
    logging.setLogRecordFactory(factory)


def setup_logging(
    config: LogConfig, *, stream: TextIO | None = None, debug: bool = False
) -> logging.Handler:
    """Send every logger's records through one masked handler on the root logger.

    Call it once, instead of `logging.basicConfig`. Records are also masked at creation (a
    LogRecord factory), so handlers added by others (pytest's caplog) only see masked text.
    A handler from an earlier call is replaced; `debug` forces DEBUG. Returns the new handler.
    """
    redactor = Redactor()
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.addFilter(LibraryNoiseFilter())
    handler.addFilter(RequestIdFilter())
    handler.addFilter(RedactingFilter(redactor))
    if config.format == "json":
        handler.setFormatter(JsonFormatter(redactor))
    else:
        handler.setFormatter(RedactingTextFormatter(redactor))
    handler._newsbot = True  # type: ignore[attr-defined]
    root = logging.getLogger()
    for old in list(root.handlers):
        if getattr(old, "_newsbot", False):
            root.removeHandler(old)
            old.close()
    root.addHandler(handler)
    _mask_at_creation(RedactingFilter(redactor))
    root.setLevel(logging.DEBUG if debug else config.level)
    # Per-request access lines would log every Slack delivery and health probe.
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)
    # Also at DEBUG: the levels below which these libraries log bodies (see QUIET_LIBRARIES).
    for name, level in QUIET_LIBRARIES.items():
        logging.getLogger(name).setLevel(level)
    return handler
