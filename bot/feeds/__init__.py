"""Feeds: channels follow RSS/Atom sources; each new story is posted once, with its summary.

`Feeds` wires the parts: the subscription store, the poller and the `/feed` command feature.
The runtime builds it next to the chat workflow and starts it once adapters can post.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from bot.chat import ChatWorkflow
from bot.config import Config
from bot.errors import ConfigError
from bot.feeds.commands import FeedCommands
from bot.feeds.poller import FeedPoller, OutboxFor, split_channel_key
from bot.feeds.reader import Work
from bot.feeds.store import FeedStore, Subscription, open_feed_store
from bot.state import StateStore
from bot.urls import normalize_url

if TYPE_CHECKING:
    from bot.fetch import Fetcher

log = logging.getLogger(__name__)

__all__ = ["FeedCommands", "FeedPoller", "FeedStore", "Feeds", "Subscription"]


class Feeds:
    """The feed capability of one process: store, poller and `/feed` command."""

    def __init__(
        self,
        config: Config,
        state: StateStore,
        fetcher: Fetcher,
        chat: ChatWorkflow,
        *,
        store: FeedStore | None = None,
        clock: Callable[[], float] = time.time,
        work: Work = asyncio.to_thread,
        **poller_options: object,
    ) -> None:
        self.config = config.feeds
        self.store = store or open_feed_store(config.cache)
        self._configured = configured_subscriptions(config)
        self.poller = FeedPoller(
            self.config, self.store, state, fetcher, chat, clock=clock, work=work,
            **poller_options,
        )  # fmt: skip
        managed = frozenset((channel_key, url) for channel_key, url, _ in self._configured)
        self.commands = FeedCommands(
            self.config, self.store, self.poller, fetcher, clock=clock, managed=managed,
            work=work,
        )  # fmt: skip
        self.clock = clock
        chat.features.append(self.commands)
        chat.on_left(self.forget)

    async def start(self, outbox_for: OutboxFor, *, spread: float | None = None) -> None:
        """Apply the operator's feeds from config, then poll every live feed."""
        await self.apply_config()
        await self.poller.start(outbox_for, spread=spread)

    async def apply_config(self) -> None:
        """Make the store match [[feeds.subscriptions]]: the config is the operator's list.

        Listed feeds are added (or take the listed `quiet`); a feed added from config and no
        longer listed is dropped. A listed feed keeps its state: a paused one stays paused, and
        chat cannot remove it (`/feed remove` says it is managed in config).
        """
        listed = {(channel_key, url): quiet for channel_key, url, quiet in self._configured}
        for sub in await self.store.subscriptions():
            key = (sub.channel_key, sub.url)
            if key in listed:
                if sub.quiet != listed[key]:
                    await self.store.update(dataclasses.replace(sub, quiet=listed[key]))
            elif sub.added_by == "config":
                await self.store.remove(sub.channel_key, sub.url)
                log.info("dropped feed %s of %s: no longer in config", sub.url, sub.channel_key)
        for (channel_key, url), quiet in listed.items():
            sub = Subscription(
                channel_key, url, added_by="config", added_at=self.clock(), quiet=quiet
            )
            await self.store.add(sub)  # False (kept as is) if already there

    async def forget(self, platform: str, workspace: str, channel: str = "") -> None:
        """The bot was removed from a channel (or a whole workspace): drop its subscriptions."""
        where = f"{platform}:{workspace}:{channel}"
        for sub in await self.store.subscriptions():
            if sub.channel_key == where or (not channel and sub.channel_key.startswith(where)):
                await self.store.remove(sub.channel_key, sub.url)
                log.info("dropped feed %s of %s: the bot was removed", sub.url, sub.channel_key)

    async def close(self) -> None:
        await self.poller.close()
        await self.store.close()


def configured_subscriptions(config: Config) -> list[tuple[str, str, bool]]:
    """The [[feeds.subscriptions]] as (channel key, normalised URL, quiet); ConfigError if
    malformed."""
    out = []
    for i, entry in enumerate(config.feeds.subscriptions):
        key = f"feeds.subscriptions[{i}]"
        try:
            platform, _, _ = split_channel_key(entry.channel)
        except ValueError:
            raise ConfigError(
                f'{key}.channel must look like "slack:T0123:C0456", got {entry.channel!r}'
            ) from None
        if platform not in ("slack", "discord", "memory"):
            raise ConfigError(f"{key}.channel must start with slack: or discord:")
        try:
            out.append((entry.channel, normalize_url(entry.url), entry.quiet))
        except Exception as exc:  # noqa: BLE001 - any reason is a config error here
            raise ConfigError(f"{key}.url is not a usable http(s) URL: {exc}") from None
    return out
