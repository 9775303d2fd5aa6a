"""A followed feed that turns bad is a handled, logged failure: backoff, then a pause, no posts.

Private addresses come from a fake resolver, and the fetcher's connector refuses every socket
but loopback ones, so a broken address rule could not send a packet anywhere else.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import pytest

from bot.chat import Failure, Notice
from bot.config import FetchConfig, ServiceConfig
from bot.feeds.parse import ENTITIES_REFUSAL, NOT_A_FEED
from bot.feeds.reader import TOO_SLOW
from tests.bot.feeds.harness import CHANNEL_KEY, open_bot
from tests.bot.feeds.test_parse import billion_laughs
from tests.bot.test_fetch import FakeResolver, RecordingConnector
from tests.conftest import FakeClock
from tests.feed_server import Feed, FeedServer

PRIVATE = "http://metadata.test:{port}/latest/meta-data"


@pytest.fixture
async def server() -> AsyncIterator[FeedServer]:
    srv = await FeedServer().start()
    yield srv
    await srv.stop()


def _connector(server: FeedServer) -> RecordingConnector:
    config = FetchConfig(allowed_networks=("127.0.0.1/32",), allowed_ports=(server.port,))
    resolver = FakeResolver({"metadata.test": ["169.254.169.254"]})
    return RecordingConnector(config, resolver=resolver, passthrough=("127.0.0.1",))


def _redirect_to(location: str) -> Callable[[Feed, FeedServer], None]:
    def turn(feed: Feed, server: FeedServer) -> None:
        feed.redirect = location.format(port=server.port)

    return turn


def _raw(body: bytes, ctype: str = "application/rss+xml") -> Callable[[Feed, FeedServer], None]:
    def turn(feed: Feed, server: FeedServer) -> None:
        feed.raw, feed.ctype, feed.version = body, ctype, feed.version + 1

    return turn


def _status(status: int) -> Callable[[Feed, FeedServer], None]:
    def turn(feed: Feed, server: FeedServer) -> None:
        feed.status = status

    return turn


@pytest.mark.parametrize(
    ("turn", "reason"),
    [
        (_redirect_to(PRIVATE), "private or internal"),
        (_redirect_to("http://10.0.0.5:{port}/feed.xml"), "private or internal"),
        (_raw(billion_laughs()), ENTITIES_REFUSAL),
        (_raw(b"<rss>" + b" " * 6_000_000), "larger than 5 MB"),
        (_raw(b"<<<>>>"), NOT_A_FEED),
        (_raw(b"<html><body>moved</body></html>", "text/html"), "answered with a web page"),
        (_status(410), "410 Gone"),
    ],
    ids=["redirect-private-name", "redirect-private-ip", "xml-bomb", "too-big", "garbage",
         "web-page", "gone"],
)  # fmt: skip
async def test_a_feed_turning_bad_backs_off_then_pauses_and_posts_nothing(
    server: FeedServer,
    fake_clock: FakeClock,
    caplog: pytest.LogCaptureFixture,
    turn: Callable[[Feed, FeedServer], None],
    reason: str,
) -> None:
    feed = server.add_feed("news", "News", 1)
    url = server.feed_url("news")
    connector = _connector(server)
    async with open_bot(server, fake_clock, connector=connector, pause_after=86_400.0) as bot:
        await bot.follow(url)
        await bot.poller.poll(url)
        assert bot.posts() == [server.article("news-1")]
        feed.add(server.item("news", 2))
        turn(feed, server)
        waits = []
        for _ in range(6):
            fake_clock.advance(6 * 3600)
            waits.append(await bot.poller.poll(url))
        state = await bot.feeds.store.state(url)
        assert reason in state.last_error
        assert waits[0] < waits[1]  # backing off
        assert f"feed {url} failed (1 in a row)" in caplog.text
        (sub,) = await bot.feeds.store.subscriptions(CHANNEL_KEY)
        assert reason in sub.paused
        told = [d.outcome for d in bot.platform.transcript if isinstance(d.outcome, Failure)]
        assert len(told) == 1 and reason in told[0].text
        assert bot.posts() == [server.article("news-1")]  # nothing else, nothing twice
    assert {host for host, _ in connector.attempts} == {"127.0.0.1"}


async def test_add_of_a_feed_redirecting_to_a_private_address_is_refused_without_connecting(
    server: FeedServer, fake_clock: FakeClock
) -> None:
    server.add_feed("moved", "Moved", 1).redirect = PRIVATE.format(port=server.port)
    connector = _connector(server)
    async with open_bot(server, fake_clock, connector=connector) as bot:
        replies = await bot.follow(server.feed_url("moved"))
        outcome = replies[-1].outcome
        assert isinstance(outcome, Notice)
        assert outcome.text.startswith("I can't follow") and "private or internal" in outcome.text
        direct = await bot.follow(f"http://10.1.2.3:{server.port}/feed.xml")
        assert "private or internal" in direct[-1].outcome.text  # type: ignore[union-attr]
        assert await bot.feeds.store.subscriptions() == []
    assert connector.attempts == [("127.0.0.1", server.port)]  # the first hop only


def _huge_feed(items: int) -> bytes:
    entries = "".join(
        f"<item><guid>{i}</guid><title>Story {i}</title><link>https://e.example/{i}</link></item>"
        for i in range(items)
    )
    return f'<rss version="2.0"><channel><title>Huge</title>{entries}</channel></rss>'.encode()


async def test_a_feed_too_slow_to_parse_meets_the_page_deadline_in_a_running_bot(
    server: FeedServer, fake_clock: FakeClock
) -> None:
    """A running bot parses feeds in its page workers: a feed whose parsing runs past the page
    deadline is stopped there and counts as the feed's failure; the next feed still reads."""
    server.add_feed("news", "News", 1)
    huge = server.add_feed("huge", "Huge", 1)
    limits = ServiceConfig(page_timeout=0.3)
    async with open_bot(server, fake_clock, limits=limits, in_pages=True) as bot:
        await bot.follow(server.feed_url("huge"))
        await bot.follow(server.feed_url("news"))
        _raw(_huge_feed(12_000))(huge, server)
        fake_clock.advance(6 * 3600)
        await bot.poller.poll(server.feed_url("huge"))
        state = await bot.feeds.store.state(server.feed_url("huge"))
        assert state.last_error == TOO_SLOW
        server.feeds["news"].add(server.item("news", 2))
        await bot.poller.poll(server.feed_url("news"))
        assert server.article("news-2") in bot.posts()


async def test_a_feed_in_an_encoding_browsers_refuse_is_read_as_utf8_not_with_pythons_codec(
    server: FeedServer, fake_clock: FakeClock
) -> None:
    """`encoding="punycode"` (a codec with super-linear decoding) is a label browsers don't
    know: the feed is read as UTF-8 and followed, not a UnicodeError without a reply."""
    feed = server.add_feed("odd", "Odd", 1)
    async with open_bot(server, fake_clock) as bot:
        body = b'<?xml version="1.0" encoding="punycode"?>' + _huge_feed(3)
        _raw(body)(feed, server)
        replies = await bot.follow(server.feed_url("odd"))
        outcome = replies[-1].outcome
        assert isinstance(outcome, Notice) and "Huge" in outcome.text
        (sub,) = await bot.feeds.store.subscriptions(CHANNEL_KEY)
        assert not sub.paused
