"""The fetcher against in-process servers on 127.0.0.1 and a fake DNS.

Nothing here sends a packet beyond loopback: "public" and private answers from the fake
resolver go through `RecordingConnector`, which records each connection attempt and refuses
it before a socket exists, unless the address is an explicitly allowed loopback one.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import gzip
import re
import socket
import ssl
import subprocess
import threading
import time
import tracemalloc
import zlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.abc import AbstractResolver, ResolveResult

from bot import fetch as fetch_module
from bot.bodytext import decode_body, pdf_text
from bot.config import FetchConfig
from bot.errors import BlockedURLError, ConfigError, ExtractError, FetchError, UsageError
from bot.fetch import BLOCKED_DOMAIN, Fetcher
from bot.netguard import PRIVATE_ADDRESS_REFUSAL, AddressPolicy, SafeConnector
from bot.urls import SCHEME_REFUSAL
from tests.pdf_files import pdf_file

ARTICLE = "<html><head><title>Moon base</title></head><body><p>Hello article</p></body></html>"
LOCAL = ("127.0.0.1/32",)
#: Under the old inline 256 KiB limit, yet ~6 s to decode as punycode (quadratic insertions).
PUNYCODE_STALL = b"x-" + b"a" * 262_000

# --- fakes ------------------------------------------------------------------------------------


class FakeResolver(AbstractResolver):
    """Answers from a table; a list of answer lists is served one per lookup (rebinding)."""

    def __init__(self, table: dict[str, list[str] | list[list[str]]]) -> None:
        self.table = table
        self.calls: list[str] = []

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        self.calls.append(host)
        answers = self.table.get(host)
        if answers is None:
            raise OSError(socket.EAI_NONAME, "Name or service not known")
        if answers and isinstance(answers[0], list):
            answers = answers.pop(0) if len(answers) > 1 else answers[0]  # type: ignore[assignment]
        return [
            {
                "hostname": host,
                "host": a,
                "port": port,
                "family": socket.AF_INET6 if ":" in a else socket.AF_INET,
                "proto": 0,
                "flags": socket.AI_NUMERICHOST,
            }
            for a in answers  # type: ignore[union-attr]
        ]

    async def close(self) -> None:
        pass


class RecordingConnector(SafeConnector):
    """Records every address a socket is requested for; refuses all but `passthrough` ones.

    aiohttp creates each socket through `socket_factory` (aiohappyeyeballs `_connect_sock`)
    right before `connect()`, so raising there means no packet is ever sent.
    """

    def __init__(
        self,
        config: FetchConfig,
        *,
        resolver: AbstractResolver | None = None,
        passthrough: tuple[str, ...] = (),
        **kwargs: object,
    ) -> None:
        self.attempts: list[tuple[str, int]] = []
        self._passthrough = passthrough
        super().__init__(
            AddressPolicy.from_cidrs(config.allowed_networks),
            resolver=resolver,
            socket_factory=self._socket,
            **kwargs,
        )

    def _socket(self, addr_info: tuple) -> socket.socket:
        family, type_, proto, _, address = addr_info
        self.attempts.append((address[0], address[1]))
        if address[0] in self._passthrough:
            return socket.socket(family, type_, proto)
        raise ConnectionRefusedError(errno.ECONNREFUSED, "refused by RecordingConnector")


# --- servers ----------------------------------------------------------------------------------


@dataclass
class Server:
    port: int
    requests: list[web.Request] = field(default_factory=list)

    def url(self, path: str = "/article", host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.port}{path}"

    @property
    def paths(self) -> list[str]:
        return [r.path for r in self.requests]


@cache
def gzip_bomb(size: int = 128 * 1024 * 1024) -> bytes:
    """About 130 KB of gzip that inflates to `size` bytes of HTML-ish zeros."""
    comp = zlib.compressobj(9, zlib.DEFLATED, 31)
    block = b"\0" * (1024 * 1024)
    out = [comp.compress(b"<html><body>")]
    out += [comp.compress(block) for _ in range(size // len(block))]
    out.append(comp.flush())
    return b"".join(out)


def make_pdf(pages: list[str]) -> bytes:
    """A minimal valid PDF with one line of Helvetica text per page."""
    n = len(pages)
    kids = " ".join(f"{3 + 2 * i} 0 R" for i in range(n))
    font = 3 + 2 * n
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        f"<< /Type /Pages /Kids [{kids}] /Count {n} >>".encode(),
    ]
    for i, text in enumerate(pages):
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents {4 + 2 * i} 0 R "
            f"/Resources << /Font << /F1 {font} 0 R >> >> >>".encode()
        )
        content = f"BT /F1 18 Tf 72 700 Td ({text}) Tj ET".encode()
        objects.append(b"<< /Length %d >>\nstream\n%s\nendstream" % (len(content), content))
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    return pdf_file(objects)


def _html(
    body: bytes | str, *, charset: str | None = None, ctype: str = "text/html"
) -> web.Response:
    header = f"{ctype}; charset={charset}" if charset else ctype
    data = body.encode() if isinstance(body, str) else body
    return web.Response(body=data, headers={"Content-Type": header})


def _redirect(location: str, status: int = 302) -> web.Response:
    return web.Response(status=status, headers={"Location": location})


async def _drip(request: web.Request) -> web.StreamResponse:
    interval = float(request.query.get("interval", "1"))
    resp = web.StreamResponse(headers={"Content-Type": "text/html"})
    await resp.prepare(request)
    for _ in range(100):
        await resp.write(b"<p>")
        await asyncio.sleep(interval)
    return resp


async def _chunked_big(request: web.Request) -> web.StreamResponse:
    resp = web.StreamResponse(headers={"Content-Type": "text/html"})
    resp.enable_chunked_encoding()
    await resp.prepare(request)
    for _ in range(160):  # 10 MB
        await resp.write(b"a" * 65536)
    return resp


def _routes(server: Server) -> list[web.RouteDef]:
    async def hops(request: web.Request) -> web.Response:
        n = int(request.match_info["n"])
        if n == 0:
            return _html(ARTICLE)
        raise web.HTTPFound(f"/hops/{n - 1}")

    async def redirect_to(request: web.Request) -> web.Response:
        return _redirect(request.query["url"])

    async def set_cookie(request: web.Request) -> web.Response:
        return web.Response(
            status=302, headers={"Location": "/article", "Set-Cookie": "session=secret; Path=/"}
        )

    async def status(request: web.Request) -> web.Response:
        return web.Response(status=int(request.match_info["code"]), text="nope")

    async def bomb(request: web.Request) -> web.Response:
        return web.Response(
            body=gzip_bomb(), headers={"Content-Type": "text/html", "Content-Encoding": "gzip"}
        )

    async def small_gzip(request: web.Request) -> web.Response:
        return web.Response(
            body=gzip.compress(ARTICLE.encode()),
            headers={"Content-Type": "text/html", "Content-Encoding": "gzip"},
        )

    def static(response: Callable[[], web.Response]) -> Callable:
        async def handler(request: web.Request) -> web.Response:
            return response()

        return handler

    windows = "<p>caf\xe9 \x93quoted\x94</p>".encode("latin-1")
    sjis = '<html><head><meta charset="shift_jis"></head><body>日本語のニュース</body></html>'
    koi8 = (
        '<html><head><meta http-equiv="Content-Type" content="text/html; charset=koi8-r">'
        "</head><body>Привет, мир</body></html>"
    )
    return [
        web.get("/article", static(lambda: _html(ARTICLE, charset="utf-8"))),
        web.get("/xhtml", static(lambda: _html(ARTICLE, ctype="application/xhtml+xml"))),
        web.get("/plain", static(lambda: _html("just text", ctype="text/plain"))),
        web.get("/hops/{n}", hops),
        web.get("/relative", static(lambda: _redirect("hops/0", 301))),
        web.get("/loop", static(lambda: _redirect("/loop"))),
        web.get("/redirect-to", redirect_to),
        web.get("/set-cookie", set_cookie),
        web.get("/status/{code}", status),
        web.get("/big", static(lambda: _html(b"a" * 10_000_000))),
        web.get("/big-chunked", _chunked_big),
        web.get("/bomb", bomb),
        web.get("/small-gzip", small_gzip),
        web.get("/drip", _drip),
        web.get("/png", static(lambda: _html(b"\x89PNG\r\n\x1a\n", ctype="image/png"))),
        web.get("/weird-type", static(lambda: _html(b"x", ctype="application/<!channel>"))),
        web.get("/cp1252", static(lambda: _html(windows, charset="windows-1252"))),
        web.get("/latin1", static(lambda: _html(windows, charset="ISO-8859-1"))),
        web.get("/large-cp1252", static(lambda: _html(windows * 60_000, charset="cp1252"))),
        web.get("/sjis-meta", static(lambda: _html(sjis.encode("shift_jis")))),
        web.get("/koi8-http-equiv", static(lambda: _html(koi8.encode("koi8-r")))),
        web.get("/garbage", static(lambda: _html(b"<p>abc \x80\x81\xfe def</p>"))),
        web.get("/bogus-charset", static(lambda: _html("<p>ok ✓</p>", charset="x-bogus"))),
        web.get("/zlib-charset", static(lambda: _html("<p>ok</p>", charset="zlib"))),
        web.get("/utf7-charset", static(lambda: _html("+ADw-script+AD4-", charset="utf-7"))),
        web.get("/punycode", static(lambda: _html(PUNYCODE_STALL, charset="punycode"))),
        web.get(
            "/pdf", static(lambda: _html(make_pdf(["Hello PDF world"]), ctype="application/pdf"))
        ),
        web.get("/bad-pdf", static(lambda: _html(b"%PDF-1.4 garbage", ctype="application/pdf"))),
    ]


@pytest.fixture
async def start_server() -> AsyncIterator[Callable[..., asyncio.Future]]:
    runners: list[web.AppRunner] = []

    async def start(host: str = "127.0.0.1", ssl_context: ssl.SSLContext | None = None) -> Server:
        server = Server(port=0)

        @web.middleware
        async def record(request: web.Request, handler: Callable) -> web.StreamResponse:
            server.requests.append(request)
            return await handler(request)

        app = web.Application(middlewares=[record])
        app.add_routes(_routes(server))
        runner = web.AppRunner(app, handler_cancellation=True, shutdown_timeout=0.5)
        await runner.setup()
        runners.append(runner)
        site = web.TCPSite(runner, host, 0, ssl_context=ssl_context)
        await site.start()
        server.port = runner.addresses[0][1]
        return server

    yield start
    for runner in runners:
        await runner.cleanup()


@pytest.fixture
async def server(start_server: Callable) -> Server:
    return await start_server()


@pytest.fixture
async def raw_server() -> AsyncIterator[Callable[[bytes], asyncio.Future]]:
    """A TCP server on 127.0.0.1 that answers every connection with canned bytes, then closes."""
    servers: list[asyncio.Server] = []

    async def start(payload: bytes) -> int:
        async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            await reader.readuntil(b"\r\n\r\n")
            writer.write(payload)
            await writer.drain()
            writer.close()
            await writer.wait_closed()

        srv = await asyncio.start_server(handle, "127.0.0.1", 0)
        servers.append(srv)
        return srv.sockets[0].getsockname()[1]

    yield start
    for srv in servers:
        srv.close()
        await srv.wait_closed()


def local_config(*ports: int, **changes: object) -> FetchConfig:
    return FetchConfig(allowed_networks=LOCAL, allowed_ports=ports, **changes)  # type: ignore[arg-type]


@pytest.fixture
async def local(server: Server) -> AsyncIterator[Fetcher]:
    async with Fetcher(local_config(server.port)) as fetcher:
        yield fetcher


# --- successful fetches -----------------------------------------------------------------------


async def test_fetches_an_article(local: Fetcher, server: Server) -> None:
    page = await local.fetch(server.url("/article#top"))
    assert page.text == ARTICLE
    assert (page.kind, page.status, page.content_type, page.charset) == (
        "html",
        200,
        "text/html",
        "utf-8",
    )
    assert page.url == server.url("/article")
    assert page.requested_url == server.url("/article#top")
    assert page.bytes_read == len(ARTICLE)
    assert 0 < page.elapsed < 5
    assert page.peer == "127.0.0.1"


async def test_sends_configured_user_agent_and_no_cookies(local: Fetcher, server: Server) -> None:
    await local.fetch(server.url("/set-cookie"))
    assert server.paths == ["/set-cookie", "/article"]
    article_request = server.requests[1]
    expected = "newsbot/0.1 (news summary bot; +https://github.com/newsbot/newsbot)"
    assert article_request.headers["User-Agent"] == expected
    assert "Cookie" not in article_request.headers


async def test_user_agent_placeholder_is_filled(server: Server) -> None:
    cfg = local_config(server.port, user_agent="bot ({contact_url})", contact_url="https://x.test")
    async with Fetcher(cfg) as fetcher:
        await fetcher.fetch(server.url())
    assert server.requests[0].headers["User-Agent"] == "bot (https://x.test)"


@pytest.mark.parametrize(
    ("path", "kind", "text"),
    [
        ("/xhtml", "html", ARTICLE),
        ("/plain", "text", "just text"),
        ("/small-gzip", "html", ARTICLE),
    ],
)
async def test_accepted_content_types(
    local: Fetcher, server: Server, path: str, kind: str, text: str
) -> None:
    page = await local.fetch(server.url(path))
    assert (page.kind, page.text) == (kind, text)


async def test_follows_redirect_chain_up_to_the_limit(server: Server) -> None:
    async with Fetcher(local_config(server.port, max_redirects=5)) as fetcher:
        page = await fetcher.fetch(server.url("/hops/5"))
        assert page.text == ARTICLE
        assert page.url == server.url("/hops/0")
        with pytest.raises(FetchError, match="too many redirects"):
            await fetcher.fetch(server.url("/hops/6"))


async def test_relative_redirect(local: Fetcher, server: Server) -> None:
    page = await local.fetch(server.url("/relative"))
    assert page.url == server.url("/hops/0")


async def test_redirect_loop_is_too_many_redirects(local: Fetcher, server: Server) -> None:
    with pytest.raises(FetchError, match="too many redirects"):
        await local.fetch(server.url("/loop"))
    assert server.paths == ["/loop"] * 6


# --- charsets and PDFs ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "text", "charset"),
    [
        ("/cp1252", "<p>café “quoted”</p>", "windows-1252"),
        ("/latin1", "<p>café “quoted”</p>", "windows-1252"),  # WHATWG: iso-8859-1 is 1252
        ("/sjis-meta", "日本語のニュース", "shift_jis"),
        ("/koi8-http-equiv", "Привет, мир", "koi8-r"),
        ("/garbage", "<p>abc \ufffd\ufffd\ufffd def</p>", "utf-8"),
        ("/bogus-charset", "<p>ok ✓</p>", "utf-8"),
        ("/zlib-charset", "<p>ok</p>", "utf-8"),
        ("/utf7-charset", "+ADw-script+AD4-", "utf-8"),  # utf-7 would read "<script>"
    ],
)
async def test_charsets(local: Fetcher, server: Server, path: str, text: str, charset: str) -> None:
    page = await local.fetch(server.url(path))
    assert text in page.text
    assert page.charset == charset


async def test_large_body_is_decoded_off_the_event_loop(
    local: Fetcher, server: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    threads: list[threading.Thread] = []

    def recording_decode(*args: object, **kwargs: object) -> tuple[str, str]:
        threads.append(threading.current_thread())
        return decode_body(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(fetch_module, "decode_body", recording_decode)
    page = await local.fetch(server.url("/large-cp1252"))
    assert page.text.count("café “quoted”") == 60_000
    assert page.charset == "windows-1252"
    assert threads and threads[0] is not threading.main_thread()


class LoopLag:
    """Ticks every 10 ms on the event loop and records the longest gap between ticks."""

    def __init__(self) -> None:
        self.worst = 0.0
        self._last = time.monotonic()
        self._task: asyncio.Task[None] | None = None

    def _mark(self) -> None:
        now = time.monotonic()
        self.worst = max(self.worst, now - self._last)
        self._last = now

    async def _tick(self) -> None:
        while True:
            await asyncio.sleep(0.01)
            self._mark()

    async def __aenter__(self) -> LoopLag:
        self._task = asyncio.create_task(self._tick())
        await asyncio.sleep(0.05)  # let it start ticking
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._task is not None
        self._mark()  # a stall just before exit counts too, though the ticker never woke after it
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task


async def test_the_loop_keeps_ticking_while_a_small_page_is_decoded(
    local: Fetcher, server: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A decode that takes 2 s (a stand-in for any slow page) must not hold the loop for 2 s.
    def slow_decode(*args: object, **kwargs: object) -> tuple[str, str]:
        time.sleep(2.0)
        return decode_body(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(fetch_module, "decode_body", slow_decode)
    async with LoopLag() as lag:
        page = await local.fetch(server.url("/article"))
    assert page.text == ARTICLE
    assert lag.worst < 1.0  # ticks are 10 ms apart; only a blocked loop misses a whole second


async def test_a_punycode_page_is_read_as_utf8_without_stalling_the_loop(
    local: Fetcher, server: Server
) -> None:
    # Python's punycode decoder is quadratic: this 262 KB body took ~6 s on the loop.
    async with LoopLag() as lag:
        page = await local.fetch(server.url("/punycode"))
    assert (page.text, page.charset) == (PUNYCODE_STALL.decode(), "utf-8")
    assert lag.worst < 1.0


async def test_pdf_text_is_extracted(local: Fetcher, server: Server) -> None:
    page = await local.fetch(server.url("/pdf"))
    assert page.kind == "pdf"
    assert page.content_type == "application/pdf"
    assert "Hello PDF world" in page.text


def test_pdf_page_cap() -> None:
    text = pdf_text(make_pdf(["First page", "Second page", "Third page"]), max_pages=2)
    assert "First page" in text and "Second page" in text
    assert "Third page" not in text


async def test_broken_pdf_is_an_extract_error(local: Fetcher, server: Server) -> None:
    with pytest.raises(ExtractError, match="PDF"):
        await local.fetch(server.url("/bad-pdf"))


async def test_missing_content_type_is_sniffed(raw_server: Callable) -> None:
    body = b"<!DOCTYPE html><html><body>sniffed</body></html>"
    port = await raw_server(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body))
    async with Fetcher(local_config(port)) as fetcher:
        page = await fetcher.fetch(f"http://127.0.0.1:{port}/")
    assert (page.kind, page.content_type) == ("html", "text/html")
    assert "sniffed" in page.text


# --- refusals and failures --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "message"),
    [
        (404, "The site answered 404 Not Found."),
        (410, "The site answered 410 Gone."),
        (401, "refused access (401 Unauthorized); the article may be behind a paywall"),
        (403, "refused access (403 Forbidden); the article may be behind a paywall"),
        (429, "limiting requests (429 Too Many Requests)"),
        (500, "The site had a problem (500 Internal Server Error); try again later."),
        (503, "The site had a problem (503 Service Unavailable)"),
    ],
)
async def test_http_errors(local: Fetcher, server: Server, code: int, message: str) -> None:
    with pytest.raises(FetchError) as info:
        await local.fetch(server.url(f"/status/{code}"))
    assert message in str(info.value)


async def test_wrong_content_type(local: Fetcher, server: Server) -> None:
    with pytest.raises(FetchError) as info:
        await local.fetch(server.url("/png"))
    assert str(info.value) == "This link is an image (image/png), not an article."


async def test_server_chosen_content_type_is_not_echoed(local: Fetcher, server: Server) -> None:
    with pytest.raises(FetchError) as info:
        await local.fetch(server.url("/weird-type"))
    assert "<!channel>" not in str(info.value)
    assert "not an article" in str(info.value)


@pytest.mark.parametrize("path", ["/big", "/big-chunked"])
async def test_body_over_the_cap_is_too_large(local: Fetcher, server: Server, path: str) -> None:
    with pytest.raises(FetchError) as info:
        await local.fetch(server.url(path))
    assert str(info.value) == "The page is larger than 5 MB, so I didn't download it."


async def test_gzip_bomb_stops_early_with_bounded_memory(server: Server) -> None:
    gzip_bomb()  # build it before measuring
    cfg = local_config(server.port, max_bytes=1_000_000)
    async with Fetcher(cfg) as fetcher:
        tracemalloc.start()
        started = time.monotonic()
        try:
            with pytest.raises(FetchError, match="larger than 1 MB"):
                await fetcher.fetch(server.url("/bomb"))
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert time.monotonic() - started < 5
    # The bomb inflates to 128 MB; the fetcher must never hold more than a few MB of it.
    assert peak < 16 * 1024 * 1024, f"peak traced memory {peak / 1e6:.1f} MB"


async def test_slow_drip_hits_the_read_timeout(server: Server) -> None:
    cfg = local_config(server.port, timeout_read=0.5, timeout_total=10)
    async with Fetcher(cfg) as fetcher:
        started = time.monotonic()
        with pytest.raises(FetchError, match="stopped sending data"):
            await fetcher.fetch(server.url("/drip?interval=3"))
    assert time.monotonic() - started < 2


async def test_steady_drip_hits_the_total_timeout(server: Server) -> None:
    cfg = local_config(server.port, timeout_read=0.5, timeout_total=1)
    async with Fetcher(cfg) as fetcher:
        started = time.monotonic()
        with pytest.raises(FetchError, match="took too long to respond"):
            await fetcher.fetch(server.url("/drip?interval=0.1"))
    assert time.monotonic() - started < 2.5


class SlowResolver(FakeResolver):
    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        await asyncio.sleep(30)
        raise AssertionError("unreachable")


async def test_slow_connect_hits_the_connect_timeout() -> None:
    cfg = FetchConfig(timeout_connect=0.5)
    async with Fetcher(cfg, resolver=SlowResolver({})) as fetcher:
        started = time.monotonic()
        with pytest.raises(FetchError, match="couldn't connect to the site in time"):
            await fetcher.fetch("https://slow.test/")
    assert time.monotonic() - started < 2


async def test_truncated_body(raw_server: Callable) -> None:
    port = await raw_server(
        b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 1000\r\n\r\n<p>only a bit"
    )
    async with Fetcher(local_config(port)) as fetcher:
        with pytest.raises(FetchError, match="closed the connection before the page finished"):
            await fetcher.fetch(f"http://127.0.0.1:{port}/")


async def test_connection_refused() -> None:
    with socket.socket() as sock:  # a port that was free a moment ago and has no listener
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    async with Fetcher(local_config(port)) as fetcher:
        with pytest.raises(FetchError, match="refused the connection"):
            await fetcher.fetch(f"http://127.0.0.1:{port}/")


async def test_tls_handshake_failure(server: Server) -> None:
    # https:// to a plain-HTTP port: the TLS handshake fails.
    async with Fetcher(local_config(server.port)) as fetcher:
        with pytest.raises(FetchError, match="secure"):
            await fetcher.fetch(server.url().replace("http://", "https://"))
    assert server.requests == []


@pytest.fixture(scope="module")
def self_signed(tmp_path_factory: pytest.TempPathFactory) -> ssl.SSLContext:
    directory: Path = tmp_path_factory.mktemp("tls")
    cert, key = directory / "cert.pem", directory / "key.pem"
    try:
        subprocess.run(
            ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
             "-subj", "/CN=127.0.0.1", "-keyout", str(key), "-out", str(cert)],
            check=True, capture_output=True, timeout=60,
        )  # fmt: skip
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("openssl is needed to make a self-signed certificate")
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    return context


async def test_untrusted_certificate(start_server: Callable, self_signed: ssl.SSLContext) -> None:
    tls = await start_server(ssl_context=self_signed)
    async with Fetcher(local_config(tls.port)) as fetcher:
        with pytest.raises(FetchError, match="certificate is not valid"):
            await fetcher.fetch(f"https://127.0.0.1:{tls.port}/article")
    assert tls.requests == []


async def test_failures_release_their_connections(server: Server) -> None:
    # With a pool of one connection, any leaked connection would make the last fetch hang.
    cfg = local_config(server.port, max_bytes=100_000, timeout_read=0.5)
    connector = RecordingConnector(cfg, passthrough=("127.0.0.1",), limit=1)
    async with Fetcher(cfg, connector=connector) as fetcher:
        for path in ["/big", "/big-chunked", "/png", "/status/404", "/loop", "/drip?interval=3"]:
            with pytest.raises(FetchError):
                await fetcher.fetch(server.url(path))
        async with asyncio.timeout(3):
            page = await fetcher.fetch(server.url())
    assert page.text == ARTICLE


# --- what may be fetched ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    ["ftp://example.com/x", "file:///etc/passwd", "gopher://example.com/", "data:text/html,x",
     "javascript:alert(1)"],
)  # fmt: skip
async def test_non_http_schemes_are_refused(url: str) -> None:
    async with Fetcher(FetchConfig(), resolver=FakeResolver({})) as fetcher:
        with pytest.raises(BlockedURLError) as info:
            await fetcher.fetch(url)
    assert str(info.value) == SCHEME_REFUSAL


@pytest.mark.parametrize("url", ["not a link", "http://[::1/", "http:///x", "http://exa mple.com/"])
async def test_malformed_links_are_usage_errors(url: str) -> None:
    async with Fetcher(FetchConfig(), resolver=FakeResolver({})) as fetcher:
        with pytest.raises(UsageError):
            await fetcher.fetch(url)


async def test_credentials_and_ports_are_refused_before_any_lookup() -> None:
    resolver = FakeResolver({"news.test": ["8.8.8.8"]})
    async with Fetcher(FetchConfig(), resolver=resolver) as fetcher:
        with pytest.raises(BlockedURLError, match="user name or password"):
            await fetcher.fetch("http://user:pw@news.test/")
        with pytest.raises(BlockedURLError, match="only fetch links on ports 80, 443"):
            await fetcher.fetch("http://news.test:6379/")
    assert resolver.calls == []


async def test_blocked_domains_and_subdomains() -> None:
    cfg = FetchConfig(blocked_domains=("Evil.TEST",))
    resolver = FakeResolver({"evil.test": ["8.8.8.8"], "www.evil.test": ["8.8.8.8"]})
    async with Fetcher(cfg, resolver=resolver) as fetcher:
        for url in ["http://evil.test/", "https://www.evil.test/x", "http://EVIL.test./"]:
            with pytest.raises(BlockedURLError, match="blocked on this bot"):
                await fetcher.fetch(url)
    assert resolver.calls == []


def test_bad_fetch_config_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="allowed_networks"):
        Fetcher(FetchConfig(allowed_networks=("10.0.0.0/33",)))
    with pytest.raises(ConfigError, match="blocked_domains"):
        Fetcher(FetchConfig(blocked_domains=("bad domain",)))
    with pytest.raises(ConfigError, match="user_agent"):
        Fetcher(FetchConfig(user_agent="bot {unknown}"))


async def test_connector_must_be_a_safe_connector() -> None:
    import aiohttp

    plain = aiohttp.TCPConnector()
    try:
        with pytest.raises(TypeError, match="SafeConnector"):
            Fetcher(FetchConfig(), connector=plain)
    finally:
        await plain.close()
    other = RecordingConnector(FetchConfig(allowed_networks=("10.0.0.0/8",)))
    try:
        with pytest.raises(ValueError, match="allowed networks"):
            Fetcher(FetchConfig(), connector=other)
    finally:
        await other.close()


LOOPBACK_SPELLINGS = [
    "127.0.0.1",
    "2130706433",
    "0x7f.1",
    "127.1",
    "0177.0.0.1",
    "[::1]",
    "[::ffff:127.0.0.1]",
    "localhost",
]


@pytest.mark.parametrize("host", LOOPBACK_SPELLINGS)
async def test_loopback_is_refused_by_default(server: Server, host: str) -> None:
    # Default networks (only the port opened), real system resolver for "localhost".
    connector = RecordingConnector(FetchConfig(), passthrough=("127.0.0.1", "::1"))
    async with Fetcher(FetchConfig(allowed_ports=(server.port,)), connector=connector) as f:
        with pytest.raises(BlockedURLError) as info:
            await f.fetch(f"http://{host}:{server.port}/article")
    assert str(info.value) == PRIVATE_ADDRESS_REFUSAL
    assert connector.attempts == []
    assert server.requests == []


async def test_default_config_refuses_local_server_on_port_grounds(server: Server) -> None:
    async with Fetcher(FetchConfig()) as fetcher:
        with pytest.raises(BlockedURLError):
            await fetcher.fetch(server.url())
    assert server.requests == []


async def test_redirect_to_other_loopback_address_is_refused(start_server: Callable) -> None:
    first = await start_server()
    second = await start_server(host="127.0.0.2")
    cfg = local_config(first.port, second.port)
    connector = RecordingConnector(cfg, passthrough=("127.0.0.1", "127.0.0.2"))
    async with Fetcher(cfg, connector=connector) as fetcher:
        target = second.url("/article", host="127.0.0.2")
        with pytest.raises(BlockedURLError, match="private or internal"):
            await fetcher.fetch(first.url(f"/redirect-to?url={target}"))
    assert first.paths == ["/redirect-to"]
    assert second.requests == []
    assert connector.attempts == [("127.0.0.1", first.port)]


@pytest.mark.parametrize(
    ("location", "error"),
    [
        ("http://metadata.test:{port}/latest/meta-data/", "private or internal"),
        ("http://169.254.169.254:{port}/", "private or internal"),
        ("http://0x7f.2:{port}/", "private or internal"),
        ("http://[::1]:{port}/", "private or internal"),
        ("ftp://127.0.0.1/", "Only http and https"),
        ("http://user:pw@127.0.0.1:{port}/", "user name or password"),
        ("http://127.0.0.1:1/", "only fetch links on ports"),
        ("http://evil.test:{port}/", "blocked on this bot"),
    ],
)
async def test_every_redirect_hop_is_vetted(server: Server, location: str, error: str) -> None:
    cfg = local_config(server.port, blocked_domains=("evil.test",))
    resolver = FakeResolver({"metadata.test": ["169.254.169.254"], "evil.test": ["8.8.8.8"]})
    connector = RecordingConnector(cfg, resolver=resolver, passthrough=("127.0.0.1",))
    async with Fetcher(cfg, connector=connector) as fetcher:
        target = location.format(port=server.port)
        with pytest.raises(BlockedURLError, match=error):
            await fetcher.fetch(server.url(f"/redirect-to?url={target}"))
    assert server.paths == ["/redirect-to"]
    assert connector.attempts == [("127.0.0.1", server.port)]


async def test_redirect_to_garbage_is_a_fetch_error(local: Fetcher, server: Server) -> None:
    with pytest.raises(FetchError, match="not a valid web link"):
        await local.fetch(server.url("/redirect-to?url=http://[::1"))


BLOCKED_ANSWERS = {
    "metadata.test": ["169.254.169.254"],
    "cgnat.test": ["100.64.1.1"],
    "ten.test": ["10.0.0.1"],
    "onesevtwo.test": ["172.16.5.4"],
    "oneninetwo.test": ["192.168.1.10"],
    "zero.test": ["0.0.0.0"],
    "loop.test": ["127.0.0.1"],
    "multicast.test": ["224.0.0.1"],
    "reserved.test": ["240.0.0.1"],
    "broadcast.test": ["255.255.255.255"],
    "docs.test": ["192.0.2.10"],
    "bench.test": ["198.18.0.1"],
    "v6loop.test": ["::1"],
    "ula.test": ["fc00::1"],
    "linklocal6.test": ["fe80::1"],
    "mapped.test": ["::ffff:10.0.0.1"],
    "sixtofour.test": ["2002:0a00:0001::1"],
    "nat64.test": ["64:ff9b::a00:1"],
    "mixed.test": ["8.8.8.8", "10.0.0.1"],
    "mixed6.test": ["2606:4700:4700::1111", "fd00::1"],
}


@pytest.mark.parametrize("host", sorted(BLOCKED_ANSWERS))
async def test_names_resolving_to_blocked_ranges_never_connect(host: str) -> None:
    cfg = FetchConfig()
    resolver = FakeResolver(BLOCKED_ANSWERS)
    connector = RecordingConnector(cfg, resolver=resolver)
    async with Fetcher(cfg, connector=connector) as fetcher:
        with pytest.raises(BlockedURLError) as info:
            await fetcher.fetch(f"https://{host}/article")
    assert str(info.value) == PRIVATE_ADDRESS_REFUSAL
    assert resolver.calls == [host]
    assert connector.attempts == []


#: 10.20.0.5 in every IPv6 wrapper of an IPv4 address.
WRAPPED_INTRANET = [
    "::ffff:10.20.0.5",  # IPv4-mapped
    "2002:a14:5::1",  # 6to4
    "64:ff9b::a14:5",  # NAT64
    "64:ff9b:1:a14:0:500::",  # local-use NAT64
    "2001:0:4136:e378:8000:63bf:f5eb:fffa",  # Teredo
    "::a14:5",  # IPv4-compatible
]


@pytest.mark.parametrize("wrapped", WRAPPED_INTRANET)
async def test_allowed_ipv4_network_does_not_leak_through_ipv6_wrappers(wrapped: str) -> None:
    cfg = FetchConfig(allowed_networks=("10.20.0.0/16",))
    resolver = FakeResolver({"wrapped.test": [wrapped], "intranet.test": ["10.20.0.5"]})
    connector = RecordingConnector(cfg, resolver=resolver)
    async with Fetcher(cfg, connector=connector) as fetcher:
        with pytest.raises(BlockedURLError, match=PRIVATE_ADDRESS_REFUSAL):
            await fetcher.fetch("http://wrapped.test/")
        with pytest.raises(BlockedURLError, match=PRIVATE_ADDRESS_REFUSAL):
            await fetcher.fetch(f"http://[{wrapped}]/")
        # the allowed address itself gets as far as a (refused, recorded) connection attempt
        with pytest.raises(FetchError, match="refused the connection"):
            await fetcher.fetch("http://intranet.test/")
    assert connector.attempts == [("10.20.0.5", 80)]


@pytest.mark.parametrize(
    ("answer", "attempt"),
    [("8.8.8.8", ("8.8.8.8", 80)), ("2606:4700:4700::1111", ("2606:4700:4700::1111", 80))],
)
async def test_public_answer_connects_to_exactly_the_vetted_address(
    answer: str, attempt: tuple[str, int]
) -> None:
    cfg = FetchConfig()
    connector = RecordingConnector(cfg, resolver=FakeResolver({"public.test": [answer]}))
    async with Fetcher(cfg, connector=connector) as fetcher:
        with pytest.raises(FetchError, match="refused the connection"):
            await fetcher.fetch("http://public.test/article")
    assert connector.attempts == [attempt]


async def test_dns_rebinding_cannot_reach_the_second_answer() -> None:
    cfg = FetchConfig()
    resolver = FakeResolver({"rebind.test": [["8.8.8.8"], ["10.0.0.1"]]})
    connector = RecordingConnector(cfg, resolver=resolver, use_dns_cache=False)
    async with Fetcher(cfg, connector=connector) as fetcher:
        with pytest.raises(FetchError, match="refused the connection"):
            await fetcher.fetch("http://rebind.test/")
        with pytest.raises(BlockedURLError):
            await fetcher.fetch("http://rebind.test/")
    assert resolver.calls == ["rebind.test", "rebind.test"]  # one lookup per connection
    assert connector.attempts == [("8.8.8.8", 80)]


async def test_rebinding_against_live_servers(start_server: Callable) -> None:
    first = await start_server()
    cfg = local_config(first.port)
    resolver = FakeResolver({"news.test": [["127.0.0.1"], ["127.0.0.2"]]})
    # No DNS cache and no keep-alive, so the second fetch needs a fresh lookup and connection.
    connector = RecordingConnector(
        cfg,
        resolver=resolver,
        passthrough=("127.0.0.1", "127.0.0.2"),
        use_dns_cache=False,
        force_close=True,
    )
    async with Fetcher(cfg, connector=connector) as fetcher:
        page = await fetcher.fetch(f"http://news.test:{first.port}/article")
        assert page.text == ARTICLE
        # Host header (and SNI for https) keep the name; only the socket uses the vetted IP.
        assert first.requests[0].headers["Host"] == f"news.test:{first.port}"
        with pytest.raises(BlockedURLError):
            await fetcher.fetch(f"http://news.test:{first.port}/article")
    assert connector.attempts == [("127.0.0.1", first.port)]


async def test_unknown_name_is_a_dns_error() -> None:
    async with Fetcher(FetchConfig(), resolver=FakeResolver({})) as fetcher:
        with pytest.raises(FetchError, match="doesn't resolve"):
            await fetcher.fetch("https://nx.test/")


async def test_allowed_networks_let_an_intranet_name_through(server: Server) -> None:
    cfg = local_config(server.port)
    resolver = FakeResolver({"intranet.test": ["127.0.0.1"]})
    async with Fetcher(cfg, resolver=resolver) as fetcher:
        page = await fetcher.fetch(f"http://intranet.test:{server.port}/article")
    assert page.text == ARTICLE


async def test_the_page_records_the_address_of_its_last_hop(start_server: Callable) -> None:
    first = await start_server()
    second = await start_server(host="127.0.0.2")
    cfg = FetchConfig(allowed_networks=("127.0.0.0/30",), allowed_ports=(first.port, second.port))
    resolver = FakeResolver({"second.test": ["127.0.0.2"]})
    async with Fetcher(cfg, resolver=resolver) as fetcher:
        target = f"http://second.test:{second.port}/article"
        page = await fetcher.fetch(first.url(f"/redirect-to?url={target}"))
    assert (page.text, page.url, page.peer) == (ARTICLE, target, "127.0.0.2")


@pytest.mark.parametrize(
    ("url", "error"),
    [
        ("http://127.0.0.1:8080/", PRIVATE_ADDRESS_REFUSAL),
        ("http://[::ffff:10.0.0.1]/", PRIVATE_ADDRESS_REFUSAL),
        ("http://0x7f.1/", PRIVATE_ADDRESS_REFUSAL),
        ("http://news.test:6379/", "only fetch links on ports"),
        ("http://sub.evil.test/", BLOCKED_DOMAIN),
        ("ftp://news.test/", SCHEME_REFUSAL),
        ("http://user:pw@news.test/", "user name or password"),
    ],
)
async def test_check_url_applies_the_offline_rules_without_a_lookup(url: str, error: str) -> None:
    resolver = FakeResolver({"news.test": ["10.0.0.1"]})
    cfg = FetchConfig(allowed_ports=(80, 443, 8080), blocked_domains=("evil.test",))
    async with Fetcher(cfg, resolver=resolver) as fetcher:
        with pytest.raises(BlockedURLError, match=re.escape(error)):
            fetcher.check_url(url)
        fetcher.check_url("http://news.test/")  # a name is judged when it is resolved
    assert resolver.calls == []


def test_address_allowed_follows_the_current_policy() -> None:
    local = Fetcher(FetchConfig(allowed_networks=("127.0.0.1/32",)))
    default = Fetcher(FetchConfig())
    assert local.address_allowed("127.0.0.1") and not default.address_allowed("127.0.0.1")
    assert default.address_allowed("8.8.8.8")
    assert not default.address_allowed(None) and not default.address_allowed("not an address")


async def test_fetcher_lifecycle() -> None:
    fetcher = Fetcher(FetchConfig(), resolver=FakeResolver({}))
    await fetcher.close()  # closing before use is fine
    with pytest.raises(RuntimeError, match="closed"):
        await fetcher.fetch("https://example.test/")
