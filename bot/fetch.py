"""Fetch a user-supplied link without letting it reach internal services or exhaust memory.

Every hop (the link and each redirect) is vetted for scheme, credentials, port, blocklisted
domain and IP-literal host; host names are vetted inside the connector's resolver
(`bot.netguard`). Bodies are streamed under a cap on decoded bytes. Failures are `BotError`s
whose messages a chat user can read.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from types import TracebackType
from typing import TYPE_CHECKING, Any, Literal, TypeVar

from bot.addresses import AddressPolicy, parse_ip_host, parse_resolved
from bot.bodytext import PDF_MAX_PAGES, SNIFF_BYTES, decode_body, pdf_text
from bot.config import FetchConfig
from bot.errors import BlockedURLError, BotError, ConfigError, FetchError, UsageError
from bot.fetch_errors import MALFORMED, check_status, client_error, too_large, wrong_type
from bot.urls import SCHEME_REFUSAL, canonical_host, split_http_url

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    # aiohttp (and bot.netguard, built on it) is imported on first use: commands that never
    # fetch, like `newsbot summarize FILE`, should not pay ~0.1 s for it.
    import aiohttp
    from aiohttp.abc import AbstractResolver
    from aiohttp.connector import Connection
    from yarl import URL

    from bot.feedfetch import FeedResponse

log = logging.getLogger(__name__)
_T = TypeVar("_T")

Kind = Literal["html", "text", "pdf"]
#: Runs a blocking, picklable call off the event loop (the service's `WorkPool.run`).
Offload = Callable[..., Awaitable[Any]]

_CHUNK = 64 * 1024
_REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
_KINDS: dict[str, Kind] = {
    "text/html": "html",
    "application/xhtml+xml": "html",
    "text/plain": "text",
    "application/pdf": "pdf",
}
_ACCEPT = "text/html,application/xhtml+xml,text/plain;q=0.9,application/pdf;q=0.8,*/*;q=0.1"
_HOST_CHARS = re.compile(r"^[A-Za-z0-9_.-]+$")
BAD_REDIRECT = "The site redirected to an address that is not a valid web link."
CREDENTIALS_REFUSAL = "Links with a user name or password in them can't be summarized."
BLOCKED_DOMAIN = "Links to that site are blocked on this bot."


@dataclass(frozen=True)
class FetchedPage:
    """A fetched document, decoded to text; `url` is where the redirects ended."""

    url: str
    requested_url: str
    status: int
    content_type: str
    charset: str | None
    text: str
    kind: Kind
    elapsed: float
    bytes_read: int
    #: The IP address the page was read from (the last hop), so a cached copy can be re-vetted.
    peer: str | None = None


@dataclass(frozen=True)
class _RawResponse:
    url: URL
    status: int
    content_type: str
    declared_charset: str | None
    body: bytes
    kind: Kind
    peer: str | None


@functools.cache
def _peer_response_class() -> type[aiohttp.ClientResponse]:
    """A response class that remembers the address it came from (built on first fetch).

    aiohttp releases the connection as soon as a short body is in, so the socket's peer must be
    read when the response starts (aio-libs/aiohttp#2205; Scrapy does the same).
    """
    import aiohttp

    class PeerResponse(aiohttp.ClientResponse):
        peer: str | None = None

        async def start(self, connection: Connection) -> aiohttp.ClientResponse:
            transport = connection.transport
            peername = transport.get_extra_info("peername") if transport is not None else None
            if isinstance(peername, tuple) and peername:
                self.peer = str(peername[0])
            return await super().start(connection)

    return PeerResponse


class Fetcher:
    """Owns one aiohttp session whose connector only ever connects to vetted addresses.

    `resolver` (DNS; default aiohttp's) is wrapped by the address guard. `connector` is for
    tests and advanced use: it must be a `SafeConnector` built with the same allowed networks;
    the Fetcher takes ownership and closes it. `offload` runs PDF text and big-body decoding
    (default: a thread, which has no deadline; the service sets its worker pool here).
    """

    def __init__(
        self,
        config: FetchConfig,
        *,
        resolver: AbstractResolver | None = None,
        connector: aiohttp.BaseConnector | None = None,
        offload: Offload | None = None,
    ) -> None:
        self.config = config
        self.offload = offload
        self._policy = AddressPolicy.from_cidrs(config.allowed_networks)
        self._blocked_domains = _blocked_domains(config.blocked_domains)
        self._user_agent = _user_agent(config)
        if connector is not None:
            from bot.netguard import SafeConnector

            if resolver is not None:
                raise TypeError("give the resolver to the SafeConnector, not to the Fetcher")
            if not isinstance(connector, SafeConnector):
                raise TypeError("connector must be a bot.netguard.SafeConnector")
            if connector.policy != self._policy:
                raise ValueError("the connector's allowed networks differ from the config's")
        self._resolver = resolver
        self._connector = connector
        self._session: aiohttp.ClientSession | None = None
        self._closed = False

    async def start(self) -> None:
        """Create the session (needs a running loop); `fetch` calls this on first use."""
        if self._closed:
            raise RuntimeError("this Fetcher is closed")
        if self._session is not None:
            return
        import aiohttp

        from bot.netguard import SafeConnector

        cfg = self.config
        connector = self._connector or SafeConnector(self._policy, resolver=self._resolver)
        self._session = aiohttp.ClientSession(
            connector=connector,
            trust_env=False,  # an environment proxy would resolve names where we can't vet them
            cookie_jar=aiohttp.DummyCookieJar(),
            response_class=_peer_response_class(),
            headers={"User-Agent": self._user_agent, "Accept": _ACCEPT},
            timeout=aiohttp.ClientTimeout(
                total=cfg.timeout_total,
                connect=cfg.timeout_connect,
                sock_connect=cfg.timeout_connect,
                sock_read=cfg.timeout_read,
            ),
        )

    async def close(self) -> None:
        self._closed = True
        if self._session is not None:
            await self._session.close()
            self._session = None
        elif self._connector is not None:
            await self._connector.close()
        self._connector = None

    async def __aenter__(self) -> Fetcher:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    def check_url(self, url: str) -> None:
        """Refuse `url` now if a rule that needs no network forbids it.

        Scheme, credentials, port, an IP-literal host and the domain blocklist: what `fetch`
        checks before its first request, for callers (the cache) that may not fetch at all.
        """
        self._vet(_parse(url))

    def address_allowed(self, address: str | None) -> bool:
        """True if the bot may still connect to `address` (an IP, e.g. a page's `peer`)."""
        ip = parse_resolved(address) if address else None
        return ip is not None and self._policy.is_allowed(ip)

    async def fetch(self, url: str) -> FetchedPage:
        """Fetch `url` (following vetted redirects) and return its text."""

        started = time.monotonic()
        target = _parse(url)
        await self.start()
        raw = await self._guarded(self._follow(target), "link")

        charset: str | None = None
        # Never on the event loop, whatever the size: a page chooses its own charset, and a
        # decode the loop waits on delays every other chat event (Slack wants an ack in 3 s).
        offload = self.offload or asyncio.to_thread
        if raw.kind == "pdf":
            text = await offload(pdf_text, raw.body, PDF_MAX_PAGES)
        else:
            text, charset = await offload(
                decode_body, raw.body, raw.declared_charset, html=raw.kind == "html"
            )
        elapsed = time.monotonic() - started
        log.debug(
            "fetched host=%s status=%d kind=%s bytes=%d elapsed=%.2fs",
            raw.url.host,
            raw.status,
            raw.kind,
            len(raw.body),
            elapsed,
        )
        return FetchedPage(
            url=str(raw.url),
            requested_url=url,
            status=raw.status,
            content_type=raw.content_type,
            charset=charset,
            text=text,
            kind=raw.kind,
            elapsed=elapsed,
            bytes_read=len(raw.body),
            peer=raw.peer,
        )

    async def fetch_feed(
        self, url: str, *, etag: str | None = None, last_modified: str | None = None
    ) -> FeedResponse:
        """Fetch a feed (RSS, Atom, JSON Feed, or an HTML page to discover one in) as bytes.

        Same address rules, redirect checks, timeouts and size cap as `fetch`; sends the
        conditional headers given, and a 304 comes back as a response with no body.
        """

        from bot.feedfetch import feed_request_headers, finish_feed

        target = _parse(url)
        await self.start()
        headers = feed_request_headers(etag, last_modified)
        finish = functools.partial(finish_feed, self._read_capped)
        return await self._guarded(self._follow(target, headers, finish), "feed")

    async def _guarded(self, request: Awaitable[_T], what: str) -> _T:
        """`request` under the total timeout, every failure as a `FetchError` a person reads."""
        import aiohttp

        try:
            async with asyncio.timeout(self.config.timeout_total):
                return await request
        except BotError:
            raise
        except TimeoutError as exc:
            raise self._timeout_error(exc) from exc
        except aiohttp.ClientError as exc:
            raise client_error(exc) from exc
        except OSError as exc:
            raise FetchError(f"I couldn't fetch that {what} because of a network error.") from exc

    async def _follow(
        self,
        url: URL,
        headers: dict[str, str] | None = None,
        finish: Callable[[aiohttp.ClientResponse], Awaitable[_T]] | None = None,
    ) -> _RawResponse | _T:
        """Request `url`, re-vetting every redirect hop; `finish` reads the last response
        (default: an article's status and content-type rules)."""
        from yarl import URL

        assert self._session is not None
        for hop in range(self.config.max_redirects + 1):
            try:
                target = self._vet(url)
            except UsageError:
                if hop == 0:
                    raise
                raise FetchError(BAD_REDIRECT) from None
            async with self._session.get(target, allow_redirects=False, headers=headers) as resp:
                location = resp.headers.get("Location")
                if resp.status in _REDIRECT_STATUSES and location:
                    try:
                        url = resp.url.join(URL(location)).with_fragment(None)
                    except ValueError:
                        raise FetchError(BAD_REDIRECT) from None
                    continue
                if finish is not None:
                    return await finish(resp)
                check_status(resp.status)
                return await self._read(resp)
        raise FetchError(
            f"The link led to too many redirects (more than {self.config.max_redirects}), "
            "so I stopped following them."
        )

    def _vet(self, url: URL) -> URL:
        """Refuse a hop the bot must not request; return it with any IP host made canonical."""
        if url.scheme not in ("http", "https"):
            raise BlockedURLError(SCHEME_REFUSAL)
        if url.user is not None or url.password is not None:
            raise BlockedURLError(CREDENTIALS_REFUSAL)
        host = url.raw_host
        if not host:
            raise UsageError(MALFORMED)
        if url.port not in self.config.allowed_ports:
            ports = ", ".join(str(p) for p in self.config.allowed_ports)
            raise BlockedURLError(f"I only fetch links on ports {ports}.")
        ip = parse_ip_host(host)
        if ip is not None:
            # aiohttp skips the resolver for IP literals, so this is the only check they get.
            self._policy.check(ip)
            return url if host == ip.compressed else url.with_host(ip.compressed)
        if ":" in host or host.replace(".", "").isdigit() or not _HOST_CHARS.match(host):
            # Not a usable name, and aiohttp would treat digits/colons as an address.
            raise UsageError(MALFORMED)
        name = host.rstrip(".").lower()
        if any(name == d or name.endswith("." + d) for d in self._blocked_domains):
            raise BlockedURLError(BLOCKED_DOMAIN)
        return url

    async def _read(self, resp: aiohttp.ClientResponse) -> _RawResponse:
        declared = "Content-Type" in resp.headers
        ctype = resp.content_type.lower()
        if declared and ctype not in _KINDS:
            raise FetchError(wrong_type(ctype))
        body = await self._read_capped(resp)
        kind = _KINDS[ctype] if declared else _sniff_kind(bytes(body[:SNIFF_BYTES]))
        if kind is None:
            raise FetchError("This link is a file of an unknown type, not an article.")
        return _RawResponse(
            url=resp.url,
            status=resp.status,
            content_type=ctype if declared else _KIND_TYPES[kind],
            declared_charset=resp.charset,
            body=bytes(body),
            kind=kind,
            peer=getattr(resp, "peer", None),
        )

    async def _read_capped(self, resp: aiohttp.ClientResponse) -> bytearray:
        """The body, refused past `max_bytes` of decoded data."""
        limit = self.config.max_bytes
        if resp.content_length is not None and resp.content_length > limit:
            raise too_large(limit)
        body = bytearray()
        try:
            # Chunks arrive already decompressed, so this caps decoded bytes: a gzip bomb
            # stops at `limit`, whatever its Content-Length said.
            async for chunk in resp.content.iter_chunked(_CHUNK):
                if len(body) + len(chunk) > limit:
                    raise too_large(limit)
                body.extend(chunk)
        except BaseException:
            resp.close()  # drop the connection rather than drain an oversized or broken body
            raise
        return body

    def _timeout_error(self, exc: TimeoutError) -> FetchError:
        import aiohttp

        if isinstance(exc, aiohttp.ConnectionTimeoutError):
            return FetchError("I couldn't connect to the site in time.")
        if isinstance(exc, aiohttp.SocketTimeoutError):
            return FetchError(
                f"The site stopped sending data for over {self.config.timeout_read:g} seconds, "
                "so I gave up."
            )
        return FetchError(
            f"The site took too long to respond (over {self.config.timeout_total:g} seconds)."
        )


def _parse(url: str) -> URL:
    from yarl import URL

    split_http_url(url)  # friendly errors for bad schemes, credentials and malformed links
    try:
        return URL(url.strip()).with_fragment(None)
    except ValueError:
        raise UsageError(MALFORMED) from None


_KIND_TYPES: dict[Kind, str] = {"html": "text/html", "text": "text/plain", "pdf": "application/pdf"}


def _sniff_kind(head: bytes) -> Kind | None:
    if head.startswith(b"%PDF-"):
        return "pdf"
    start = head.lstrip()[:512].lower()
    if start.startswith((b"<!doctype html", b"<html", b"<head", b"<body", b"<!--")):
        return "html"
    return None


def _blocked_domains(domains: tuple[str, ...]) -> tuple[str, ...]:
    out = []
    for i, domain in enumerate(domains):
        try:
            out.append(canonical_host(domain.strip().lstrip(".")))
        except BotError:
            raise ConfigError(
                f"fetch.blocked_domains[{i}] must be a domain like example.com, got {domain!r}"
            ) from None
    return tuple(out)


def _user_agent(config: FetchConfig) -> str:
    try:
        agent = config.user_agent.format(contact_url=config.contact_url)
    except (KeyError, IndexError, ValueError):
        raise ConfigError(
            "fetch.user_agent may only contain the placeholder {contact_url}"
        ) from None
    if any(c in agent for c in "\r\n\0"):
        raise ConfigError("fetch.user_agent and fetch.contact_url must be a single line")
    return agent
