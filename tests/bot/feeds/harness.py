"""A bot with feeds on the in-memory platform, a fake clock and the fake feed server."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import aiohttp

from bot.adapters.base import AdapterDeps
from bot.adapters.memory import Delivered, MemoryAdapter
from bot.chat import ChatWorkflow, Notice, SummaryPost
from bot.chat.policy import ChatPolicy
from bot.config import CacheConfig, Config, FeedsConfig, FetchConfig, ServiceConfig
from bot.feeds import Feeds
from bot.feeds.store import FeedStore, MemoryHashes
from bot.fetch import Fetcher
from bot.service_setup import open_service
from bot.state import MemoryStateStore, StateStore
from tests.conftest import FakeClock
from tests.fakes import FakeSummarizer
from tests.feed_server import FeedServer

CHANNEL = "C1"
CHANNEL_KEY = f"memory:W1:{CHANNEL}"


@dataclass
class Bot:
    platform: MemoryAdapter
    feeds: Feeds
    chat: ChatWorkflow
    state: StateStore
    clock: FakeClock

    @property
    def poller(self):  # type: ignore[no-untyped-def]
        return self.feeds.poller

    async def follow(self, url: str, channel: str = CHANNEL, **kw: object) -> list[Delivered]:
        return await self.platform.command(channel, f"add {url}", command="feed", **kw)

    def posts(self, channel: str = CHANNEL) -> list[str]:
        """Links of the feed summaries posted in `channel`, in order."""
        return [
            d.outcome.url or ""
            for d in self.platform.transcript
            if isinstance(d.outcome, SummaryPost) and d.channel == channel
        ]


def feed_config(
    server: FeedServer,
    cache: CacheConfig | None = None,
    limits: ServiceConfig | None = None,
    **feeds: object,
) -> Config:
    return Config(
        fetch=FetchConfig(allowed_networks=("127.0.0.1/32",), allowed_ports=(server.port,)),
        cache=cache or CacheConfig(backend="memory"),
        service=limits or ServiceConfig(),
        feeds=FeedsConfig(**feeds),  # type: ignore[arg-type]
    )


@asynccontextmanager
async def open_bot(
    server: FeedServer,
    clock: FakeClock,
    *,
    state: StateStore | None = None,
    store: FeedStore | None = None,
    platform: str = "memory",
    cache: CacheConfig | None = None,
    connector: aiohttp.BaseConnector | None = None,
    limits: ServiceConfig | None = None,
    in_pages: bool = False,
    **feeds: object,
) -> AsyncIterator[Bot]:
    """The bot; `connector` (e.g. a refusing one with a fake resolver) goes to its fetcher;
    `in_pages` parses feeds in the page workers, as a running bot does (else in a thread)."""
    config = feed_config(server, cache, limits, **feeds)
    state = state or MemoryStateStore(clock=clock)
    fetcher = Fetcher(config.fetch, connector=connector) if connector is not None else None
    async with open_service(config, FakeSummarizer(), fetcher=fetcher, state=state) as service:
        chat = ChatWorkflow(service, ChatPolicy(config.policy, state, post_ttl=86_400), state)
        bot_feeds = Feeds(
            config, state, service.fetcher, chat,
            store=store or FeedStore(MemoryHashes()), clock=clock, rng=lambda: 0.5,
            record_posts=True, **({"work": service.pages.run} if in_pages else {}),
        )  # fmt: skip
        adapter = MemoryAdapter(AdapterDeps(config, chat), platform=platform)
        bot_feeds.poller.attach(adapter.outbox_for)
        try:
            yield Bot(adapter, bot_feeds, chat, state, clock)
        finally:
            await bot_feeds.close()


def last_notice(delivered: list[Delivered]) -> str:
    """The text of the last reply, which must be a Notice."""
    outcome = delivered[-1].outcome
    assert isinstance(outcome, Notice), outcome
    return outcome.text
