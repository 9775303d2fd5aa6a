"""A fake feed publisher on 127.0.0.1: RSS feeds whose items change over time, with ETags.

Each feed answers a conditional GET with 304 while it is unchanged; it can be switched to an
error status (with Retry-After), to raw bytes (malformed XML, an XML bomb), to a page or to a
redirect. Item
links point at article pages on the same server, so the bot can summarize them.
"""

from __future__ import annotations

import html
from collections import Counter
from dataclasses import dataclass, field
from email.utils import formatdate

from aiohttp import web

from tests.pages import article_html


@dataclass
class Item:
    guid: str | None
    title: str
    link: str | None
    published: float | None = None


@dataclass
class Feed:
    title: str
    items: list[Item] = field(default_factory=list)  # newest first
    version: int = 1
    status: int = 200
    retry_after: str | None = None
    raw: bytes | None = None
    ctype: str = "application/rss+xml"
    #: Answer 302 to this address instead of the feed.
    redirect: str | None = None

    def add(self, item: Item) -> None:
        self.items.insert(0, item)
        self.version += 1


class FeedServer:
    """Feeds at /feeds/<name>.xml, pages at any other path, articles at /a/<slug>."""

    def __init__(self) -> None:
        self.feeds: dict[str, Feed] = {}
        self.pages: dict[str, tuple[str, bytes]] = {}
        self.hits: Counter[str] = Counter()
        self.not_modified: Counter[str] = Counter()
        self.port = 0
        self._runner: web.AppRunner | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def feed_url(self, name: str) -> str:
        return f"{self.base}/feeds/{name}.xml"

    def article(self, slug: str) -> str:
        return f"{self.base}/a/{slug}"

    def add_feed(self, name: str, title: str, n: int = 0, *, start: int = 1) -> Feed:
        feed = Feed(title)
        for i in range(start, start + n):
            feed.items.insert(0, self.item(name, i))
        self.feeds[name] = feed
        return feed

    def item(self, name: str, i: int, **changes: object) -> Item:
        values = {
            "guid": f"{name}-{i}",
            "title": f"{name} story {i}",
            "link": self.article(f"{name}-{i}"),
            "published": 1_700_000_000.0 + i * 60,
        }
        values.update(changes)
        return Item(**values)  # type: ignore[arg-type]

    async def start(self) -> FeedServer:
        app = web.Application()
        app.router.add_route("GET", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        self.port = self._runner.addresses[0][1]
        return self

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        path = request.path
        self.hits[path] += 1
        if path.startswith("/feeds/") and path.endswith(".xml"):
            return self._feed(request, self.feeds.get(path[7:-4]))
        if path.startswith("/a/"):
            slug = path[3:]
            title = f"Story {slug}: the harbor plant"
            return web.Response(text=article_html(title=title), content_type="text/html")
        if path in self.pages:
            ctype, body = self.pages[path]
            return web.Response(body=body, headers={"Content-Type": ctype})
        return web.Response(status=404, text="not found")

    def _feed(self, request: web.Request, feed: Feed | None) -> web.Response:
        if feed is None:
            return web.Response(status=404, text="no such feed")
        if feed.redirect is not None:
            return web.Response(status=302, headers={"Location": feed.redirect})
        if feed.status != 200:
            headers = {"Retry-After": feed.retry_after} if feed.retry_after else {}
            return web.Response(status=feed.status, text="error", headers=headers)
        etag = f'"v{feed.version}"'
        if request.headers.get("If-None-Match") == etag:
            self.not_modified[request.path] += 1
            return web.Response(status=304, headers={"ETag": etag})
        body = feed.raw if feed.raw is not None else rss(feed)
        return web.Response(body=body, headers={"Content-Type": feed.ctype, "ETag": etag})


def rss(feed: Feed) -> bytes:
    parts = [f"<rss version='2.0'><channel><title>{html.escape(feed.title)}</title>"]
    for item in feed.items:
        parts.append("<item>")
        parts.append(f"<title>{html.escape(item.title)}</title>")
        if item.link:
            parts.append(f"<link>{html.escape(item.link)}</link>")
        if item.guid:
            parts.append(f"<guid isPermaLink='false'>{html.escape(item.guid)}</guid>")
        if item.published is not None:
            parts.append(f"<pubDate>{formatdate(item.published, usegmt=True)}</pubDate>")
        parts.append("</item>")
    parts.append("</channel></rss>")
    return "".join(parts).encode()
