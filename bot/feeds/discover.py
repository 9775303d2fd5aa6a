"""Feed autodiscovery: the `<link rel="alternate" type="application/rss+xml">` of a page."""

from __future__ import annotations

from urllib.parse import urljoin

FEED_LINK_TYPES = (
    "application/rss+xml",
    "application/atom+xml",
    "application/feed+json",
    "application/rdf+xml",
)
NO_FEED_LINK = "That page doesn't link to a feed (no RSS or Atom <link> in its head)."


def discover_feed_urls(html: bytes, base_url: str) -> list[str]:
    """The feed URLs a page advertises, in page order, relative hrefs resolved (CPU: thread)."""
    import lxml.html
    from lxml.etree import ParserError

    try:
        doc = lxml.html.document_fromstring(html)
    except (ParserError, ValueError):
        return []
    base = base_url
    for element in doc.iter("base"):
        if element.get("href"):
            base = urljoin(base_url, element.get("href").strip())
            break
    found: list[str] = []
    for element in doc.iter("link"):
        rel = (element.get("rel") or "").lower().split()
        kind = (element.get("type") or "").lower().split(";")[0].strip()
        href = (element.get("href") or "").strip()
        if "alternate" in rel and kind in FEED_LINK_TYPES and href:
            url = urljoin(base, href)
            if url.startswith(("http://", "https://")) and url not in found:
                found.append(url)
    return found
