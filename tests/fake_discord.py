"""A fake Discord (REST + gateway) on 127.0.0.1, enough for discord.py to log in and chat.

REST lives under `/api/v10` (point `discord.api_base_url` at `FakeDiscord.api_base_url`);
`/gateway/bot` hands out `ws://127.0.0.1:PORT/gateway`, which speaks plain JSON text frames
(discord.py only decompresses binary frames). Every REST call is recorded for assertions.
"""

from __future__ import annotations

import asyncio
import itertools
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

APP_ID = 900000000000000001
BOT_ID = APP_ID  # a bot user shares its application's id
GUILD_ID = 910000000000000001
CHANNEL_ID = 920000000000000001
USER_ID = 930000000000000001
TIMESTAMP = "2026-11-20T09:00:00.000000+00:00"
ALL_PERMISSIONS = str((1 << 53) - 1)

BOT_USER = {
    "id": str(BOT_ID),
    "username": "newsbot",
    "discriminator": "0",
    "global_name": None,
    "avatar": None,
    "bot": True,
}
HUMAN = {
    "id": str(USER_ID),
    "username": "reader",
    "discriminator": "0",
    "global_name": "Reader",
    "avatar": None,
}

MEMBER = {"roles": [], "joined_at": TIMESTAMP, "deaf": False, "mute": False, "flags": 0}


@dataclass
class Call:
    method: str
    path: str  # without the /api/v10 prefix
    query: dict[str, str]
    body: Any
    headers: dict[str, str] = field(default_factory=dict)


class FakeDiscord:
    """Start with `await FakeDiscord().start()`; push gateway events with `dispatch`."""

    def __init__(self) -> None:
        self.calls: list[Call] = []
        #: Every message the bot posted, as the fake stored it (with its id).
        self.sent: list[dict[str, Any]] = []
        self.identify: dict[str, Any] | None = None
        #: Channels whose message POSTs get 403 Missing Permissions.
        self.forbidden_channels: set[int] = set()
        #: When set, any other bot token gets 401 (discord.py raises LoginFailure).
        self.accepted_token: str | None = None
        #: Like a bot whose Message Content intent is off in the Developer Portal (close 4014).
        self.deny_message_content = False
        #: Interaction ids whose callback gets 404 Unknown interaction (token expired).
        self.expired_interactions: set[int] = set()
        self._ids = itertools.count(950000000000000001)
        self._seq = itertools.count(1)
        self._sockets: list[web.WebSocketResponse] = []
        self._runner: web.AppRunner | None = None
        self.port = 0

    # --- lifecycle ------------------------------------------------------------------------------

    @property
    def api_base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/v10"

    async def start(self) -> FakeDiscord:
        app = web.Application()
        app.router.add_get("/gateway", self._gateway)
        app.router.add_route("*", "/api/v10/{tail:.*}", self._rest)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = self._runner.addresses[0][1]
        return self

    async def stop(self) -> None:
        for ws in list(self._sockets):
            await ws.close()
        if self._runner:
            await self._runner.cleanup()

    # --- helpers for tests ----------------------------------------------------------------------

    async def dispatch(self, event: str, data: dict[str, Any]) -> None:
        """Send a DISPATCH (op 0) to every connected gateway client."""
        await self.wait_until(lambda: self.identify is not None)
        frame = {"op": 0, "t": event, "s": next(self._seq), "d": data}
        for ws in list(self._sockets):
            await ws.send_str(json.dumps(frame))

    async def wait_until(self, predicate: Callable[[], Any], within: float = 10.0) -> Any:
        """Poll `predicate` (it may look at the bot as well as at the recorded calls)."""
        async with asyncio.timeout(within):
            while not (result := predicate()):  # noqa: ASYNC110 - polls the bot's state too
                await asyncio.sleep(0.01)
        return result

    async def wait_for_call(
        self, method: str, path: str, *, within: float = 10.0, start: int = 0
    ) -> Call:
        """The first recorded call (from index `start`) with this method and path."""

        def find() -> Call | None:
            for call in self.calls[start:]:
                if call.method == method and call.path == path:
                    return call
            return None

        return await self.wait_until(find, within)

    def calls_to(self, method: str, path: str) -> list[Call]:
        return [c for c in self.calls if c.method == method and c.path == path]

    def new_id(self) -> int:
        return next(self._ids)

    # --- REST -----------------------------------------------------------------------------------

    async def _rest(self, request: web.Request) -> web.Response:
        path = "/" + request.match_info["tail"]
        body: Any = None
        if request.can_read_body:
            raw = await request.read()
            body = json.loads(raw) if raw else None
        call = Call(request.method, path, dict(request.query), body, dict(request.headers))
        self.calls.append(call)
        return self._answer(call)

    def _answer(self, call: Call) -> web.Response:
        parts = call.path.strip("/").split("/")
        m = call.method
        auth = call.headers.get("Authorization")
        if self.accepted_token and auth and auth != f"Bot {self.accepted_token}":
            return _json({"code": 0, "message": "401: Unauthorized"}, status=401)
        if m == "GET" and call.path == "/gateway/bot":
            return _json(
                {
                    "url": f"ws://127.0.0.1:{self.port}/gateway",
                    "shards": 1,
                    "session_start_limit": {
                        "total": 1000,
                        "remaining": 999,
                        "reset_after": 0,
                        "max_concurrency": 1,
                    },
                }
            )
        if m == "GET" and call.path == "/users/@me":
            return _json(BOT_USER)
        if m == "GET" and call.path in ("/applications/@me", "/oauth2/applications/@me"):
            return _json(application())
        if m == "POST" and parts[0] == "channels" and parts[2:] == ["messages"]:
            channel_id = int(parts[1])
            if channel_id in self.forbidden_channels:
                return _json({"code": 50013, "message": "Missing Permissions"}, status=403)
            return _json(self.sent_message(channel_id, call.body))
        if m == "POST" and parts[0] == "interactions" and parts[-1] == "callback":
            interaction_id = int(parts[1])
            if interaction_id in self.expired_interactions:
                return _json({"code": 10062, "message": "Unknown interaction"}, status=404)
            flags = ((call.body or {}).get("data") or {}).get("flags", 0)
            return _json(
                {
                    "interaction": {
                        "id": str(interaction_id),
                        "type": 2,
                        "response_message_loading": call.body.get("type") == 5,
                        "response_message_ephemeral": bool(flags & 64),
                    }
                }
            )
        if parts[0] == "webhooks" and len(parts) == 3 and m == "POST":
            return _json(self.sent_message(CHANNEL_ID, call.body, author=BOT_USER))
        if parts[0] == "webhooks" and parts[-1] == "@original":
            if m == "DELETE":
                return web.Response(status=204)
            return _json(self.sent_message(CHANNEL_ID, call.body or {}))
        if m == "PUT" and parts[0] == "applications" and parts[-1] == "commands":
            stored = {"application_id": str(APP_ID), "version": "1", "description": ""}
            return _json([{**stored, **cmd, "id": str(self.new_id())} for cmd in call.body])
        return _json({"code": 0, "message": "404: Not Found"}, status=404)

    def sent_message(
        self, channel_id: int, body: dict[str, Any], *, author: dict[str, Any] = BOT_USER
    ) -> dict[str, Any]:
        """What Discord answers to a message POST: the message as stored (kept in `sent`)."""
        sent = {
            **message_payload(self.new_id(), body.get("content") or "", author=author),
            "channel_id": str(channel_id),
            "embeds": body.get("embeds") or [],
            "components": body.get("components") or [],
            "flags": body.get("flags", 0),
        }
        self.sent.append(sent)
        return sent

    # --- gateway --------------------------------------------------------------------------------

    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self._sockets.append(ws)
        try:
            await ws.send_str(json.dumps({"op": 10, "d": {"heartbeat_interval": 41250}}))
            async for msg in ws:
                if msg.type != WSMsgType.TEXT:
                    break
                frame = json.loads(msg.data)
                if frame["op"] == 1:  # heartbeat
                    await ws.send_str(json.dumps({"op": 11}))
                elif frame["op"] == 2:  # identify
                    if self.deny_message_content and frame["d"]["intents"] & (1 << 15):
                        await ws.close(code=4014, message=b"Disallowed intent(s).")
                        break
                    await ws.send_str(json.dumps(self._ready(frame["d"])))
                    self.identify = frame["d"]
        finally:
            self._sockets.remove(ws)
        return ws

    def _ready(self, identify: dict[str, Any]) -> dict[str, Any]:
        return {
            "op": 0,
            "t": "READY",
            "s": next(self._seq),
            "d": {
                "v": 10,
                "user": BOT_USER,
                "guilds": [],  # the guild arrives as a GUILD_CREATE, so READY fires at once
                "session_id": "fake-session",
                "resume_gateway_url": f"ws://127.0.0.1:{self.port}/gateway",
                "shard": identify.get("shard", [0, 1]),
                "application": {"id": str(APP_ID), "flags": 0},
            },
        }


# --- payload builders ------------------------------------------------------------------------


def _json(data: Any, status: int = 200) -> web.Response:
    # exactly "application/json": discord.py compares the header, charset would make it text
    return web.Response(
        body=json.dumps(data).encode(), status=status, headers={"Content-Type": "application/json"}
    )


def application() -> dict[str, Any]:
    return {
        "id": str(APP_ID),
        "name": "newsbot",
        "description": "",
        "icon": None,
        "bot_public": True,
        "bot_require_code_grant": False,
        "owner": HUMAN,
        "verify_key": "00",
        "flags": 0,
    }


def guild_create(channel_type: int = 0) -> dict[str, Any]:
    return {
        "id": str(GUILD_ID),
        "name": "Newsroom",
        "icon": None,
        "owner_id": str(USER_ID),
        "unavailable": False,
        "large": False,
        "member_count": 2,
        "joined_at": TIMESTAMP,
        "features": [],
        "emojis": [],
        "stickers": [],
        "roles": [
            {
                "id": str(GUILD_ID),
                "name": "@everyone",
                "permissions": ALL_PERMISSIONS,
                "position": 0,
                "color": 0,
                "hoist": False,
                "managed": False,
                "mentionable": False,
            }
        ],
        "channels": [
            {
                "id": str(CHANNEL_ID),
                "type": channel_type,
                "name": "news",
                "position": 0,
                "permission_overwrites": [],
                "guild_id": str(GUILD_ID),
            }
        ],
        "members": [{"user": BOT_USER, **MEMBER}],
        "threads": [],
        "voice_states": [],
        "presences": [],
        "stage_instances": [],
        "guild_scheduled_events": [],
        "soundboard_sounds": [],
    }


def message_payload(
    message_id: int,
    content: str,
    *,
    author: dict[str, Any] = HUMAN,
    mentions: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    return {
        "id": str(message_id),
        "channel_id": str(CHANNEL_ID),
        "author": author,
        "content": content,
        "timestamp": TIMESTAMP,
        "edited_timestamp": None,
        "tts": False,
        "mention_everyone": False,
        "mentions": mentions or [],
        "mention_roles": [],
        "attachments": [],
        "embeds": [],
        "components": [],
        "pinned": False,
        "type": 0,
        "flags": 0,
    }


def message_create(
    message_id: int, content: str, *, author: dict[str, Any] = HUMAN, **kw: Any
) -> dict[str, Any]:
    """A MESSAGE_CREATE in the test guild's channel."""
    data = message_payload(message_id, content, author=author, **kw)
    data["guild_id"] = str(GUILD_ID)
    data["member"] = dict(MEMBER)
    return data


def _interaction(interaction_id: int, itype: int, data: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": str(interaction_id),
        "application_id": str(APP_ID),
        "type": itype,
        "data": data,
        "guild_id": str(GUILD_ID),
        "channel_id": str(CHANNEL_ID),
        "channel": {"id": str(CHANNEL_ID), "type": 0, "name": "news", "guild_id": str(GUILD_ID)},
        "member": {
            "user": HUMAN,
            **MEMBER,
            "permissions": ALL_PERMISSIONS,
        },
        "token": f"interaction-token-{interaction_id}",
        "version": 1,
        "app_permissions": ALL_PERMISSIONS,
        "locale": "en-US",
        "guild_locale": "en-US",
        "entitlements": [],
        "authorizing_integration_owners": {"0": str(GUILD_ID)},
        "context": 0,
        "attachment_size_limit": 8_388_608,
    }


def slash_command(interaction_id: int, **options: Any) -> dict[str, Any]:
    """An INTERACTION_CREATE for `/summarize` with the given options."""
    types = {str: 3, int: 4, bool: 5}
    opts = [{"name": k, "type": types[type(v)], "value": v} for k, v in options.items()]
    data = {"id": "960000000000000001", "name": "summarize", "type": 1, "options": opts}
    return _interaction(interaction_id, 2, data)


def ask_command(interaction_id: int, question: str) -> dict[str, Any]:
    """An INTERACTION_CREATE for `/ask question:<question>`."""
    opts = [{"name": "question", "type": 3, "value": question}]
    data = {"id": "960000000000000003", "name": "ask", "type": 1, "options": opts}
    return _interaction(interaction_id, 2, data)


def context_menu(interaction_id: int, target: dict[str, Any]) -> dict[str, Any]:
    """An INTERACTION_CREATE for the "Summarize" message context menu on `target`."""
    data = {
        "id": "960000000000000002",
        "name": "Summarize",
        "type": 3,
        "target_id": target["id"],
        "resolved": {"messages": {target["id"]: target}},
    }
    return _interaction(interaction_id, 2, data)


def button_click(interaction_id: int, custom_id: str, message: dict[str, Any]) -> dict[str, Any]:
    """An INTERACTION_CREATE for a click on a button of `message` (a bot message)."""
    payload = _interaction(interaction_id, 3, {"custom_id": custom_id, "component_type": 2})
    payload["message"] = message
    return payload
