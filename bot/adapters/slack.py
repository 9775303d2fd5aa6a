"""Slack adapter: Slack events in, core requests out, Block Kit replies back in the thread.

Listeners run with `process_before_response=True` and only do fast things (dedupe, policy,
`ack()`); slow work goes to background tasks this adapter tracks and awaits or cancels in
`close()`, so the HTTP response (or Socket Mode ack) is never held up by a summary.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from dataclasses import dataclass
from typing import Any

import aiohttp
from slack_bolt.async_app import AsyncApp
from slack_bolt.response import BoltResponse
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from bot.adapters.background import BackgroundTasks
from bot.adapters.slack_render import (
    COMMAND_HELP,
    VOTE_DOWN,
    VOTE_UP,
    Message,
    Options,
    parse_command,
    plain_text,
    render_already,
    render_error,
    render_notice,
    render_summary,
)
from bot.config import secret
from bot.errors import BlockedURLError, BotError, RateLimited, UsageError
from bot.observability import METRICS
from bot.policy import ChatEvent, Plan, Trigger
from bot.runtime import Deps
from bot.service import SummaryResult

log = logging.getLogger(__name__)

#: Slack retries a delivery for up to ~5 minutes; remember event ids well past that.
EVENT_CLAIM_TTL = 3600.0
#: Message subtypes that are a person posting something new; edits, joins etc. are not.
_NEW_MESSAGE_SUBTYPES = {None, "thread_broadcast", "file_share", "bot_message"}


#: Told to a user whose summary was still running when shutdown's grace period ran out.
CUT_OFF = "I'm restarting and couldn't finish this summary; please ask again in a minute."


@dataclass(frozen=True)
class Reply:
    """Where the answers to one request go."""

    channel: str
    thread_ts: str | None
    user: str
    response_url: str | None = None
    private: bool = False


class SlackAdapter:
    """One Slack app (single workspace) in Socket Mode or HTTP mode."""

    def __init__(self, deps: Deps, *, shutdown_grace: float = 10.0) -> None:
        self.deps = deps
        self.config = deps.config.slack
        self.shutdown_grace = shutdown_grace
        bot_token = secret("SLACK_BOT_TOKEN", required_for="Slack")
        if self.config.mode == "socket":
            self._app_token = secret("SLACK_APP_TOKEN", required_for='Slack slack.mode = "socket"')
            signing_secret = ""
        else:
            self._app_token = ""
            signing_secret = secret(
                "SLACK_SIGNING_SECRET", required_for='Slack slack.mode = "http"'
            )
        base_url = self.config.api_base_url.rstrip("/") + "/"
        self._retry_handlers = [
            AsyncConnectionErrorRetryHandler(max_retry_count=2),
            AsyncRateLimitErrorRetryHandler(max_retry_count=3),
        ]
        self.client = AsyncWebClient(
            token=bot_token, base_url=base_url, retry_handlers=list(self._retry_handlers)
        )
        self.app = AsyncApp(
            name="newsbot",
            # our own logger: otherwise Bolt sets a level on the shared "newsbot" logger
            logger=log,
            client=self.client,
            signing_secret=signing_secret,
            request_verification_enabled=self.config.mode == "http",
            process_before_response=True,
        )
        self._tasks = BackgroundTasks("slack")
        self._session: aiohttp.ClientSession | None = None
        self._socket: Any = None
        self.http: Any = None  # SlackHTTPServer in HTTP mode, once started
        self._register()

    # --- lifecycle ---------------------------------------------------------------------------

    async def start(self) -> None:
        self._session = aiohttp.ClientSession()
        self.client.session = self._session  # Bolt's per-request clients copy this session
        if self.config.mode == "http":
            from bot.adapters.slack_http import SlackHTTPServer

            self.http = SlackHTTPServer(self.app, self.config.http_host, self.config.http_port)
            await self.http.start()
        else:
            self._socket = self.build_socket_handler()
            await self._socket.connect_async()
        log.info("slack adapter started in %s mode", self.config.mode)

    def build_socket_handler(self) -> Any:
        """A Socket Mode handler on the app token (call inside a running loop)."""
        from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

        return AsyncSocketModeHandler(self.app, self._app_token)

    async def close(self) -> None:
        """Stop taking requests, let in-flight summaries finish (briefly), then clean up."""
        self._tasks.closing = True
        if self.http is not None:
            await self.http.stop()
        if self._socket is not None:
            await self._socket.close_async()
        await self._tasks.drain(self.shutdown_grace)
        if self._session is not None:
            await self._session.close()
            self.client.session = None

    async def drain(self, grace: float | None = None) -> None:
        """Wait for background work; whatever is still running after `grace` s is cancelled."""
        await self._tasks.wait(grace)

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        self._tasks.spawn(coro)

    # --- listeners ---------------------------------------------------------------------------

    def _register(self) -> None:
        app = self.app
        app.middleware(self._dedupe)
        app.event("message")(self._on_message)
        app.event("app_mention")(self._on_mention)
        app.event("reaction_added")(self._on_reaction)
        app.command("/summarize")(self._on_command)
        app.message_shortcut("summarize_message")(self._on_shortcut)
        app.action(VOTE_UP)(self._on_vote)
        app.action(VOTE_DOWN)(self._on_vote)

    async def _dedupe(self, body: dict, next: Any) -> BoltResponse | None:  # noqa: A002
        """Events API retries and replays carry the same event_id: only the first one runs."""
        event_id = body.get("event_id") if body.get("type") == "event_callback" else None
        if event_id:
            try:
                first = await self.deps.state.claim(f"slack:event:{event_id}", EVENT_CLAIM_TTL)
            except Exception as exc:  # noqa: BLE001 - a dead store must not drop events
                log.warning("event dedupe unavailable (%s); handling %s", exc, event_id)
                first = True
            if not first:
                log.info("duplicate delivery of event %s ignored", event_id)
                return BoltResponse(status=200, body="")
        return await next()

    async def _on_message(self, event: dict, body: dict, context: dict) -> None:
        subtype = event.get("subtype")
        if subtype not in _NEW_MESSAGE_SUBTYPES or "ts" not in event:
            return
        text = event.get("text") or ""
        bot_user = context.get("bot_user_id")
        if bot_user and f"<@{bot_user}>" in text:
            return  # the app_mention event for this message answers it
        trigger = Trigger.MENTION if event.get("channel_type") == "im" else Trigger.AUTO
        chat = self._event(body, event, text, trigger)
        reply = Reply(event["channel"], event.get("thread_ts") or event["ts"], chat.user)
        self._spawn(self._handle(chat, reply, Options()))

    async def _on_mention(self, event: dict, body: dict, context: dict) -> None:
        bot_user = context.get("bot_user_id") or ""
        text = (event.get("text") or "").replace(f"<@{bot_user}>", " ")
        chat = self._event(body, event, text, Trigger.MENTION)
        reply = Reply(event["channel"], event.get("thread_ts") or event["ts"], chat.user)
        self._spawn(self._handle(chat, reply, Options()))

    async def _on_reaction(self, event: dict, body: dict) -> None:
        emoji = self.config.reaction_emoji.strip(":")
        item = event.get("item") or {}
        if not emoji or event.get("reaction") != emoji or item.get("type") != "message":
            return
        self._spawn(self._reaction_work(body.get("team_id", ""), event["user"], item))

    async def _reaction_work(self, team: str, user: str, item: dict) -> None:
        channel, ts = item["channel"], item["ts"]
        message = await self._find_message(channel, ts)
        if message is None:
            log.info("reaction on a message the bot cannot read (%s %s)", channel, ts)
            return
        # A person asked by reacting, so a bot's message (an RSS feed, say) may be summarized.
        chat = ChatEvent("slack", team, channel, user, message.get("text") or "", Trigger.REACTION)
        await self._handle(chat, Reply(channel, message.get("thread_ts") or ts, user), Options())

    async def _on_command(self, ack: Any, body: dict) -> None:
        user, channel = body.get("user_id", ""), body.get("channel_id", "")
        try:
            options, rest = parse_command(body.get("text") or "")
        except UsageError as exc:
            await ack(response_type="ephemeral", text=f"{exc.message}\n{COMMAND_HELP}")
            return
        if not rest:
            await ack(response_type="ephemeral", text=COMMAND_HELP)
            return
        chat = ChatEvent("slack", body.get("team_id", ""), channel, user, rest, Trigger.COMMAND)
        try:
            plan = await self.deps.policy.plan(chat)
        except (RateLimited, UsageError) as exc:
            await ack(response_type="ephemeral", text=exc.message)
            return
        if not plan.has_work:
            await ack(**_ack_payload(_skip_message(plan)))
            return
        await ack(response_type="ephemeral", text="Summarizing… I'll post it here in a moment.")
        reply = Reply(channel, None, user, body.get("response_url"), options.private)
        self._spawn(self._deliver(chat, reply, plan, options))

    async def _on_shortcut(self, ack: Any, body: dict) -> None:
        await ack()
        message = body.get("message") or {}
        channel, user = body["channel"]["id"], body["user"]["id"]
        text = message.get("text") or ""
        chat = ChatEvent("slack", body["team"]["id"], channel, user, text, Trigger.SHORTCUT)
        thread = message.get("thread_ts") or message.get("ts")
        reply = Reply(channel, thread, user, body.get("response_url"))
        self._spawn(self._handle(chat, reply, Options()))

    async def _on_vote(self, ack: Any, body: dict, action: dict) -> None:
        await ack()
        vote = "up" if action.get("action_id") == VOTE_UP else "down"
        summary_id, user = action.get("value") or "", body["user"]["id"]
        try:
            ups, downs = await self.deps.state.record_vote(summary_id, user, vote)
        except Exception as exc:  # noqa: BLE001 - a lost vote is not worth an error message
            log.warning("could not record vote on %s: %s", summary_id, exc)
            return
        log.info("vote %s on summary %s (%d up, %d down)", vote, summary_id, ups, downs)
        if body.get("response_url"):
            thanks = render_notice("Thanks for the feedback!")
            self._spawn(self._respond(body["response_url"], thanks, ephemeral=True))

    # --- work --------------------------------------------------------------------------------

    def _event(self, body: dict, event: dict, text: str, trigger: Trigger) -> ChatEvent:
        from_bot = bool(event.get("bot_id")) or event.get("subtype") == "bot_message"
        return ChatEvent(
            "slack", body.get("team_id", ""), event.get("channel", ""), event.get("user", ""),
            text, trigger, from_bot=from_bot,
        )  # fmt: skip

    async def _handle(self, chat: ChatEvent, reply: Reply, options: Options) -> None:
        try:
            plan = await self.deps.policy.plan(chat)
        except (RateLimited, UsageError) as exc:
            if chat.trigger.explicit:
                await self._tell_user(reply, exc.message)
            else:
                log.info("auto summary skipped in %s: %s", chat.channel, exc.kind)
            return
        if plan.skip_reason and not plan.already_posted:
            log.debug("nothing to do in %s: %s", chat.channel, plan.skip_reason)
            if chat.trigger.explicit:  # someone asked; say why nothing happens, privately
                await self._tell_user(reply, f"Nothing to summarize: {plan.skip_reason}.")
            return
        await self._deliver(chat, reply, plan, options)

    async def _deliver(self, chat: ChatEvent, reply: Reply, plan: Plan, options: Options) -> None:
        for url, permalink in plan.already_posted:
            await self._post(reply, render_already(url, permalink))
        for url in plan.links:
            await self._summarize(chat, reply, options, url=url)
        if plan.text:
            await self._summarize(chat, reply, options, text=plain_text(plan.text))

    async def _summarize(
        self, chat: ChatEvent, reply: Reply, options: Options, *, url: str = "", text: str = ""
    ) -> None:
        service = self.deps.service
        try:
            if url:
                result = await service.summarize_url(
                    url, bullets=options.bullets, language=options.language
                )
            else:
                result = await self._summarize_text(text, options)
        except BotError as exc:
            METRICS.request("slack", chat.trigger.value, exc.kind)
            await self._report(chat, reply, exc)
            return
        except asyncio.CancelledError:
            METRICS.request("slack", chat.trigger.value, "cut_off")
            if self._tasks.closing:  # shutdown outlived the grace period: say so, don't go silent
                await asyncio.wait_for(self._post(reply, render_error(CUT_OFF)), 5)
            raise
        except Exception:
            METRICS.request("slack", chat.trigger.value, "error")
            log.exception("summary failed in %s", chat.channel)
            if chat.trigger.explicit:
                await self._post(reply, render_error("Something went wrong on my side; sorry."))
            return
        METRICS.request("slack", chat.trigger.value, "ok")
        with METRICS.time_stage("post"):
            ts = await self._post(reply, render_summary(result))
        if url and ts:
            permalink = await self._permalink(reply.channel, ts)
            if permalink:
                await self.deps.policy.remember_post(chat, url, permalink)

    async def _summarize_text(self, text: str, options: Options) -> SummaryResult:
        return await self.deps.service.summarize_text(
            text, bullets=options.bullets, language=options.language
        )

    async def _report(self, chat: ChatEvent, reply: Reply, exc: BotError) -> None:
        """Explicit requests always get the core's message; auto ones skip what nobody asked."""
        if isinstance(exc, RateLimited | UsageError) or chat.trigger is Trigger.COMMAND:
            if chat.trigger.explicit:  # a command's failure is for its requester only
                await self._tell_user(reply, exc.message)
            return
        if chat.trigger is Trigger.AUTO and isinstance(exc, BlockedURLError):
            log.info("auto summary of a blocked URL skipped in %s", chat.channel)
            return
        await self._post(reply, render_error(exc.message))

    # --- Slack I/O ---------------------------------------------------------------------------

    async def _post(self, reply: Reply, message: Message) -> str | None:
        """Post in the channel/thread (or privately); returns the new message's ts if known."""
        if reply.private and reply.response_url:
            await self._respond(reply.response_url, message, ephemeral=True)
            return None
        try:
            resp = await self.client.chat_postMessage(
                channel=reply.channel,
                thread_ts=reply.thread_ts,
                text=message.text,
                blocks=message.blocks,
                unfurl_links=False,
                unfurl_media=False,
            )
        except SlackApiError as exc:
            error = exc.response.get("error") if exc.response is not None else None
            if error in ("not_in_channel", "channel_not_found") and reply.response_url:
                await self._respond(reply.response_url, message, ephemeral=False)
            else:
                log.warning("chat.postMessage to %s failed: %s", reply.channel, error or exc)
            return None
        except aiohttp.ClientError as exc:
            log.warning("chat.postMessage to %s failed: %s", reply.channel, exc)
            return None
        return resp.get("ts")

    async def _tell_user(self, reply: Reply, text: str) -> None:
        """A message only the requester sees (rate limits, usage hints)."""
        message = render_notice(text)
        if reply.response_url:
            await self._respond(reply.response_url, message, ephemeral=True)
            return
        try:
            await self.client.chat_postEphemeral(
                channel=reply.channel, user=reply.user, thread_ts=reply.thread_ts,
                text=message.text, blocks=message.blocks,
            )  # fmt: skip
        except (SlackApiError, aiohttp.ClientError) as exc:
            log.warning("chat.postEphemeral in %s failed: %s", reply.channel, exc)

    async def _respond(self, response_url: str, message: Message, *, ephemeral: bool) -> None:
        hook = AsyncWebhookClient(
            response_url, session=self._session, retry_handlers=list(self._retry_handlers)
        )
        body = {**message.payload(), "response_type": "ephemeral" if ephemeral else "in_channel"}
        try:
            resp = await hook.send_dict(body)
            if resp.status_code != 200:
                log.warning("response_url answered %s", resp.status_code)
        except aiohttp.ClientError as exc:
            log.warning("response_url post failed: %s", exc)

    async def _permalink(self, channel: str, ts: str) -> str | None:
        try:
            resp = await self.client.chat_getPermalink(channel=channel, message_ts=ts)
        except (SlackApiError, aiohttp.ClientError) as exc:
            log.warning("chat.getPermalink failed: %s", exc)
            return None
        return resp.get("permalink")

    async def _find_message(self, channel: str, ts: str) -> dict | None:
        """The message a reaction was added to: top level first, then as a thread reply."""
        try:
            resp = await self.client.conversations_history(
                channel=channel, latest=ts, inclusive=True, limit=1
            )
            for msg in resp.get("messages") or []:
                if msg.get("ts") == ts:
                    return msg
            resp = await self.client.conversations_replies(
                channel=channel, ts=ts, latest=ts, inclusive=True, limit=1
            )
            for msg in resp.get("messages") or []:
                if msg.get("ts") == ts:
                    return msg
        except (SlackApiError, aiohttp.ClientError) as exc:
            log.warning("could not read the reacted-to message: %s", exc)
        return None


def _skip_message(plan: Plan) -> Message:
    if plan.already_posted:
        url, permalink = plan.already_posted[0]
        return render_already(url, permalink)
    return render_notice(f"Nothing to summarize: {plan.skip_reason}.")


def _ack_payload(message: Message) -> dict[str, Any]:
    return {"response_type": "ephemeral", "text": message.text, "blocks": message.blocks}
