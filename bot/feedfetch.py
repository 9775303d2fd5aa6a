"""The feed side of the fetcher: conditional requests and the response rules feeds need.

Articles and feeds share one path (`Fetcher._follow`: address rules, redirect re-checks, size
cap); only the last response is read differently here: feed content types are accepted, a 304
is an answer rather than an error, and `ETag`, `Last-Modified` and `Retry-After` are kept.
"""

from __future__ import annotations

import email.utils
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.errors import FetchError
from bot.fetch_errors import check_status, wrong_type

if TYPE_CHECKING:
    import aiohttp

#: What a feed URL may answer with: the feed formats, generic XML, and HTML (a page to discover
#: the feed in). Some servers send feeds as text/plain or octet-stream; feedparser sniffs those.
FEED_TYPES = frozenset(
    {
        "application/rss+xml",
        "application/atom+xml",
        "application/rdf+xml",
        "application/xml",
        "text/xml",
        "application/feed+json",
        "application/json",
        "text/html",
        "application/xhtml+xml",
        "text/plain",
        "application/octet-stream",
    }
)
HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
_ACCEPT = (
    "application/rss+xml,application/atom+xml,application/feed+json,application/xml;q=0.9,"
    "text/xml;q=0.9,text/html;q=0.5,*/*;q=0.1"
)
#: A Retry-After further out than this is treated as this: a typo must not silence a feed.
MAX_RETRY_AFTER = 86_400.0


@dataclass(frozen=True)
class FeedResponse:
    """A feed fetch: 200 with the raw bytes, or 304 (not modified) with none."""

    url: str
    status: int
    body: bytes
    content_type: str
    etag: str | None
    last_modified: str | None
    #: Seconds the server asked us to wait before the next request, if it said.
    retry_after: float | None = None
    peer: str | None = None

    @property
    def not_modified(self) -> bool:
        return self.status == 304

    @property
    def is_html(self) -> bool:
        return self.content_type in HTML_TYPES


class FeedHTTPError(FetchError):
    """The feed's server answered an error status; `retry_after` if it asked for a pause."""

    def __init__(self, message: str, status: int, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.retry_after = retry_after


def feed_request_headers(etag: str | None, last_modified: str | None) -> dict[str, str]:
    """Accept plus the conditional headers (RFC 9110 §13) for a feed we have seen before."""
    headers = {"Accept": _ACCEPT}
    if etag and _one_line(etag):
        headers["If-None-Match"] = etag
    if last_modified and _one_line(last_modified):
        headers["If-Modified-Since"] = last_modified
    return headers


async def finish_feed(
    read: Callable[[aiohttp.ClientResponse], Awaitable[bytearray]],
    resp: aiohttp.ClientResponse,
) -> FeedResponse:
    """Read the last response of a feed fetch with `read` (the fetcher's size-capped reader)."""
    etag = resp.headers.get("ETag")
    last_modified = resp.headers.get("Last-Modified")
    retry_after = parse_retry_after(resp.headers.get("Retry-After"))
    peer = getattr(resp, "peer", None)
    if resp.status == 304:
        return FeedResponse(str(resp.url), 304, b"", "", etag, last_modified, retry_after, peer)
    try:
        check_status(resp.status)
    except FetchError as exc:
        raise FeedHTTPError(exc.message, resp.status, retry_after) from None
    declared = "Content-Type" in resp.headers
    ctype = resp.content_type.lower() if declared else ""
    if declared and ctype not in FEED_TYPES:
        raise FetchError(wrong_type(ctype).replace("not an article", "not a feed"))
    body = await read(resp)
    return FeedResponse(
        str(resp.url), resp.status, bytes(body), ctype, etag, last_modified, retry_after, peer
    )


def parse_retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return min(float(value), MAX_RETRY_AFTER)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        return None
    wait = when.timestamp() - (time.time() if now is None else now)
    return min(max(wait, 0.0), MAX_RETRY_AFTER)


def _one_line(value: str) -> bool:
    return len(value) < 1024 and not any(c in value for c in "\r\n\0")
