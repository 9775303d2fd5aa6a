"""Once means once: across a restart (SQLite) and across two workers on one real Redis."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.config import CacheConfig
from bot.feeds.reader import read_feed
from bot.feeds.store import FeedStore, MemoryHashes, RedisHashes, SQLiteHashes
from bot.state import MemoryStateStore, RedisStateStore, SQLiteStateStore
from tests.bot.feeds.harness import open_bot
from tests.conftest import FakeClock
from tests.feed_server import FeedServer


@pytest.fixture
async def server() -> AsyncIterator[FeedServer]:
    srv = await FeedServer().start()
    yield srv
    await srv.stop()


async def test_restart_posts_the_new_item_once_and_nothing_else(
    server: FeedServer, fake_clock: FakeClock, tmp_path: Path
) -> None:
    feed = server.add_feed("world", "World News", 5)
    url = server.feed_url("world")

    def stores() -> dict:
        return {
            "state": SQLiteStateStore(tmp_path / "state.sqlite3", clock=fake_clock),
            "store": FeedStore(SQLiteHashes(tmp_path / "feeds.sqlite3")),
        }

    first_stores = stores()
    async with open_bot(server, fake_clock, **first_stores) as bot:
        await bot.follow(url)
        await bot.poller.poll(url)
        assert bot.posts() == [server.article(f"world-{i}") for i in (3, 4, 5)]
    await first_stores["state"].close()

    feed.add(server.item("world", 6))
    fake_clock.advance(900)
    second_stores = stores()
    async with open_bot(server, fake_clock, **second_stores) as bot:
        await bot.poller.poll(url)
        await bot.poller.poll(url)
        assert bot.posts() == [server.article("world-6")]
    await second_stores["state"].close()


async def test_two_workers_on_one_redis_post_each_item_once(
    server: FeedServer, fake_clock: FakeClock, redis_url: str
) -> None:
    feeds = [server.add_feed(f"f{n}", f"Feed {n}", 2) for n in range(3)]
    urls = [server.feed_url(f"f{n}") for n in range(3)]
    states = [RedisStateStore(redis_url), RedisStateStore(redis_url)]
    cache = CacheConfig(backend="redis", redis_url=redis_url)  # replicas share the cache too
    try:
        async with (
            open_bot(server, fake_clock, state=states[0], posts_per_hour=100, cache=cache,
                     store=FeedStore(RedisHashes(redis_url))) as one,
            open_bot(server, fake_clock, state=states[1], posts_per_hour=100, cache=cache,
                     store=FeedStore(RedisHashes(redis_url))) as two,
        ):  # fmt: skip
            for url in urls:
                await one.follow(url)
            for round_ in range(4):
                for n, feed in enumerate(feeds):
                    feed.add(server.item(f"f{n}", 10 + round_))
                # the claim alone, without the poll lease: both workers deliver one feed at once
                read = await read_feed(one.poller.fetcher, urls[0])
                assert read.feed is not None
                (sub,) = [s for s in await one.feeds.store.subscriptions() if s.url == urls[0]]
                await asyncio.gather(
                    one.poller._deliver(sub, read.feed), two.poller._deliver(sub, read.feed)
                )
                polls = [bot.poller.poll(url) for url in urls for bot in (one, two)]
                await asyncio.gather(*polls)
            posted = Counter(one.posts() + two.posts())
            numbers = (1, 2, 10, 11, 12, 13)
            expected = {server.article(f"f{n}-{i}") for n in range(3) for i in numbers}
            assert set(posted) == expected
            assert max(posted.values()) == 1
            assert one.poller.stats.polls + two.poller.stats.polls >= 12  # both kept polling
    finally:
        for state in states:
            await state.close()


async def test_two_replicas_poll_a_feed_once_per_interval_not_each(
    server: FeedServer, fake_clock: FakeClock
) -> None:
    feed = server.add_feed("world", "World News", 3)
    url = server.feed_url("world")
    shared = {"state": MemoryStateStore(clock=fake_clock), "store": FeedStore(MemoryHashes())}
    path = "/feeds/world.xml"
    async with (
        open_bot(server, fake_clock, **shared) as one,
        open_bot(server, fake_clock, **shared) as two,
    ):
        await one.follow(url)
        await one.poller.poll(url)
        hits = server.hits[path]
        await two.poller.poll(url)  # one just polled it: not due
        assert server.hits[path] == hits
        for _ in range(4):
            fake_clock.advance(900)
            await two.poller.poll(url)
            await one.poller.poll(url)
        assert server.hits[path] == hits + 4  # one request per interval, not two
        # two polled last; a new follower on one is read at once all the same
        await one.follow(url, channel="C2")
        await one.poller.poll(url)
        assert one.posts("C2") == [server.article(f"world-{i}") for i in (1, 2, 3)]
        feed.add(server.item("world", 4))
        fake_clock.advance(900)
        await one.poller.poll(url)
        await two.poller.poll(url)
        posts = one.posts() + one.posts("C2") + two.posts() + two.posts("C2")
        assert sorted(posts).count(server.article("world-4")) == 2  # once in each channel
