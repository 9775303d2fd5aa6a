"""[[feeds.subscriptions]] is the operator's list: applied at every start, not removable in chat."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator

import pytest

from bot.config import FeedSubscriptionConfig
from bot.feeds.commands import MANAGED
from bot.feeds.store import FeedStore, MemoryHashes
from bot.state import MemoryStateStore
from tests.bot.feeds.harness import CHANNEL, CHANNEL_KEY, last_notice, open_bot
from tests.conftest import FakeClock
from tests.feed_server import FeedServer


@pytest.fixture
async def server() -> AsyncIterator[FeedServer]:
    srv = await FeedServer().start()
    yield srv
    await srv.stop()


def _listed(server: FeedServer, *names: str, quiet: bool = False) -> tuple:
    return tuple(
        FeedSubscriptionConfig(channel=CHANNEL_KEY, url=server.feed_url(n), quiet=quiet)
        for n in names
    )



async def test_a_configured_feed_is_not_removed_from_chat_and_survives_a_restart(
    server: FeedServer, fake_clock: FakeClock
) -> None:
    server.add_feed("ops", "Ops Feed", 2)
    server.add_feed("mine", "My Feed", 2)
    stores = {"store": FeedStore(MemoryHashes()), "state": MemoryStateStore(clock=fake_clock)}
    subs = _listed(server, "ops")
    async with open_bot(server, fake_clock, subscriptions=subs, **stores) as bot:
        await bot.feeds.apply_config()
        fake_clock.advance(1)
        await bot.follow(server.feed_url("mine"))
        listing = last_notice(await bot.platform.command(CHANNEL, "list", command="feed"))
        assert "(set in the bot's config)" in listing.splitlines()[1]  # 1. ops
        assert "(set in the bot's config)" not in listing.splitlines()[2]  # 2. mine
        refused = last_notice(await bot.platform.command(CHANNEL, "remove 1", command="feed"))
        assert refused == MANAGED.format(server.feed_url("ops"))
        by_url = await bot.platform.command(
            CHANNEL, f"remove {server.feed_url('ops')}", command="feed"
        )
        assert "ask the bot's operator" in last_notice(by_url)
        gone = last_notice(await bot.platform.command(CHANNEL, "remove 2", command="feed"))
        assert gone == "This channel no longer follows My Feed."
    async with open_bot(server, fake_clock, subscriptions=subs, **stores) as bot:
        await bot.feeds.apply_config()
        assert [s.url for s in await bot.feeds.store.subscriptions()] == [server.feed_url("ops")]


async def test_a_restart_applies_the_configs_changes_and_keeps_chat_subscriptions(
    server: FeedServer, fake_clock: FakeClock
) -> None:
    for name in ("a", "b", "mine"):
        server.add_feed(name, f"Feed {name}", 1)
    stores = {"store": FeedStore(MemoryHashes()), "state": MemoryStateStore(clock=fake_clock)}
    listed = _listed(server, "a", "b")
    async with open_bot(server, fake_clock, subscriptions=listed, **stores) as bot:
        await bot.feeds.apply_config()
        await bot.follow(server.feed_url("mine"))
        store = bot.feeds.store
        (b,) = [s for s in await store.subscriptions() if s.url == server.feed_url("b")]
        await store.update(dataclasses.replace(b, paused="404 Not Found"))
    # the operator drops feed a and makes b quiet
    quiet_b = _listed(server, "b", quiet=True)
    async with open_bot(server, fake_clock, subscriptions=quiet_b, **stores) as bot:
        await bot.feeds.apply_config()
        subs = {s.url: s for s in await bot.feeds.store.subscriptions()}
        assert set(subs) == {server.feed_url("b"), server.feed_url("mine")}
        assert subs[server.feed_url("b")].quiet is True
        assert subs[server.feed_url("b")].paused == "404 Not Found"  # a restart resumes nothing
        assert subs[server.feed_url("mine")].added_by == "memory:W1:U1"
    # a chat subscription the operator then lists is managed; unlisted again, it stays
    both = _listed(server, "b", quiet=True) + _listed(server, "mine")
    async with open_bot(server, fake_clock, subscriptions=both, **stores) as bot:
        await bot.feeds.apply_config()
        refused = await bot.platform.command(
            CHANNEL, f"remove {server.feed_url('mine')}", command="feed"
        )
        assert "ask the bot's operator" in last_notice(refused)
    async with open_bot(server, fake_clock, subscriptions=quiet_b, **stores) as bot:
        await bot.feeds.apply_config()
        urls = {s.url for s in await bot.feeds.store.subscriptions()}
        assert urls == {server.feed_url("b"), server.feed_url("mine")}
