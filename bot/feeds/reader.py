"""Fetch and parse a feed through the SSRF-safe fetcher; find the feed of a web page."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.feeds.discover import NO_FEED_LINK, discover_feed_urls
from bot.feeds.parse import NOT_A_FEED, FeedError, ParsedFeed, parse_feed

if TYPE_CHECKING:
    from bot.fetch import Fetcher


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
    fetcher: Fetcher, url: str, *, etag: str | None = None, last_modified: str | None = None
) -> FeedRead:
    """A conditional GET of `url`; a 304 is returned unparsed, a web page is not a feed."""
    resp = await fetcher.fetch_feed(url, etag=etag, last_modified=last_modified)
    if resp.not_modified:
        return FeedRead(
            url, None, resp.etag or etag, resp.last_modified or last_modified, resp.retry_after
        )
    if resp.is_html:
        raise FeedError(NOT_A_FEED + " (it answered with a web page)")
    feed = await asyncio.to_thread(parse_feed, resp.body, resp.url)
    return FeedRead(url, feed, resp.etag, resp.last_modified, resp.retry_after)


async def resolve_feed(fetcher: Fetcher, url: str) -> tuple[str, ParsedFeed]:
    """(feed URL, feed) for a feed URL or a page that links to its feed (autodiscovery)."""
    resp = await fetcher.fetch_feed(url)
    if not resp.is_html:
        return url, await asyncio.to_thread(parse_feed, resp.body, resp.url)
    candidates = await asyncio.to_thread(discover_feed_urls, resp.body, resp.url)
    if not candidates:
        raise FeedError(NO_FEED_LINK)
    feed_url = candidates[0]
    found = await fetcher.fetch_feed(feed_url)
    if found.is_html:
        raise FeedError(NOT_A_FEED)
    return feed_url, await asyncio.to_thread(parse_feed, found.body, found.url)
