"""A fake Slack Web API on 127.0.0.1 that records every call, plus request-signing helpers.

Point the adapter at it with `slack.api_base_url = fake.api_url`. Methods answer like Slack
for the fields newsbot reads; `fail(method, status, ...)` queues a failure (e.g. one 429 with
Retry-After) for the next call of that method. `response_url`s live under `/respond/...`.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import itertools
import json
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from aiohttp import web

BOT_USER = "UNEWSBOT"
BOT_ID = "BNEWSBOT"
TEAM = "T0TEAM"
TOKEN = "xoxb-test"


@dataclass
class Call:
    method: str  # Web API method, or "respond" for response_url posts
    args: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)
    at: float = field(default_factory=time.monotonic)


class FakeSlack:
    def __init__(self) -> None:
        self.calls: list[Call] = []
        #: (channel, ts) → message, for conversations.history / conversations.replies
        self.messages: dict[tuple[str, str], dict[str, Any]] = {}
        self._failures: dict[str, list[tuple[int, dict[str, str], dict[str, Any]]]] = {}
        self._ts = itertools.count(1)
        self._changed = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self.port = 0

    # --- control -----------------------------------------------------------------------------

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_url(self) -> str:
        return f"{self.base}/api/"

    def response_url(self, name: str = "r1") -> str:
        return f"{self.base}/respond/{name}"

    def fail(
        self,
        method: str,
        status: int,
        *,
        headers: dict[str, str] | None = None,
        body: dict[str, Any] | None = None,
        times: int = 1,
    ) -> None:
        for _ in range(times):
            self._failures.setdefault(method, []).append(
                (status, headers or {}, body or {"ok": False, "error": "fake_failure"})
            )

    def of(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    async def wait_for(self, method: str, count: int = 1, within: float = 10.0) -> list[Call]:
        """Block until `method` has been called `count` times; fails the test on timeout."""
        await self.wait_until(lambda: len(self.of(method)) >= count, within, f"{count} x {method}")
        return self.of(method)

    async def wait_until(self, predicate, within: float = 10.0, what: str = "condition") -> None:
        async def check() -> None:
            async with self._changed:
                await self._changed.wait_for(predicate)

        try:
            await asyncio.wait_for(check(), within)
        except TimeoutError:
            seen = [c.method for c in self.calls]
            raise AssertionError(f"expected {what} within {within}s; saw {seen}") from None

    # --- server ------------------------------------------------------------------------------

    async def start(self) -> FakeSlack:
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._api)  # the SDK GETs some methods
        app.router.add_post("/respond/{name}", self._respond)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        self.port = self._runner.addresses[0][1]
        return self

    async def stop(self) -> None:
        if self._runner:
            await self._runner.cleanup()

    async def _record(self, call: Call) -> None:
        async with self._changed:
            self.calls.append(call)
            self._changed.notify_all()

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        args = await _read_args(request)
        await self._record(Call(method, args, dict(request.headers)))
        if request.headers.get("Authorization") != f"Bearer {TOKEN}":
            return web.json_response({"ok": False, "error": "invalid_auth"})
        queued = self._failures.get(method)
        if queued:
            status, headers, body = queued.pop(0)
            return web.json_response(body, status=status, headers=headers)
        handler = getattr(self, "_" + method.replace(".", "_"), None)
        if handler is None:
            return web.json_response({"ok": False, "error": "unknown_method"})
        return web.json_response(handler(args))

    async def _respond(self, request: web.Request) -> web.Response:
        args = await _read_args(request)
        args["_name"] = request.match_info["name"]
        await self._record(Call("respond", args, dict(request.headers)))
        return web.Response(text="ok")

    # --- methods -----------------------------------------------------------------------------

    def _auth_test(self, args: dict) -> dict:
        return {"ok": True, "user_id": BOT_USER, "bot_id": BOT_ID, "team_id": TEAM,
                "user": "newsbot", "team": "Test", "url": "https://test.slack.com/"}  # fmt: skip

    def _chat_postMessage(self, args: dict) -> dict:
        ts = f"{1700000000 + next(self._ts)}.000100"
        message = {"ts": ts, "text": args.get("text"), "bot_id": BOT_ID, "user": BOT_USER}
        self.messages[(args.get("channel"), ts)] = message
        return {"ok": True, "channel": args.get("channel"), "ts": ts, "message": message}

    def _chat_postEphemeral(self, args: dict) -> dict:
        return {"ok": True, "message_ts": f"{1700000000 + next(self._ts)}.000200"}

    def _chat_getPermalink(self, args: dict) -> dict:
        channel, ts = args.get("channel"), str(args.get("message_ts"))
        link = f"https://test.slack.com/archives/{channel}/p{ts.replace('.', '')}"
        return {"ok": True, "channel": channel, "permalink": link}

    def _reactions_add(self, args: dict) -> dict:
        return {"ok": True}

    def _conversations_history(self, args: dict) -> dict:
        msg = self.messages.get((args.get("channel"), str(args.get("latest"))))
        return {"ok": True, "messages": [msg] if msg else [], "has_more": False}

    def _conversations_replies(self, args: dict) -> dict:
        msg = self.messages.get((args.get("channel"), str(args.get("ts"))))
        return {"ok": True, "messages": [msg] if msg else [], "has_more": False}


async def _read_args(request: web.Request) -> dict[str, Any]:
    if request.method == "GET":
        return dict(request.query)
    if request.content_type == "application/json":
        data = await request.json()
        return dict(data) if isinstance(data, dict) else {"_body": data}
    form = await request.post()
    args: dict[str, Any] = {k: v for k, v in form.items()}
    for key in ("blocks", "attachments"):
        if isinstance(args.get(key), str):
            args[key] = json.loads(args[key])
    return args


# --- signed requests (what Slack sends) --------------------------------------------------------


def sign(secret: str, body: str, timestamp: int | None = None) -> dict[str, str]:
    """v0 signature headers: `v0=` + hex HMAC-SHA256 of `v0:{timestamp}:{body}`."""
    ts = str(int(time.time()) if timestamp is None else timestamp)
    digest = hmac.new(secret.encode(), f"v0:{ts}:{body}".encode(), hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": f"v0={digest}"}


def event_body(event: dict[str, Any], event_id: str = "Ev001", team: str = TEAM) -> str:
    return json.dumps(
        {"token": "legacy", "team_id": team, "api_app_id": "A0APP", "type": "event_callback",
         "event_id": event_id, "event_time": int(time.time()), "event": event}
    )  # fmt: skip


def command_body(text: str, *, user: str = "U0USER", channel: str = "C0NEWS", **extra: str) -> str:
    fields = {"token": "legacy", "team_id": TEAM, "team_domain": "test", "channel_id": channel,
              "channel_name": "news", "user_id": user, "user_name": "someone",
              "command": "/summarize", "text": text, "api_app_id": "A0APP",
              "response_url": extra.pop("response_url", ""), "trigger_id": "1.2.3"}  # fmt: skip
    fields.update(extra)
    return urlencode(fields)


def interactive_body(payload: dict[str, Any]) -> str:
    return urlencode({"payload": json.dumps(payload)})
