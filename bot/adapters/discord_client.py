"""The discord.py client newsbot runs: its class, intents, and where its REST calls go."""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Iterator
from typing import Any, Protocol

with warnings.catch_warnings():  # discord.py imports `audioop` (deprecated) for voice, unused here
    warnings.simplefilter("ignore", DeprecationWarning)
    import discord
    from discord.gateway import DiscordWebSocket
    from discord.http import Route

from bot.config import DiscordConfig
from bot.errors import ConfigError

__all__ = ["DiscordWebSocket", "discord"]


@contextlib.contextmanager
def use_api(base_url: str) -> Iterator[None]:
    """Send discord.py's REST calls to `base_url` while inside; restore the defaults after.

    discord.py builds every REST and interaction-webhook URL from the class attribute
    `Route.BASE`, so this is process-wide: one Discord client per process.
    """
    saved = Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY
    Route.BASE = base_url.rstrip("/")
    try:
        yield
    finally:
        Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY = saved


def make_intents(config: DiscordConfig) -> discord.Intents:
    intents = discord.Intents.default()  # guilds, guild/DM messages; no members/presences
    intents.message_content = config.message_content_intent
    return intents


def client_class(config: DiscordConfig) -> tuple[type[discord.Client], dict[str, Any]]:
    """Client class and options: empty → one connection, "auto" → Discord's count, "N" → N."""
    value = config.shard_count.strip().lower()
    if not value:
        return NewsbotClient, {}
    if value == "auto":
        return NewsbotShardedClient, {}
    if value.isdigit() and int(value) >= 1:
        return NewsbotShardedClient, {"shard_count": int(value)}
    raise ConfigError(
        f'discord.shard_count must be "", "auto" or a positive whole number, got {value!r}'
    )


class EventSink(Protocol):
    """What the client hands its start-up hook and messages to (the adapter)."""

    async def setup_hook(self) -> None: ...

    def on_message(self, message: discord.Message) -> None: ...

    async def on_guild_remove(self, guild: discord.Guild) -> None: ...

    async def on_guild_channel_delete(self, channel: discord.abc.GuildChannel) -> None: ...


class _Hooks:
    """Routes discord.py's start-up hook and message event to the adapter."""

    def __init__(self, adapter: EventSink, **options: Any) -> None:
        self.adapter = adapter
        super().__init__(**options)

    async def setup_hook(self) -> None:
        await self.adapter.setup_hook()

    async def on_message(self, message: discord.Message) -> None:
        self.adapter.on_message(message)

    async def on_guild_remove(self, guild: discord.Guild) -> None:
        await self.adapter.on_guild_remove(guild)

    async def on_guild_channel_delete(self, channel: discord.abc.GuildChannel) -> None:
        await self.adapter.on_guild_channel_delete(channel)


class NewsbotClient(_Hooks, discord.Client):
    pass


class NewsbotShardedClient(_Hooks, discord.AutoShardedClient):
    pass
