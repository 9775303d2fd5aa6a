"""HTML or plain text in, an `Article` (body + metadata) out, or an `ExtractError` saying why not.

Extraction is trafilatura on HTML the fetcher already downloaded; nothing here touches the
network. Every body then passes `bot.pagegate`, which turns a cookie banner, paywall teaser or
bot check into an honest refusal instead of a summary of the wall.
"""

from __future__ import annotations

import logging
import math
import re
from dataclasses import dataclass
from functools import cache
from urllib.parse import urlsplit

from bot.pagegate import (
    HOW_TO,
    MIN_BODY_CHARS,
    MIN_BODY_WORDS,
    TABLE_SHARE,
    PageFacts,
    PageRejected,
    check_page,
    dominant_wall,
    prose_only,
    squash_lines,
    table_share,
    too_short,
)
from summarizer import detect_language, repair_mojibake, word_count

log = logging.getLogger(__name__)

WORDS_PER_MINUTE = 230


@cache
def _trafilatura():
    """trafilatura and its config, imported on the first page: it takes ~0.15 s to import and
    text input (the CLI's `summarize FILE`) never needs it."""
    import trafilatura
    from trafilatura.settings import use_config

    config = use_config()
    # trafilatura 2.x reads EXTRACTION_TIMEOUT only in its CLI (a process-pool timeout); 1.x
    # armed SIGALRM inside extract(), which raises outside the main thread. Zero keeps both off.
    config.set("DEFAULT", "EXTRACTION_TIMEOUT", "0")
    return trafilatura, config


@dataclass(frozen=True)
class Article:
    """What the summarizer and the reply need from a page; immutable so it can be cached."""

    title: str | None
    #: Main body, one paragraph per line.
    text: str
    url: str | None
    site_name: str | None
    author: str | None
    #: ISO date (YYYY-MM-DD) when the page states one.
    date: str | None
    #: ISO 639-1 code.
    language: str | None
    word_count: int

    @property
    def reading_minutes(self) -> int:
        return max(1, math.ceil(self.word_count / WORDS_PER_MINUTE))


def extract_article(html: str, url: str | None = None) -> Article:
    """Main text and metadata of an HTML page; `ExtractError` when it is not a readable article.

    Synchronous and CPU-bound: call it in a worker thread.
    """
    page = PageFacts.from_html(html)
    doc = None
    if page.visible_text:
        trafilatura, config = _trafilatura()
        try:
            doc = trafilatura.bare_extraction(
                html,
                url=url,
                with_metadata=True,
                include_comments=False,
                include_tables=True,
                include_images=False,
                include_links=False,
                config=config,
            )
        except Exception:  # a parser bug on one odd page must not take the request down
            log.exception("trafilatura failed on %s", url)
    title = _clean(getattr(doc, "title", None))
    body = _body_lines(getattr(doc, "text", None) or "", title)
    check_page(body, page)
    body = prose_only(body)
    hostname = getattr(doc, "hostname", None) or (urlsplit(url).hostname if url else None)
    return Article(
        title=title,
        text=body,
        url=url or getattr(doc, "url", None),
        site_name=_clean(getattr(doc, "sitename", None)) or _strip_www(hostname),
        author=_clean(getattr(doc, "author", None)),
        date=getattr(doc, "date", None),
        language=_language(body, page.html_lang),
        word_count=word_count(body),
    )


def article_from_text(
    text: str,
    url: str | None = None,
    title: str | None = None,
    *,
    min_chars: int = MIN_BODY_CHARS,
    min_words: int = MIN_BODY_WORDS,
) -> Article:
    """An `Article` from plain text (text/plain pages, PDF text, pasted text), same gate.

    Blank lines separate paragraphs when there are any; single line breaks inside a paragraph
    are hard wraps (PDFs) and are joined.
    """
    body = _paragraphs(text)
    if not body:
        raise PageRejected("no_text", f"There is no text to summarize here. {HOW_TO}")
    if table_share(body) >= TABLE_SHARE and too_short(prose_only(body), min_chars, min_words):
        raise PageRejected("table")
    if too_short(body, min_chars, min_words):
        raise PageRejected(
            "too_short", "This text is too short to summarize; send a longer article."
        )
    wall = dominant_wall(body)
    if wall:
        raise PageRejected(wall)
    body = prose_only(body)
    hostname = urlsplit(url).hostname if url else None
    return Article(
        title=_clean(title),
        text=body,
        url=url,
        site_name=_strip_www(hostname),
        author=None,
        date=None,
        language=_language(body, None),
        word_count=word_count(body),
    )


# --- text helpers ------------------------------------------------------------------------------


def _clean(value: str | None) -> str | None:
    if not value:
        return None
    value = repair_mojibake(" ".join(value.split()))
    return value or None


def _body_lines(text: str, title: str | None) -> str:
    body = squash_lines(text.split("\n"))
    first, _, rest = body.partition("\n")
    # trafilatura keeps the <h1>; the title travels separately, so do not summarize it twice.
    return rest if title and first.casefold() == title.casefold() else body


def _paragraphs(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    blank_line = re.compile(r"\n[ \t]*\n")
    return squash_lines(blank_line.split(text) if blank_line.search(text) else text.split("\n"))


def _language(text: str, declared: str | None) -> str | None:
    """Language of the body; the page's `lang` attribute only when the text is too thin.

    Templates often declare one language for every page, so the text wins when there is enough.
    """
    if word_count(text[:3000]) >= 20:
        # the summarizer's detector: it reads a bounded sample (a 100 KB page costs what a
        # 3 KB one does) and serialises py3langid's shared identifier across threads
        return detect_language(text) or declared
    return declared


def _strip_www(hostname: str | None) -> str | None:
    if not hostname:
        return None
    return hostname[4:] if hostname.startswith("www.") else hostname
