"""Feed parsing and autodiscovery: identity, order, bad XML, entity bombs; no network."""

from __future__ import annotations

import time

import pytest

from bot.feeds.discover import discover_feed_urls
from bot.feeds.parse import ENTITIES_REFUSAL, NOT_A_FEED, FeedError, declares_entities, parse_feed

URL = "https://news.example/feed.xml"


def _rss(items: str, title: str = "Example News") -> bytes:
    return f"<rss version='2.0'><channel><title>{title}</title>{items}</channel></rss>".encode()


def billion_laughs(levels: int = 9) -> bytes:
    ents = '<!ENTITY lol "lol">' + "".join(
        f'<!ENTITY lol{i} "{("&lol%s;" % (i - 1 if i > 1 else "")) * 10}">'
        for i in range(1, levels + 1)
    )
    return (
        f'<?xml version="1.0"?><!DOCTYPE rss [{ents}]><rss version="2.0"><channel>'
        f"<title>&lol{levels};</title><item><title>a</title><link>http://x.example/a</link>"
        "</item></channel></rss>"
    ).encode()


def test_items_keyed_by_guid_then_link_newest_first() -> None:
    feed = parse_feed(
        _rss(
            "<item><title>Old</title><link>https://news.example/old?utm_source=x</link>"
            "<pubDate>Mon, 06 Nov 2023 10:00:00 GMT</pubDate></item>"
            "<item><title>New</title><link>/new</link><guid>n-1</guid>"
            "<pubDate>Tue, 07 Nov 2023 10:00:00 GMT</pubDate></item>"
        ),
        URL,
    )
    assert feed.title == "Example News"
    assert [i.title for i in feed.items] == ["New", "Old"]
    new, old = feed.items
    assert new.link == "https://news.example/new"  # relative link resolved
    assert old.link == "https://news.example/old"  # normalised: tracking parameter dropped
    assert new.key != old.key and len(new.key) == 32


def test_same_guid_twice_counts_once_and_linkless_items_are_dropped() -> None:
    feed = parse_feed(
        _rss(
            "<item><title>A</title><link>https://e.example/a</link><guid>1</guid></item>"
            "<item><title>A again</title><link>https://e.example/b</link><guid>1</guid></item>"
            "<item><title>No link, no guid</title></item>"
        ),
        URL,
    )
    assert [i.title for i in feed.items] == ["A"]


def test_a_future_date_is_clamped_to_now() -> None:
    now = 1_700_000_000.0
    feed = parse_feed(
        _rss(
            "<item><title>Future</title><link>https://e.example/f</link>"
            "<pubDate>Fri, 01 Jan 2100 00:00:00 GMT</pubDate></item>"
        ),
        URL,
        now=now,
    )
    assert feed.items[0].published == now


def test_malformed_xml_is_read_as_far_as_it_goes() -> None:
    feed = parse_feed(
        b"<rss version='2.0'><channel><title>T & U</title><item><title>x</title>"
        b"<link>https://e.example/x</link></item>",
        URL,
    )
    assert feed.malformed is True
    assert [i.link for i in feed.items] == ["https://e.example/x"]


@pytest.mark.parametrize(
    "body", [b"", b"just some text", b"<html><body><p>hello</p></body></html>", b"<<<>>>"]
)
def test_not_a_feed(body: bytes) -> None:
    with pytest.raises(FeedError, match=NOT_A_FEED):
        parse_feed(body, URL)


def test_an_xml_bomb_is_refused_before_parsing() -> None:
    started = time.process_time()
    with pytest.raises(FeedError, match=ENTITIES_REFUSAL):
        parse_feed(billion_laughs(), URL)
    assert time.process_time() - started < 0.5  # plain feedparser spends seconds expanding it


def test_feedparser_alone_would_expand_internal_entities() -> None:
    """Why the refusal exists: expat under feedparser expands a small entity chain."""
    import feedparser

    parsed = feedparser.parse(billion_laughs(levels=2))
    assert parsed.feed.title == "lol" * 100


@pytest.mark.parametrize("codec", ["utf-8", "utf-16", "utf-16-be", "utf-32"])
def test_entities_are_found_in_any_encoding(codec: str) -> None:
    doc = '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r>&x;</r>'
    assert declares_entities(doc.encode(codec))


def test_a_plain_doctype_is_no_entity_declaration() -> None:
    doc = b'<!DOCTYPE rss PUBLIC "-//Netscape//DTD RSS 0.91//EN" "rss-0.91.dtd"><rss/>'
    assert not declares_entities(doc)


def test_discovery_reads_alternate_links_and_resolves_them() -> None:
    page = b"""<html><head>
    <link rel="stylesheet" href="/style.css">
    <link rel="alternate" type="application/rss+xml" title="All" href="/feed.xml">
    <link rel="alternate" type="application/atom+xml" href="https://other.example/atom">
    <link rel="alternate" type="text/html" href="/en">
    </head><body></body></html>"""
    assert discover_feed_urls(page, "https://site.example/news/today") == [
        "https://site.example/feed.xml",
        "https://other.example/atom",
    ]


def test_discovery_finds_nothing_on_a_page_without_feed_links() -> None:
    assert discover_feed_urls(b"<html><head><title>x</title></head></html>", URL) == []
    assert discover_feed_urls(b"", URL) == []
