"""Discord adapter: links in `auto` channels, @mentions, `/summarize` and the "Summarize" menu.

Translates Discord events into `ChatEvent`s for the chat workflow and renders its outcomes
(`discord_outbox`). Interactions are deferred at once and answered with follow-ups; slow work
runs in tracked tasks that `close()` drains, then cancels.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections.abc import Coroutine
from typing import Any

import yarl

from bot.adapters.background import BackgroundTasks
from bot.adapters.base import AdapterDeps
from bot.adapters.discord_channel import DiscordChannelOutbox
from bot.adapters.discord_client import (
    DiscordWebSocket,
    NewsbotClient,
    NewsbotShardedClient,
    client_class,
    discord,
    make_intents,
    use_api,
)
from bot.adapters.discord_commands import build_tree, sync_commands
from bot.adapters.discord_outbox import InteractionOutbox, MessageOutbox, VoteOutbox
from bot.adapters.discord_render import ALLOWED_MENTIONS, Vote, VoteView, summary_id_of
from bot.chat import ChatEvent, RequestOptions, Trigger
from bot.config import secret
from bot.errors import ConfigError

__all__ = ["DiscordAdapter", "NewsbotClient", "NewsbotShardedClient", "client_class",
           "make_intents", "sync_commands"]  # fmt: skip

log = logging.getLogger(__name__)

#: How long `start()` waits for READY before carrying on (the client keeps connecting).
READY_TIMEOUT = 60.0
_MENTION_RE = re.compile(r"<@!?(\d+)>")


def discord_token() -> str:
    """The bot token from the environment; a missing one is a ConfigError naming it."""
    return secret("DISCORD_TOKEN", required_for="discord.enabled")


class DiscordAdapter:
    """One Discord connection (or one set of shards) per process."""

    platform = "discord"

    def __init__(self, deps: AdapterDeps, *, shutdown_grace: float = 10.0) -> None:
        self.deps = deps
        self.chat = deps.chat
        self.config = deps.config.discord
        #: Seconds in-flight summaries get to finish on shutdown before they are cut off.
        self.shutdown_grace = shutdown_grace
        self._token = discord_token()
        cls, options = client_class(self.config)
        self.client: discord.Client = cls(
            self,
            intents=make_intents(self.config),
            allowed_mentions=ALLOWED_MENTIONS,
            **options,
        )
        self.tree = build_tree(self.client, self)
        self._tasks = BackgroundTasks("discord")
        self._gateway: asyncio.Task[None] | None = None
        self._api = contextlib.ExitStack()

    # --- lifecycle ------------------------------------------------------------------------------

    async def start(self) -> None:
        """Log in (runs `setup_hook`), connect in the background, wait for READY."""
        self._api.enter_context(use_api(self.config.api_base_url))
        try:
            try:
                await self.client.login(self._token)
            except discord.LoginFailure as exc:
                raise ConfigError("Discord rejected DISCORD_TOKEN (401); check the token") from exc
            self._gateway = asyncio.create_task(self._connect(), name="discord-gateway")
            ready = asyncio.create_task(self.client.wait_until_ready())
            await asyncio.wait(
                {ready, self._gateway}, timeout=READY_TIMEOUT, return_when=asyncio.FIRST_COMPLETED
            )
            ready.cancel()
            await asyncio.gather(ready, return_exceptions=True)
            if self._gateway.done():
                self._gateway.result()  # raises why the gateway stopped
                raise ConfigError("the Discord gateway closed during start-up")
            if not self.client.is_ready():
                log.warning("no READY from Discord after %.0f s; still connecting", READY_TIMEOUT)
        except BaseException:
            await self.close()
            raise
        log.info("discord: connected as %s", self.client.user)

    async def setup_hook(self) -> None:
        """After login, before the gateway: persistent views, and the gateway URL to use."""
        self.client.add_view(VoteView(self.on_vote))
        # /gateway/bot of the configured API, so a fake or proxied API also picks the gateway
        _shards, url, _limits = await self.client.http.get_bot_gateway()
        DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(url)

    async def _connect(self) -> None:
        try:
            await self.client.connect(reconnect=True)
        except discord.PrivilegedIntentsRequired as exc:
            raise ConfigError(
                "discord.message_content_intent is true, but the Message Content intent is not "
                "enabled for this bot in the Discord Developer Portal (Bot → Privileged Intents)"
            ) from exc
        except Exception:
            if not self.client.is_closed():
                log.exception("discord: gateway stopped")
            raise

    async def wait_closed(self) -> None:
        """Returns when the gateway connection has ended for good (so `run` can exit)."""
        if self._gateway is not None:
            await asyncio.wait([self._gateway])

    async def close(self) -> None:
        """Let in-flight summaries finish briefly, cut off the rest (telling their users),
        then close the gateway and the HTTP session."""
        await self._tasks.drain(self.shutdown_grace)
        await self.client.close()
        if self._gateway is not None:
            try:
                await asyncio.wait_for(self._gateway, timeout=10)
            except (asyncio.CancelledError, Exception):  # noqa: BLE001 - already logged
                pass
        self._api.close()

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        self._tasks.spawn(coro)

    # --- events in: translate, hand over ---------------------------------------------------

    def on_message(self, message: discord.Message) -> None:
        me = self.client.user
        if me is None or message.author.id == me.id:
            return
        mentioned = any(user.id == me.id for user in message.mentions)
        if mentioned or message.guild is None:  # DMs carry content without the intent too
            trigger, text = Trigger.MENTION, _MENTION_RE.sub(" ", message.content)
        else:
            trigger, text = Trigger.AUTO, message.content
        replied_to = message.reference.message_id if message.reference else None
        event = self._event(
            message.guild, message.channel, message.author, text, trigger,
            is_bot=message.author.bot, message_id=str(message.id),
            event_id=f"message:{message.id}", thread=str(replied_to or ""),
        )  # fmt: skip
        self._spawn(self.chat.handle(event, MessageOutbox(message)))

    async def on_request(
        self,
        interaction: discord.Interaction,
        text: str,
        trigger: Trigger,
        options: RequestOptions,
        message_id: str = "",
        command: str = "",
    ) -> None:
        """Defer within Discord's 3 s, then let the workflow answer in a tracked task."""
        try:
            await interaction.response.defer(ephemeral=options.private, thinking=True)
        except discord.HTTPException as exc:  # e.g. 404 Unknown interaction: too late
            log.warning("discord: could not defer interaction %s: %s", interaction.id, exc)
            return
        event = self._event(
            interaction.guild, interaction.channel, interaction.user, text, trigger,
            options=options, message_id=message_id, event_id=f"interaction:{interaction.id}",
            command=command,
        )  # fmt: skip
        self._spawn(self.chat.handle(event, InteractionOutbox(interaction, options.private)))

    async def on_vote(self, interaction: discord.Interaction, vote: Vote) -> None:
        """A 👍/👎 click, also on summaries posted before a restart (the view is persistent)."""
        message = interaction.message
        summary_id = summary_id_of(message.embeds[0]) if message and message.embeds else None
        event = self._event(
            interaction.guild, interaction.channel, interaction.user, "", Trigger.VOTE,
            message_id=str(message.id) if message else "", vote=vote,
            summary_id=summary_id or "",
        )  # fmt: skip
        await self.chat.handle(event, VoteOutbox(interaction))

    async def on_guild_remove(self, guild: discord.Guild) -> None:
        """Kicked from (or the bot left) a server: what the bot keeps for it goes."""
        await self.chat.left("discord", str(guild.id))

    async def on_guild_channel_delete(self, channel: discord.abc.GuildChannel) -> None:
        """A channel deleted: what the bot keeps for it (its feeds) goes."""
        await self.chat.left("discord", str(channel.guild.id), str(channel.id))

    def outbox_for(self, channel_key: str) -> DiscordChannelOutbox:
        """New messages in "discord:<guild>:<channel>" (a feed's story, a scheduled digest)."""
        return DiscordChannelOutbox(self.client, int(channel_key.split(":", 2)[2]))

    def _event(
        self, guild: Any, channel: Any, user: Any, text: str, trigger: Trigger, **fields: Any
    ) -> ChatEvent:
        return ChatEvent(
            platform="discord",
            workspace=str(guild.id) if guild else "",
            channel=str(channel.id) if channel else "",
            user=str(user.id),
            text=text,
            trigger=trigger,
            **fields,
        )
