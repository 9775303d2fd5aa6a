"""Feed bytes in, items out: feedparser does the parsing; this decides identity and order.

The bytes come from the SSRF-safe fetcher; feedparser is never given a URL. Documents that
declare XML entities are refused before parsing: feedparser's strict parser (expat) expands
internal entities, so a "billion laughs" feed would cost seconds of CPU and tens of MB. The
document reaches feedparser as UTF-8, decoded here by the rules a browser follows: feedparser
itself would decode with any codec Python has, including super-linear ones ("punycode").
"""

from __future__ import annotations

import calendar
import hashlib
import logging
import re
import time
from dataclasses import dataclass

from bot.bodytext import decode_body
from bot.errors import BotError, FetchError
from bot.urls import normalize_url

log = logging.getLogger(__name__)

#: `<!ENTITY` in every encoding feedparser would decode (ASCII-compatible, UTF-16/32, EBCDIC).
_ENTITY_PATTERNS = tuple(
    re.compile(re.escape("<!ENTITY".encode(codec)), re.IGNORECASE if codec == "ascii" else 0)
    for codec in ("ascii", "utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be", "cp500")
)
#: The encoding an XML declaration names (ASCII-compatible documents), and a declaration.
_DECLARED_ENCODING = re.compile(
    rb"^\s*<\?xml\b[^>]{0,200}?encoding\s*=\s*[\"']([A-Za-z0-9._:-]{1,40})[\"']"
)
_DECLARATION = re.compile(r"^\s*<\?xml\b[^>]{0,400}?\?>")
ENTITIES_REFUSAL = "That feed declares XML entities, which I don't expand, so I can't read it."
NOT_A_FEED = "That address is not an RSS or Atom feed I can read."


class FeedError(FetchError):
    """The document is not a feed the bot will read (malformed, entities, empty)."""

    kind = "feed"


@dataclass(frozen=True)
class FeedItem:
    """One story: `key` identifies it for good (GUID, else the normalised link)."""

    key: str
    title: str
    link: str | None
    #: Seconds since the epoch, clamped to "now" (a future date does not jump the queue).
    published: float | None


@dataclass(frozen=True)
class ParsedFeed:
    title: str
    #: Newest first.
    items: tuple[FeedItem, ...]
    #: feedparser's `bozo`: the XML was malformed, these are the items it could still read.
    malformed: bool = False


def declares_entities(data: bytes) -> bool:
    """True if the document declares entities (a DOCTYPE internal subset with `<!ENTITY`)."""
    return any(p.search(data) for p in _ENTITY_PATTERNS)


def as_utf8(data: bytes) -> bytes:
    """The document in UTF-8, declared as such: decoded from its BOM, else the encoding its
    XML declaration names if browsers know it (WHATWG), else UTF-8."""
    declared = _DECLARED_ENCODING.match(data)
    text, _ = decode_body(data, declared.group(1).decode("ascii") if declared else None, html=False)
    body = _DECLARATION.sub("", text, count=1)
    return b'<?xml version="1.0" encoding="utf-8"?>' + body.encode("utf-8", "replace")


def parse_feed(data: bytes, url: str, *, now: float | None = None) -> ParsedFeed:
    """Parse feed bytes (CPU work: call in a thread). Raises FeedError if it is no feed."""
    import feedparser

    if declares_entities(data):
        raise FeedError(ENTITIES_REFUSAL)
    data = as_utf8(data)
    if declares_entities(data):
        raise FeedError(ENTITIES_REFUSAL)
    parsed = feedparser.parse(data, sanitize_html=False, resolve_relative_uris=False)
    if parsed.bozo and not parsed.entries and not parsed.feed.get("title"):
        raise FeedError(NOT_A_FEED)
    if not parsed.get("version") and not parsed.entries:
        raise FeedError(NOT_A_FEED)
    now = time.time() if now is None else now
    items: list[FeedItem] = []
    keys: set[str] = set()
    for entry in parsed.entries:
        item = _item(entry, url, now)
        if item is None:
            continue
        if item.key in keys:  # duplicate GUIDs: the first (topmost) one counts
            log.debug("feed %s repeats item %s", url, item.key)
            continue
        keys.add(item.key)
        items.append(item)
    if all(i.published is not None for i in items):
        items.sort(key=lambda i: i.published or 0.0, reverse=True)  # stable: ties keep order
    title = str(parsed.feed.get("title") or "").strip() or _host(url)
    return ParsedFeed(title[:200], tuple(items), malformed=bool(parsed.bozo))


def _item(entry: dict, feed_url: str, now: float) -> FeedItem | None:
    link = _link(entry, feed_url)
    guid = str(entry.get("id") or "").strip()
    if guid:
        key = "g:" + guid
    elif link:
        key = "l:" + link
    else:
        return None  # nothing to identify it by, nothing to summarize
    title = " ".join(str(entry.get("title") or "").split())[:300]
    return FeedItem(_digest(key), title, link, _published(entry, now))


def _link(entry: dict, feed_url: str) -> str | None:
    from urllib.parse import urljoin

    raw = str(entry.get("link") or "").strip()
    if not raw:
        return None
    try:
        return normalize_url(urljoin(feed_url, raw))
    except BotError:
        return None  # not an http(s) link: the item is kept (by GUID) but not summarized


def _published(entry: dict, now: float) -> float | None:
    for name in ("published_parsed", "updated_parsed"):
        value = entry.get(name)
        if value:
            try:
                return min(float(calendar.timegm(value)), now)
            except (TypeError, ValueError, OverflowError):
                return None
    return None


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def _host(url: str) -> str:
    from urllib.parse import urlsplit

    return urlsplit(url).hostname or url
