"""HTTP mode: an aiohttp server for Slack's Events API, slash commands and interactivity.

One endpoint (`/slack/events`) takes all three request kinds; Bolt verifies the v0 signature
and timestamp (401 otherwise) before any listener runs. `/healthz` is for load balancers.
"""

from __future__ import annotations

import logging
from urllib.parse import parse_qsl

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp
from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.request.async_internals import build_async_context
from slack_bolt.request.async_request import AsyncBoltRequest

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
#: Slack caps message text at 40,000 chars; 1 MiB leaves room for escaping and form encoding.
MAX_BODY_BYTES = 1024 * 1024


class SlackHTTPServer:
    def __init__(self, app: AsyncApp, host: str, port: int) -> None:
        self.app = app
        self.host = host
        self.port = port
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
        bolt_request = await to_bolt_request(request)
        _parse_forms_mentioning_payload(bolt_request)
        bolt_response = await self.app.async_dispatch(bolt_request)
        return await to_aiohttp_response(bolt_response)

    async def _healthz(self, request: web.Request) -> web.Response:
        return web.json_response({"ok": True})


def _parse_forms_mentioning_payload(bolt_request: AsyncBoltRequest) -> None:
    """slack_bolt (1.30) reads any form body containing the word "payload" as an
    interactivity payload, so a /summarize paste that mentions it would vanish unanswered;
    re-parse such a form as the plain fields it is."""
    raw = bolt_request.raw_body
    if bolt_request.body or not raw or raw.startswith("{") or "payload" not in raw:
        return
    fields = dict(parse_qsl(raw, keep_blank_values=True))
    if fields and "payload" not in fields:
        bolt_request.body = fields
        bolt_request.context = build_async_context(AsyncBoltContext({}), fields)
