"""`Fetcher.fetch_feed`: feed types, conditional GETs, Retry-After; the article path unchanged.

Servers run on 127.0.0.1 port 0; private addresses come from a fake resolver and a connector
that refuses them before a socket exists (nothing leaves loopback).
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiohttp import web

from bot.config import FetchConfig
from bot.errors import BlockedURLError, FetchError
from bot.feedfetch import FeedHTTPError, parse_retry_after
from bot.fetch import Fetcher
from tests.bot.test_fetch import FakeResolver, RecordingConnector

RSS = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>
<item><title>One</title><link>https://news.example/1</link><guid>1</guid></item>
</channel></rss>"""
ETAG = '"v1"'
LAST_MODIFIED = "Mon, 07 Dec 2026 10:00:00 GMT"


class FeedServer:
    def __init__(self) -> None:
        self.requests: list[web.Request] = []
        self.port = 0

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"


def _routes(server: FeedServer) -> list[web.RouteDef]:
    async def feed(request: web.Request) -> web.Response:
        if request.headers.get("If-None-Match") == ETAG:
            return web.Response(status=304, headers={"ETag": ETAG})
        return web.Response(
            body=RSS,
            headers={
                "Content-Type": "application/rss+xml",
                "ETag": ETAG,
                "Last-Modified": LAST_MODIFIED,
            },
        )

    async def since(request: web.Request) -> web.Response:
        if request.headers.get("If-Modified-Since") == LAST_MODIFIED:
            return web.Response(status=304)
        return web.Response(
            body=RSS, headers={"Content-Type": "text/xml", "Last-Modified": LAST_MODIFIED}
        )

    async def busy(request: web.Request) -> web.Response:
        return web.Response(status=503, headers={"Retry-After": "120"})

    async def limited(request: web.Request) -> web.Response:
        return web.Response(status=429, headers={"Retry-After": "Wed, 21 Oct 2099 07:28:00 GMT"})

    async def huge(request: web.Request) -> web.StreamResponse:
        resp = web.StreamResponse(headers={"Content-Type": "application/rss+xml"})
        resp.enable_chunked_encoding()
        await resp.prepare(request)
        chunk = b"<item><title>x</title></item>" * 2048
        for _ in range(50_000_000 // len(chunk) + 1):  # 50 MB, never announced
            await resp.write(chunk)
        return resp

    async def redirect(request: web.Request) -> web.Response:
        return web.Response(status=302, headers={"Location": request.query["url"]})

    async def image(request: web.Request) -> web.Response:
        return web.Response(body=b"\x89PNG", headers={"Content-Type": "image/png"})

    return [
        web.get("/feed.xml", feed),
        web.get("/since.xml", since),
        web.get("/busy", busy),
        web.get("/limited", limited),
        web.get("/huge.xml", huge),
        web.get("/redirect", redirect),
        web.get("/image", image),
    ]


@pytest.fixture
async def server() -> AsyncIterator[FeedServer]:
    srv = FeedServer()

    @web.middleware
    async def record(request: web.Request, handler):  # type: ignore[no-untyped-def]
        srv.requests.append(request)
        return await handler(request)

    app = web.Application(middlewares=[record])
    app.add_routes(_routes(srv))
    runner = web.AppRunner(app, shutdown_timeout=0.5)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    srv.port = runner.addresses[0][1]
    yield srv
    await runner.cleanup()


def _config(port: int) -> FetchConfig:
    return FetchConfig(allowed_networks=("127.0.0.1/32",), allowed_ports=(port,))


@pytest.fixture
async def fetcher(server: FeedServer) -> AsyncIterator[Fetcher]:
    async with Fetcher(_config(server.port)) as f:
        yield f


async def test_a_feed_comes_back_as_bytes_with_its_validators(
    fetcher: Fetcher, server: FeedServer
) -> None:
    resp = await fetcher.fetch_feed(server.url("/feed.xml"))
    assert (resp.status, resp.body, resp.content_type) == (200, RSS, "application/rss+xml")
    assert (resp.etag, resp.last_modified) == (ETAG, LAST_MODIFIED)
    assert "application/rss+xml" in server.requests[0].headers["Accept"]
    assert "If-None-Match" not in server.requests[0].headers


async def test_etag_sent_back_gets_304_with_no_body(fetcher: Fetcher, server: FeedServer) -> None:
    resp = await fetcher.fetch_feed(server.url("/feed.xml"), etag=ETAG)
    assert server.requests[0].headers["If-None-Match"] == ETAG
    assert (resp.status, resp.not_modified, resp.body, resp.etag) == (304, True, b"", ETAG)


async def test_last_modified_sent_back_as_if_modified_since(
    fetcher: Fetcher, server: FeedServer
) -> None:
    first = await fetcher.fetch_feed(server.url("/since.xml"))
    again = await fetcher.fetch_feed(server.url("/since.xml"), last_modified=first.last_modified)
    assert server.requests[1].headers["If-Modified-Since"] == LAST_MODIFIED
    assert (first.status, again.status) == (200, 304)


async def test_retry_after_seconds_on_503(fetcher: Fetcher, server: FeedServer) -> None:
    with pytest.raises(FeedHTTPError) as caught:
        await fetcher.fetch_feed(server.url("/busy"))
    assert (caught.value.status, caught.value.retry_after) == (503, 120.0)
    assert "503 Service Unavailable" in caught.value.message


async def test_retry_after_date_is_capped_at_a_day(fetcher: Fetcher, server: FeedServer) -> None:
    with pytest.raises(FeedHTTPError) as caught:
        await fetcher.fetch_feed(server.url("/limited"))
    assert (caught.value.status, caught.value.retry_after) == (429, 86_400.0)


def test_retry_after_http_date_in_seconds_from_now() -> None:
    now = 1_000_000_000.0  # Sun, 09 Sep 2001 01:46:40 GMT
    assert parse_retry_after("Sun, 09 Sep 2001 01:48:40 GMT", now=now) == 120.0
    assert parse_retry_after("soon", now=now) is None
    assert parse_retry_after("", now=now) is None


async def test_article_fetch_of_a_feed_is_still_refused(
    fetcher: Fetcher, server: FeedServer
) -> None:
    with pytest.raises(FetchError, match=r"application/rss\+xml\), not an article"):
        await fetcher.fetch(server.url("/feed.xml"))


async def test_a_50_mb_feed_is_cut_off_at_the_size_cap(
    fetcher: Fetcher, server: FeedServer
) -> None:
    with pytest.raises(FetchError, match="larger than 5 MB"):
        await fetcher.fetch_feed(server.url("/huge.xml"))


async def test_an_image_is_not_a_feed(fetcher: Fetcher, server: FeedServer) -> None:
    with pytest.raises(FetchError, match=r"image \(image/png\), not a feed"):
        await fetcher.fetch_feed(server.url("/image"))


@pytest.mark.parametrize(
    "location", ["http://metadata.test:{port}/feed", "http://10.0.0.5:{port}/feed"]
)
async def test_redirect_to_a_private_address_is_refused(server: FeedServer, location: str) -> None:
    cfg = _config(server.port)
    resolver = FakeResolver({"metadata.test": ["169.254.169.254"]})
    connector = RecordingConnector(cfg, resolver=resolver, passthrough=("127.0.0.1",))
    async with Fetcher(cfg, connector=connector) as fetcher:
        target = location.format(port=server.port)
        with pytest.raises(BlockedURLError, match="private or internal"):
            await fetcher.fetch_feed(server.url(f"/redirect?url={target}"))
    assert connector.attempts == [("127.0.0.1", server.port)]


async def test_default_rules_refuse_a_loopback_feed(server: FeedServer) -> None:
    async with Fetcher(FetchConfig()) as fetcher:
        with pytest.raises(BlockedURLError):
            await fetcher.fetch_feed(server.url("/feed.xml"))
    assert server.requests == []
