"""HTTP mode: an aiohttp server for Slack's Events API, slash commands and interactivity.

One endpoint (`/slack/events`) takes all three request kinds. It checks the v0 signature on the
raw bytes before reading anything (401 otherwise), then parses (400 for a signed body that is
not a Slack request), and only then hands the request to Bolt. `/healthz` is for load balancers.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import re
import time
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response
from slack_bolt.async_app import AsyncApp
from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.request.async_internals import build_async_context
from slack_bolt.request.async_request import AsyncBoltRequest

from bot.errors import ConfigError

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
#: Slack caps message text at 40,000 chars; 1 MiB leaves room for escaping and form encoding.
MAX_BODY_BYTES = 1024 * 1024
#: Slack's replay window: a signed request older or newer than this is refused.
MAX_CLOCK_SKEW_S = 300
# ASCII digits only: int() would also take " 12", "1_2" and Arabic-Indic digits.
_TIMESTAMP = re.compile(r"[0-9]{1,12}")


class MalformedRequest(ValueError):
    """A correctly signed body that is not a request Slack sends (answered with 400)."""


def signature_problem(
    secret: bytes, raw: bytes, headers: Mapping[str, str], now: float
) -> str | None:
    """Why the v0 signature of `raw` is not acceptable, or None when it is.

    Hand-written over bytes because slack_sdk's `SignatureVerifier` decodes the body as UTF-8 and
    int()s the timestamp, and raises on both for hostile input instead of saying no.
    """
    timestamp = headers.get("X-Slack-Request-Timestamp", "")
    signature = headers.get("X-Slack-Signature", "")
    if not timestamp or not signature:
        return "unsigned"
    if not _TIMESTAMP.fullmatch(timestamp):
        return "bad timestamp"
    if abs(now - int(timestamp)) > MAX_CLOCK_SKEW_S:
        return "stale timestamp"
    basestring = b"v0:" + timestamp.encode() + b":" + raw
    expected = "v0=" + hmac.new(secret, basestring, hashlib.sha256).hexdigest()
    # compare_digest refuses non-ASCII str; compare bytes (aiohttp keeps odd header bytes as
    # surrogates, which surrogateescape turns back into the bytes that were sent).
    given = signature.encode("utf-8", "surrogateescape")
    if not hmac.compare_digest(expected.encode(), given):
        return "bad signature"
    return None


def parse_slack_body(raw: bytes, content_type: str) -> tuple[str, dict[str, Any]]:
    """The body as text and as the dict Bolt will see; `MalformedRequest` if it is neither.

    Follows Bolt's own rule (JSON when the type says so or it starts with "{", else a form whose
    `payload` field, if any, is JSON) but insists every JSON part is an object.
    """
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise MalformedRequest("body is not UTF-8") from exc
    if not text:
        return text, {}
    if content_type == "application/json" or text.startswith("{"):
        body = _json_object(text, "body")
        check_shape(body)
        return text, body
    fields = dict(parse_qsl(text, keep_blank_values=True))
    if "payload" in fields:
        payload = _json_object(fields["payload"], "payload")
        check_shape(payload)
        return text, payload
    # A form that merely mentions "payload" (a pasted article) is plain fields; Bolt (1.30)
    # would read it as an empty interactivity payload and the paste would vanish unanswered.
    check_shape(fields)  # a slash command's fields are strings; an "event" field is not one
    return text, fields


def _json_object(text: str, what: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except ValueError as exc:
        raise MalformedRequest(f"{what} is not JSON") from exc
    except RecursionError as exc:
        raise MalformedRequest(f"{what} nests too deeply") from exc
    if not isinstance(value, dict):
        raise MalformedRequest(f"{what} is JSON but not an object")
    return value


_STR = (str,)
_STR_OR_NULL = (str, type(None))
_OBJECT = (dict,)
_ENTITY = (dict, str, type(None))  # an object with an "id", the id itself, or null
#: The JSON types Slack sends for the fields Bolt's middleware, listener matching and context
#: building read without checking (`body["event"].get(...)`, `re.search(..., event["text"])`).
#: Another type in a signed body is not a Slack request; Bolt would answer 500 and log a trace.
_FIELD_TYPES: dict[str, tuple[type, ...]] = {
    **dict.fromkeys(("command", "challenge"), _STR),
    **dict.fromkeys(
        ("type", "subtype", "text", "callback_id", "action_id", "block_id", "trigger_id", "id",
         "team_id", "user_id", "channel_id", "enterprise_id", "bot_id", "app_id", "api_app_id",
         "ts", "thread_ts", "event_ts", "message_ts", "event_id", "response_url", "token",
         "function_execution_id", "bot_access_token", "context_team_id",
         "context_enterprise_id"),
        _STR_OR_NULL,
    ),  # fmt: skip
    **dict.fromkeys(
        ("event", "message", "previous_message", "item", "view", "container", "assistant_thread",
         "function_data", "workflow_step"),
        _OBJECT,
    ),  # fmt: skip
    **dict.fromkeys(("team", "user", "channel", "enterprise"), _ENTITY),
    **dict.fromkeys(("authorizations", "actions", "response_urls"), (list,)),
}
#: Lists Bolt indexes at [0] unchecked; Slack sends the element that was used, never none.
_NON_EMPTY = frozenset({"actions"})
#: Per request type, the ids Slack always sends and Bolt's listener matching reads unchecked
#: ("actions.action_id": in every element of `actions`).
_REQUIRED: dict[str, tuple[str, ...]] = {
    "block_actions": ("actions.action_id", "actions.block_id"),
    "block_suggestion": ("action_id", "block_id"),
    "view_submission": ("view.callback_id",),
    "view_closed": ("view.callback_id",),
    **dict.fromkeys(
        ("shortcut", "message_action", "interactive_message", "dialog_submission",
         "dialog_cancellation", "dialog_suggestion", "workflow_step_edit"),
        ("callback_id",),
    ),  # fmt: skip
}
#: Nesting Slack's envelopes actually use (body → event → message → ...); deeper is not read.
_MAX_SHAPE_DEPTH = 6


def check_shape(body: dict[str, Any], depth: int = 0) -> None:
    """`MalformedRequest` unless each field Bolt reads blindly has the type Slack sends."""
    for key, value in body.items():
        allowed = _FIELD_TYPES.get(key)
        if allowed is None:
            continue
        if not isinstance(value, allowed):
            raise MalformedRequest(f"{key!r} is a JSON {type(value).__name__}")
        if depth >= _MAX_SHAPE_DEPTH:
            continue
        if isinstance(value, list):
            if key in _NON_EMPTY and not value:
                raise MalformedRequest(f"{key!r} is empty")
            if not all(isinstance(item, dict) for item in value):
                raise MalformedRequest(f"{key!r} holds something other than objects")
            for item in value:
                # Block Kit elements carry rich-text objects under "text"; only ids matter here.
                check_shape({k: v for k, v in item.items() if k != "text"}, depth + 1)
        elif isinstance(value, dict):
            check_shape(value, depth + 1)
    if depth == 0:  # "type" is known to be a string or null by now
        for path in _REQUIRED.get(body.get("type") or "", ()):
            container, _, key = path.rpartition(".")
            holders = body.get(container) if container else body
            for holder in holders if isinstance(holders, list) else [holders]:
                if not isinstance(holder, dict) or not isinstance(holder.get(key), str):
                    raise MalformedRequest(f"a {body['type']} request without {path}")


def bolt_request(text: str, body: dict[str, Any], request: web.Request) -> AsyncBoltRequest:
    """An `AsyncBoltRequest` carrying our parse; `MalformedRequest` where Bolt chokes on it."""
    try:
        # Bolt re-parses the text and reads ids out of it assuming Slack's shapes: a signed
        # `{"authorizations": 5}` raises TypeError in there rather than anything clearer.
        headers: Any = request.headers
        req = AsyncBoltRequest(body=text, query=request.query_string, headers=headers)
        if req.body != body:
            req.body = body
            req.context = build_async_context(AsyncBoltContext({}), body)
    except (ValueError, TypeError, AttributeError, KeyError, IndexError, RecursionError) as exc:
        raise MalformedRequest(f"unexpected shape ({type(exc).__name__})") from exc
    return req


class SlackHTTPServer:
    """The `/slack/events` and `/healthz` endpoints in front of a Bolt app."""

    def __init__(
        self,
        app: AsyncApp,
        host: str,
        port: int,
        *,
        signing_secret: str,
        clock: Callable[[], float] = time.time,
    ) -> None:
        secret = signing_secret
        if not secret:
            raise ConfigError("Slack HTTP mode needs SLACK_SIGNING_SECRET to verify requests.")
        self.app = app
        self.host = host
        self.port = port
        self._secret = secret.encode()
        self._clock = clock
        self._runner: web.AppRunner | None = None

    def web_app(self) -> web.Application:
        web_app = web.Application(client_max_size=MAX_BODY_BYTES)
        web_app.router.add_post(EVENTS_PATH, self._events)
        web_app.router.add_get("/healthz", self._healthz)
        return web_app

    async def start(self) -> None:
        self._runner = web.AppRunner(self.web_app(), access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        self.port = self._runner.addresses[0][1]  # the real one when configured as 0
        log.info("slack HTTP endpoint listening on %s:%d%s", self.host, self.port, EVENTS_PATH)

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _events(self, request: web.Request) -> web.Response:
        raw = await request.read()  # past MAX_BODY_BYTES aiohttp answers 413 itself
        problem = signature_problem(self._secret, raw, request.headers, self._clock())
        if problem is not None:
            # Nothing from an unverified request is logged: not its body, not its headers.
            log.info("refused a Slack request: %s (%d bytes)", problem, len(raw))
            return web.json_response({"error": "invalid request"}, status=401)
        try:
            # Bolt's reading of the header, not aiohttp's (which lower-cases and defaults it).
            content_type = request.headers.get("Content-Type", "").split(";")[0]
            text, body = parse_slack_body(raw, content_type)
            bolt_req = bolt_request(text, body, request)
        except MalformedRequest as exc:
            log.warning("signed Slack request with a malformed body: %s (%d bytes)", exc, len(raw))
            return web.json_response({"error": "malformed request"}, status=400)
        bolt_response = await self.app.async_dispatch(bolt_req)
        return await to_aiohttp_response(bolt_response)

    async def _healthz(self, request: web.Request) -> web.Response:
        return web.json_response({"ok": True})
