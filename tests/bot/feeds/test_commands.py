"""`/feed add|list|remove` through the in-memory platform: clear replies for every bad input."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.chat import Accepted
from bot.feeds.commands import NOT_ALLOWED, USAGE
from tests.bot.feeds.harness import CHANNEL_KEY, last_notice, open_bot
from tests.bot.feeds.test_parse import billion_laughs
from tests.conftest import FakeClock
from tests.feed_server import FeedServer


@pytest.fixture
async def server() -> AsyncIterator[FeedServer]:
    srv = await FeedServer().start()
    yield srv
    await srv.stop()



async def test_a_page_url_is_followed_through_its_feed_link(
    server: FeedServer, fake_clock: FakeClock
) -> None:
    server.add_feed("site", "Site News", 2)
    server.pages["/news/today"] = (
        "text/html",
        b'<html><head><link rel="alternate" type="application/rss+xml" '
        b'href="../feeds/site.xml"></head><body>hi</body></html>',
    )
    async with open_bot(server, fake_clock) as bot:
        replies = await bot.follow(f"{server.base}/news/today")
        assert isinstance(replies[0].outcome, Accepted)
        assert "now follows Site News" in last_notice(replies)
        (sub,) = await bot.feeds.store.subscriptions(CHANNEL_KEY)
        assert sub.url == server.feed_url("site")
        assert sub.added_by == "memory:W1:U1"


@pytest.mark.parametrize(
    ("setup", "path", "reply"),
    [
        (lambda s: s.pages.update({"/plain": ("text/html", b"<html><head></head></html>")}),
         "/plain", "doesn't link to a feed"),
        (lambda s: s.add_feed("bomb", "B").__setattr__("raw", billion_laughs()),
         "/feeds/bomb.xml", "declares XML entities"),
        (lambda s: s.pages.update({"/big.xml": ("application/rss+xml", b" " * 6_000_000)}),
         "/big.xml", "larger than 5 MB"),
        (lambda s: None, "/feeds/missing.xml", "404 Not Found"),
        (lambda s: s.pages.update({"/img": ("image/png", b"\x89PNG")}), "/img", "not a feed"),
    ],
)  # fmt: skip
async def test_add_answers_clearly_when_there_is_no_feed(
    server: FeedServer, fake_clock: FakeClock, setup, path: str, reply: str
) -> None:
    setup(server)
    async with open_bot(server, fake_clock) as bot:
        text = last_notice(await bot.follow(f"{server.base}{path}"))
        assert text.startswith("I can't follow") and reply in text
        assert await bot.feeds.store.subscriptions() == []


async def test_add_refuses_a_private_address_without_connecting(
    server: FeedServer, fake_clock: FakeClock
) -> None:
    async with open_bot(server, fake_clock) as bot:
        text = last_notice(await bot.follow(f"http://10.1.2.3:{server.port}/feed.xml"))
        assert "private or internal" in text


async def test_list_and_remove_by_number_and_by_url(
    server: FeedServer, fake_clock: FakeClock
) -> None:
    server.add_feed("a", "Feed A", 1)
    server.add_feed("b", "Feed B", 1)
    async with open_bot(server, fake_clock) as bot:
        assert "follows no feeds" in last_notice(
            await bot.platform.command("C1", "list", command="feed")
        )
        await bot.follow(server.feed_url("a"))
        fake_clock.advance(1)
        await bot.follow(server.feed_url("b"))
        again = last_notice(await bot.follow(server.feed_url("a")))
        assert again == "This channel already follows Feed A."
        listing = last_notice(await bot.platform.command("C1", "list", command="feed"))
        assert "1. Feed A" in listing and "2. Feed B" in listing
        gone = last_notice(await bot.platform.command("C1", "remove 2", command="feed"))
        assert gone == "This channel no longer follows Feed B."
        gone = await bot.platform.command("C1", f"remove {server.feed_url('a')}", command="feed")
        assert last_notice(gone) == "This channel no longer follows Feed A."
        assert await bot.feeds.store.subscriptions() == []
        assert "doesn't follow" in last_notice(
            await bot.platform.command("C1", "remove 7", command="feed")
        )


async def test_usage_and_bad_urls(server: FeedServer, fake_clock: FakeClock) -> None:
    async with open_bot(server, fake_clock) as bot:
        assert last_notice(await bot.platform.command("C1", "", command="feed")) == USAGE
        assert last_notice(await bot.platform.command("C1", "add", command="feed")) == USAGE
        text = last_notice(await bot.platform.command("C1", "add ftp://x/f", command="feed"))
        assert "http" in text


async def test_slack_subscribers_list_limits_who_may_change_feeds(
    server: FeedServer, fake_clock: FakeClock
) -> None:
    server.add_feed("a", "Feed A", 1)
    async with open_bot(server, fake_clock, platform="slack", slack_subscribers=("UBOSS",)) as bot:
        refused = await bot.follow(server.feed_url("a"), user="U1")
        assert last_notice(refused) == NOT_ALLOWED
        allowed = await bot.follow(server.feed_url("a"), user="UBOSS")
        assert "now follows Feed A" in last_notice(allowed)
        listing = await bot.platform.command("C1", "list", command="feed", user="U1")
        assert "1. Feed A" in last_notice(listing)  # anyone may look
