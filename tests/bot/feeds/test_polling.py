"""Feeds on the in-memory platform: subscribe, poll, post each new story once, hold, pause."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator

import pytest

from bot.chat import Accepted, Failure, Notice, SummaryPost
from bot.feeds.store import FeedState
from tests.bot.feeds.harness import CHANNEL, CHANNEL_KEY, open_bot
from tests.conftest import FakeClock
from tests.feed_server import FeedServer


@pytest.fixture
async def server() -> AsyncIterator[FeedServer]:
    srv = await FeedServer().start()
    yield srv
    await srv.stop()


async def test_new_subscription_posts_only_the_latest_few_oldest_first(
    server: FeedServer, fake_clock: FakeClock
) -> None:
    server.add_feed("world", "World News", 10)
    async with open_bot(server, fake_clock) as bot:
        replies = await bot.follow(server.feed_url("world"))
        assert isinstance(replies[0].outcome, Accepted)
        assert isinstance(replies[1].outcome, Notice)
        assert "now follows World News" in replies[1].outcome.text
        await bot.poller.poll(server.feed_url("world"))
        assert bot.posts() == [server.article(f"world-{i}") for i in (8, 9, 10)]
        post = bot.platform.transcript[-1].outcome
        assert isinstance(post, SummaryPost)
        assert post.result.site is not None and post.result.site.startswith("World News")
        assert post.result.bullets  # a real summary of the article page


async def test_a_quiet_subscription_posts_nothing_and_hands_each_story_to_the_digest(
    server: FeedServer, fake_clock: FakeClock
) -> None:
    server.add_feed("world", "World News", 4)
    async with open_bot(server, fake_clock) as bot:
        heard: list[tuple[SummaryPost, str]] = []

        async def listener(event, post, permalink):  # the digest recorder's place
            heard.append((post, permalink))

        bot.chat.on_posted(listener)
        replies = await bot.platform.command(
            CHANNEL, f"add {server.feed_url('world')} quiet", command="feed"
        )
        assert "goes into this channel's `/digest`" in replies[-1].outcome.text
        await bot.poller.poll(server.feed_url("world"))
        assert bot.posts() == []  # nothing shown in the channel
        assert [(p.url, p.quiet, link) for p, link in heard] == [
            (server.article(f"world-{i}"), True, "") for i in (2, 3, 4)
        ]
        listed = await bot.platform.command(CHANNEL, "list", command="feed")
        assert "(quiet: digest only)" in listed[-1].outcome.text


async def test_unchanged_feed_is_a_304_and_costs_no_parsing(
    server: FeedServer, fake_clock: FakeClock
) -> None:
    server.add_feed("world", "World News", 4)
    url = server.feed_url("world")
    async with open_bot(server, fake_clock) as bot:
        await bot.follow(url)
        await bot.poller.poll(url)
        parsed = bot.poller.stats.parsed
        for _ in range(3):
            fake_clock.advance(900)
            await bot.poller.poll(url)
        assert server.not_modified["/feeds/world.xml"] == 3
        assert (bot.poller.stats.parsed, bot.poller.stats.not_modified) == (parsed, 3)
        assert len(bot.posts()) == 3


async def test_an_added_item_is_posted_once_and_nothing_else(
    server: FeedServer, fake_clock: FakeClock
) -> None:
    feed = server.add_feed("world", "World News", 5)
    url = server.feed_url("world")
    async with open_bot(server, fake_clock) as bot:
        await bot.follow(url)
        await bot.poller.poll(url)
        feed.add(server.item("world", 6))
        await bot.poller.poll(url)
        await bot.poller.poll(url)
        assert bot.posts() == [server.article(f"world-{i}") for i in (3, 4, 5, 6)]


async def test_items_by_guid_else_link_duplicates_and_missing_links(
    server: FeedServer, fake_clock: FakeClock
) -> None:
    feed = server.add_feed("odd", "Odd Feed", 1)
    url = server.feed_url("odd")
    async with open_bot(server, fake_clock, initial_items=5) as bot:
        await bot.follow(url)
        await bot.poller.poll(url)
        assert bot.posts() == [server.article("odd-1")]
        feed.add(server.item("odd", 2, guid=None))  # identified by its link
        feed.add(server.item("odd", 3, link=None))  # nothing to summarize
        feed.add(server.item("odd", 4, guid="odd-1", link=server.article("odd-4")))  # dup GUID
        feed.add(server.item("odd", 5, published=4_000_000_000.0))  # dated 2096
        await bot.poller.poll(url)
        await bot.poller.poll(url)
        assert bot.posts() == [server.article(f"odd-{i}") for i in (1, 2, 5)]


async def test_a_story_already_summarized_in_the_channel_is_not_posted_again(
    server: FeedServer, fake_clock: FakeClock
) -> None:
    feed = server.add_feed("world", "World News", 1)
    url = server.feed_url("world")
    async with open_bot(server, fake_clock) as bot:
        await bot.follow(url)
        await bot.poller.poll(url)
        shared = server.article("world-2")
        asked = await bot.platform.post(CHANNEL, f"@newsbot {shared}")
        assert [type(d.outcome) for d in asked] == [SummaryPost]
        feed.add(server.item("world", 2))
        await bot.poller.poll(url)
        assert bot.posts() == [server.article("world-1"), shared]  # the person's post only
        assert bot.poller.stats.posted == 1


async def test_items_over_the_hourly_cap_wait_for_the_next_hour(
    server: FeedServer, fake_clock: FakeClock
) -> None:
    feed = server.add_feed("busy", "Busy Feed", 0)
    url = server.feed_url("busy")
    async with open_bot(server, fake_clock, posts_per_hour=2) as bot:
        await bot.follow(url)
        await bot.poller.poll(url)
        for i in range(1, 6):
            feed.add(server.item("busy", i))
        await bot.poller.poll(url)
        assert bot.posts() == [server.article("busy-1"), server.article("busy-2")]
        fake_clock.advance(600)
        await bot.poller.poll(url)  # still within the hour: nothing more, nothing lost
        assert len(bot.posts()) == 2
        assert server.not_modified["/feeds/busy.xml"] == 0  # held items: full reads, no 304
        fake_clock.advance(3600)
        await bot.poller.poll(url)
        fake_clock.advance(3600)
        await bot.poller.poll(url)
        assert bot.posts() == [server.article(f"busy-{i}") for i in range(1, 6)]


async def test_a_post_the_platform_did_not_take_is_posted_at_the_next_poll_once(
    server: FeedServer, fake_clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    feed = server.add_feed("world", "World News", 1)
    url = server.feed_url("world")
    async with open_bot(server, fake_clock) as bot:
        await bot.follow(url)
        await bot.poller.poll(url)
        feed.add(server.item("world", 2))
        feed.add(server.item("world", 3))
        bot.platform.failing[CHANNEL] = 1  # a 5xx on the next post
        await bot.poller.poll(url)
        assert bot.posts() == [server.article("world-1")]  # world-3 waits behind world-2
        assert "not posted yet" in caplog.text
        fake_clock.advance(300)
        await bot.poller.poll(url)
        fake_clock.advance(900)
        await bot.poller.poll(url)
        assert bot.posts() == [server.article(f"world-{i}") for i in (1, 2, 3)]


async def test_a_feed_failing_for_a_day_is_paused_and_the_channel_told_once(
    server: FeedServer, fake_clock: FakeClock
) -> None:
    feed = server.add_feed("flaky", "Flaky Feed", 1)
    url = server.feed_url("flaky")
    async with open_bot(server, fake_clock, pause_after=86_400.0) as bot:
        await bot.follow(url)
        await bot.poller.poll(url)
        feed.status = 500
        waits = []
        for _ in range(40):
            fake_clock.advance(6 * 3600)
            waits.append(await bot.poller.poll(url))
        told = [d.outcome for d in bot.platform.transcript if isinstance(d.outcome, Failure)]
        assert len(told) == 1
        assert "paused the feed Flaky Feed" in told[0].text
        assert "500 Internal Server Error" in told[0].text
        (sub,) = await bot.feeds.store.subscriptions(CHANNEL_KEY)
        assert "500" in sub.paused
        assert waits[0] < waits[1] < waits[2]  # exponential backoff
        hits = server.hits["/feeds/flaky.xml"]
        fake_clock.advance(86_400)
        await bot.poller.poll(url)
        assert server.hits["/feeds/flaky.xml"] == hits  # paused: not fetched any more
        feed.status = 200
        resumed = await bot.follow(url)
        assert "Resumed Flaky Feed" in resumed[-1].outcome.text  # type: ignore[union-attr]


async def test_a_pause_note_the_platform_did_not_take_still_pauses_every_channel(
    server: FeedServer, fake_clock: FakeClock
) -> None:
    feed = server.add_feed("flaky", "Flaky Feed", 1)
    url = server.feed_url("flaky")
    async with open_bot(server, fake_clock, pause_after=86_400.0) as bot:
        await bot.follow(url)
        await bot.follow(url, channel="C2")
        await bot.poller.poll(url)
        feed.status = 500
        bot.platform.failing[CHANNEL] = 1_000  # C1 takes no post for now
        for _ in range(8):
            fake_clock.advance(6 * 3600)
            await bot.poller.poll(url)  # never raises
        for channel in (CHANNEL, "C2"):
            (sub,) = await bot.feeds.store.subscriptions(f"memory:W1:{channel}")
            assert "500" in sub.paused
        told = [d.channel for d in bot.platform.transcript if isinstance(d.outcome, Failure)]
        assert told == ["C2"]


async def test_retry_after_sets_the_next_poll(server: FeedServer, fake_clock: FakeClock) -> None:
    feed = server.add_feed("slow", "Slow Feed", 1)
    url = server.feed_url("slow")
    async with open_bot(server, fake_clock, poll_interval=60.0, poll_jitter=0.0) as bot:
        await bot.follow(url)
        await bot.poller.poll(url)
        feed.status, feed.retry_after = 503, "7200"
        assert await bot.poller.poll(url) == 7200.0
        hits = server.hits["/feeds/slow.xml"]
        fake_clock.advance(3600)
        assert await bot.poller.poll(url) == 3600.0  # not due: no request
        assert server.hits["/feeds/slow.xml"] == hits
        state = await bot.feeds.store.state(url)
        assert state.failures == 1 and "503" in state.last_error


async def test_a_channel_the_bot_left_pauses_its_feeds(
    server: FeedServer, fake_clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    feed = server.add_feed("world", "World News", 1)
    url = server.feed_url("world")
    async with open_bot(server, fake_clock) as bot:
        await bot.follow(url)
        await bot.poller.poll(url)
        bot.platform.gone.add(CHANNEL)
        feed.add(server.item("world", 2))
        await bot.poller.poll(url)
        (sub,) = await bot.feeds.store.subscriptions(CHANNEL_KEY)
        assert sub.paused.startswith("not_in_channel")
        assert "feeds in memory:W1:C1 paused" in caplog.text
        assert bot.posts() == [server.article("world-1")]


async def test_malformed_xml_still_yields_what_it_can(
    server: FeedServer, fake_clock: FakeClock
) -> None:
    feed = server.add_feed("broken", "Broken", 0)
    link = server.article("broken-1")
    feed.raw = (
        f"<rss version='2.0'><channel><title>Broken</title><item><title>A & B</title>"
        f"<link>{link}</link><guid>b1</guid></item></channel>"
    ).encode()  # bare & and no </rss>: feedparser sets bozo and reads on
    url = server.feed_url("broken")
    async with open_bot(server, fake_clock) as bot:
        await bot.follow(url)
        await bot.poller.poll(url)
        assert bot.posts() == [link]


async def test_feed_state_survives_in_the_store(server: FeedServer, fake_clock: FakeClock) -> None:
    server.add_feed("world", "World News", 2)
    url = server.feed_url("world")
    async with open_bot(server, fake_clock) as bot:
        await bot.follow(url)
        await bot.poller.poll(url)
        assert await bot.feeds.store.state(url) == FeedState(etag='"v1"')


async def test_an_item_whose_link_is_blocked_is_logged_and_skipped(
    server: FeedServer, fake_clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("INFO", logger="bot.feeds")
    feed = server.add_feed("mixed", "Mixed", 1)
    url = server.feed_url("mixed")
    async with open_bot(server, fake_clock) as bot:
        await bot.follow(url)
        await bot.poller.poll(url)
        feed.add(server.item("mixed", 2, link="http://10.0.0.7/internal"))
        feed.add(server.item("mixed", 3))
        await bot.poller.poll(url)
        await bot.poller.poll(url)
        assert bot.posts() == [server.article("mixed-1"), server.article("mixed-3")]
        assert "http://10.0.0.7/internal not summarized" in caplog.text


def test_a_malformed_configured_subscription_is_a_config_error(server: FeedServer) -> None:
    from bot.config import FeedSubscriptionConfig
    from bot.errors import ConfigError
    from bot.feeds import configured_subscriptions
    from tests.bot.feeds.harness import feed_config

    config = feed_config(server)
    bad = FeedSubscriptionConfig(channel="C0456", url="https://example.com/feed")
    with pytest.raises(ConfigError, match=r"feeds.subscriptions\[0\].channel must look like"):
        configured_subscriptions(
            dataclasses.replace(
                config, feeds=dataclasses.replace(config.feeds, subscriptions=(bad,))
            )
        )


async def test_busy_page_workers_delay_a_poll_without_counting_against_the_feed(
    server: FeedServer, fake_clock: FakeClock
) -> None:
    from bot.errors import BusyError
    from bot.feeds.poller import BUSY_RETRY

    feed = server.add_feed("news", "News", 1)
    async with open_bot(server, fake_clock) as bot:
        url = server.feed_url("news")
        await bot.follow(url)
        await bot.poller.poll(url)
        feed.add(server.item("news", 2))
        reading = bot.poller.work

        async def busy(fn, *args):  # type: ignore[no-untyped-def]
            raise BusyError("all page workers are busy")

        bot.poller.work = busy
        fake_clock.advance(3600)
        assert await bot.poller.poll(url) <= BUSY_RETRY
        assert (await bot.feeds.store.state(url)).failures == 0
        bot.poller.work = reading
        fake_clock.advance(BUSY_RETRY)
        await bot.poller.poll(url)
        assert bot.posts() == [server.article("news-1"), server.article("news-2")]
