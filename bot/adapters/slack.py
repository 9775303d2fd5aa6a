"""Slack adapter: Slack events in as `ChatEvent`s, the workflow's outcomes out as Block Kit.

Listeners run with `process_before_response=True` and only translate and hand over; slow work
goes to background tasks this adapter tracks and awaits or cancels in `close()`, so the HTTP
response (or Socket Mode ack) is never held up by a summary.
"""

from __future__ import annotations

import logging
from collections.abc import Coroutine
from typing import Any

import aiohttp
from slack_bolt.async_app import AsyncApp
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient

from bot.adapters.background import BackgroundTasks
from bot.adapters.base import AdapterDeps
from bot.adapters.slack_channel import SlackChannelOutbox
from bot.adapters.slack_outbox import Reply, SlackIO, SlackOutbox, ack_payload
from bot.adapters.slack_render import (
    COMMAND_HELP,
    VOTE_DOWN,
    VOTE_UP,
    Options,
    parse_command,
    plain_text,
)
from bot.chat import Accepted, ChatEvent, Notice, RequestOptions, Trigger
from bot.config import SlackConfig, secret
from bot.errors import UsageError

log = logging.getLogger(__name__)

#: Message subtypes that are a person posting something new; edits, joins etc. are not.
_NEW_MESSAGE_SUBTYPES = {None, "thread_broadcast", "file_share", "bot_message"}


def slack_secrets(config: SlackConfig) -> tuple[str, str, str]:
    """(bot token, app token, signing secret) from the environment, as `config.mode` needs
    them ("" for the one it doesn't); a missing one is a ConfigError naming it."""
    bot_token = secret("SLACK_BOT_TOKEN", required_for="Slack")
    if config.mode == "socket":
        return bot_token, secret("SLACK_APP_TOKEN", required_for='Slack slack.mode = "socket"'), ""
    return bot_token, "", secret("SLACK_SIGNING_SECRET", required_for='Slack slack.mode = "http"')


class SlackAdapter:
    """One Slack app (single workspace) in Socket Mode or HTTP mode."""

    platform = "slack"

    def __init__(self, deps: AdapterDeps, *, shutdown_grace: float = 10.0) -> None:
        self.deps = deps
        self.chat = deps.chat
        self.config = deps.config.slack
        self.shutdown_grace = shutdown_grace
        bot_token, self._app_token, signing_secret = slack_secrets(self.config)
        self._signing_secret = signing_secret
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
        self.io = SlackIO(self.client, self._retry_handlers)
        self._tasks = BackgroundTasks("slack")
        self._session: aiohttp.ClientSession | None = None
        self._socket: Any = None
        self.http: Any = None  # SlackHTTPServer in HTTP mode, once started
        self._register()

    # --- lifecycle ---------------------------------------------------------------------------

    async def start(self) -> None:
        self._session = aiohttp.ClientSession()
        self.client.session = self._session  # Bolt's per-request clients copy this session
        self.io.session = self._session
        if self.config.mode == "http":
            from bot.adapters.slack_http import SlackHTTPServer

            self.http = SlackHTTPServer(
                self.app,
                self.config.http_host,
                self.config.http_port,
                signing_secret=self._signing_secret,
            )
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
            self.client.session = self.io.session = None

    async def drain(self, grace: float | None = None) -> None:
        """Wait for background work; whatever is still running after `grace` s is cancelled."""
        await self._tasks.wait(grace)

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        self._tasks.spawn(coro)


    # --- listeners: translate, hand over -----------------------------------------------------

    def _register(self) -> None:
        app = self.app
        app.event("message")(self._on_message)
        app.event("app_mention")(self._on_mention)
        app.event("reaction_added")(self._on_reaction)
        app.event("member_left_channel")(self._on_member_left)
        app.event("channel_left")(self._on_bot_left)
        app.event("group_left")(self._on_bot_left)
        app.event("app_uninstalled")(self._on_uninstalled)
        app.command("/summarize")(self._on_command)
        app.command("/digest")(self._on_feature_command)
        app.command("/feed")(self._on_feature_command)
        app.message_shortcut("summarize_message")(self._on_shortcut)
        app.action(VOTE_UP)(self._on_vote)
        app.action(VOTE_DOWN)(self._on_vote)

    async def _on_message(self, event: dict, body: dict, context: dict) -> None:
        subtype = event.get("subtype")
        if subtype not in _NEW_MESSAGE_SUBTYPES or "ts" not in event:
            return
        text = event.get("text") or ""
        bot_user = context.get("bot_user_id")
        if bot_user and f"<@{bot_user}>" in text:
            return  # the app_mention event for this message answers it
        trigger = Trigger.MENTION if event.get("channel_type") == "im" else Trigger.AUTO
        self._handle(self._message_event(body, event, text, trigger))

    async def _on_mention(self, event: dict, body: dict, context: dict) -> None:
        bot_user = context.get("bot_user_id") or ""
        text = (event.get("text") or "").replace(f"<@{bot_user}>", " ")
        self._handle(self._message_event(body, event, text, Trigger.MENTION))

    async def _on_member_left(self, event: dict, body: dict, context: dict) -> None:
        """The bot removed from a channel: what it keeps for that channel goes (its feeds)."""
        if event.get("user") and event.get("user") == context.get("bot_user_id"):
            team = event.get("team") or body.get("team_id", "")
            self._spawn(self.chat.left("slack", team, event.get("channel", "")))

    async def _on_bot_left(self, event: dict, body: dict) -> None:
        """`channel_left` / `group_left`: Slack tells the bot it was removed from a channel."""
        if event.get("channel"):
            self._spawn(self.chat.left("slack", body.get("team_id", ""), event["channel"]))

    async def _on_uninstalled(self, body: dict) -> None:
        """The app removed from the workspace: everything kept for it goes."""
        self._spawn(self.chat.left("slack", body.get("team_id", "")))

    async def _on_reaction(self, event: dict, body: dict) -> None:
        emoji = self.config.reaction_emoji.strip(":")
        item = event.get("item") or {}
        if not emoji or event.get("reaction") != emoji or item.get("type") != "message":
            return
        self._spawn(self._reaction_work(body, event["user"], item))

    async def _reaction_work(self, body: dict, user: str, item: dict) -> None:
        channel, ts = item["channel"], item["ts"]
        message = await self.io.find_message(channel, ts)
        if message is None:
            log.info("reaction on a message the bot cannot read (%s %s)", channel, ts)
            return
        text = message.get("text") or ""
        # A person asked by reacting, so a bot's message (an RSS feed, say) may be summarized.
        chat = ChatEvent(
            "slack", body.get("team_id", ""), channel, user, text, Trigger.REACTION,
            plain=plain_text(text), thread=message.get("thread_ts") or ts, message_id=ts,
            event_id=body.get("event_id", ""),
        )  # fmt: skip
        await self.chat.handle(chat, self._outbox(chat))

    async def _on_command(self, ack: Any, body: dict) -> None:
        try:
            options, rest = parse_command(body.get("text") or "")
        except UsageError as exc:
            # the message quotes the option as typed: escaped like every other ack
            await ack(**ack_payload(Notice(f"{exc.message}\n{COMMAND_HELP}")))
            return
        if not rest:
            await ack(**ack_payload(Notice(COMMAND_HELP)))
            return
        chat = ChatEvent(
            "slack", body.get("team_id", ""), body.get("channel_id", ""), body.get("user_id", ""),
            rest, Trigger.COMMAND, plain=plain_text(rest), options=_request_options(options),
        )  # fmt: skip
        conversation = await self.chat.receive(chat)  # fast: the answer must be the ack itself
        if not conversation.has_work:
            await ack(**ack_payload(conversation.reply_now))
            return
        await ack(**ack_payload(Accepted()))
        outbox = self._outbox(chat, response_url=body.get("response_url"))
        self._spawn(self.chat.carry_out(conversation, outbox))

    async def _on_feature_command(self, ack: Any, body: dict) -> None:
        """`/digest …`, `/feed …`: the workflow's feature for that command answers; its slow
        work runs after the ack."""
        text = plain_text(body.get("text") or "")
        chat = ChatEvent(
            "slack", body.get("team_id", ""), body.get("channel_id", ""), body.get("user_id", ""),
            text, Trigger.COMMAND, plain=text, command=(body.get("command") or "").lstrip("/"),
        )  # fmt: skip
        conversation = await self.chat.receive(chat)
        await ack(**ack_payload(conversation.reply_now))
        if conversation.has_work:
            outbox = self._outbox(chat, response_url=body.get("response_url"))
            self._spawn(self.chat.carry_out(conversation, outbox))

    def outbox_for(self, channel_key: str) -> SlackChannelOutbox:
        """Top-level posts in "slack:T…:C…" (feeds): no thread, no requester."""
        return SlackChannelOutbox(self.client, channel_key.split(":", 2)[2])

    async def _on_shortcut(self, ack: Any, body: dict) -> None:
        await ack()
        message = body.get("message") or {}
        text = message.get("text") or ""
        chat = ChatEvent(
            "slack", body["team"]["id"], body["channel"]["id"], body["user"]["id"], text,
            Trigger.SHORTCUT, plain=plain_text(text),
            thread=message.get("thread_ts") or message.get("ts") or "",
            message_id=message.get("ts") or "",
        )  # fmt: skip
        self._handle(chat, response_url=body.get("response_url"))

    async def _on_vote(self, ack: Any, body: dict, action: dict) -> None:
        await ack()
        container = body.get("container") or {}
        message_ts = container.get("message_ts") or (body.get("message") or {}).get("ts", "")
        chat = ChatEvent(
            "slack", (body.get("team") or {}).get("id", ""),
            (body.get("channel") or {}).get("id", ""), body["user"]["id"], "", Trigger.VOTE,
            message_id=message_ts, vote="up" if action.get("action_id") == VOTE_UP else "down",
            summary_id=action.get("value") or "",
        )  # fmt: skip
        self._handle(chat, response_url=body.get("response_url"))

    # --- translation helpers --------------------------------------------------------------------

    def _message_event(self, body: dict, event: dict, text: str, trigger: Trigger) -> ChatEvent:
        return ChatEvent(
            "slack", body.get("team_id", ""), event.get("channel", ""), event.get("user", ""),
            text, trigger, plain=plain_text(text),
            is_bot=bool(event.get("bot_id")) or event.get("subtype") == "bot_message",
            thread=event.get("thread_ts") or event["ts"], message_id=event["ts"],
            event_id=body.get("event_id", ""),
        )  # fmt: skip

    def _outbox(self, chat: ChatEvent, response_url: str | None = None) -> SlackOutbox:
        reply = Reply(chat.channel, chat.thread or None, chat.user, response_url)
        return SlackOutbox(self.io, reply)

    def _handle(self, chat: ChatEvent, response_url: str | None = None) -> None:
        self._spawn(self.chat.handle(chat, self._outbox(chat, response_url)))


def _request_options(options: Options) -> RequestOptions:
    return RequestOptions(options.bullets, options.language, options.private)
