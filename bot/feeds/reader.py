"""Fetch and parse a feed through the SSRF-safe fetcher; find the feed of a web page."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from bot.feeds.discover import NO_FEED_LINK, discover_feed_urls
from bot.feeds.parse import NOT_A_FEED, FeedError, ParsedFeed, parse_feed
from bot.workpool import PageTimeout

if TYPE_CHECKING:
    from bot.fetch import Fetcher

#: Runs `fn(*args)` off the event loop: a thread by default; a running bot passes its page
#: workers' `run`, so a hostile feed meets the page deadline and memory cap and never holds
#: the event loop's GIL.
Work = Callable[..., Awaitable[Any]]

TOO_SLOW = "That feed took too long to read, so I gave up on it."


@dataclass(frozen=True)
class FeedRead:
    """One poll's answer: the parsed feed, or `not_modified` (a 304, nothing parsed)."""

    url: str
    feed: ParsedFeed | None
    etag: str | None
    last_modified: str | None
    retry_after: float | None = None

    @property
    def not_modified(self) -> bool:
        return self.feed is None


async def read_feed(
    fetcher: Fetcher,
    url: str,
    *,
    etag: str | None = None,
    last_modified: str | None = None,
    work: Work = asyncio.to_thread,
) -> FeedRead:
    """A conditional GET of `url`; a 304 is returned unparsed, a web page is not a feed."""
    resp = await fetcher.fetch_feed(url, etag=etag, last_modified=last_modified)
    if resp.not_modified:
        return FeedRead(
            url, None, resp.etag or etag, resp.last_modified or last_modified, resp.retry_after
        )
    if resp.is_html:
        raise FeedError(NOT_A_FEED + " (it answered with a web page)")
    feed = await _parse(work, resp.body, resp.url)
    return FeedRead(url, feed, resp.etag, resp.last_modified, resp.retry_after)


async def resolve_feed(
    fetcher: Fetcher, url: str, *, work: Work = asyncio.to_thread
) -> tuple[str, ParsedFeed]:
    """(feed URL, feed) for a feed URL or a page that links to its feed (autodiscovery)."""
    resp = await fetcher.fetch_feed(url)
    if not resp.is_html:
        return url, await _parse(work, resp.body, resp.url)
    candidates = await work(discover_feed_urls, resp.body, resp.url)
    if not candidates:
        raise FeedError(NO_FEED_LINK)
    feed_url = candidates[0]
    found = await fetcher.fetch_feed(feed_url)
    if found.is_html:
        raise FeedError(NOT_A_FEED)
    return feed_url, await _parse(work, found.body, found.url)


async def _parse(work: Work, body: bytes, url: str) -> ParsedFeed:
    try:
        return await work(parse_feed, body, url)
    except PageTimeout as exc:
        raise FeedError(TOO_SLOW) from exc
