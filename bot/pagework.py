"""The page steps that run in the `WorkPool`: HTML or plain text to an `Article`, a paste to an
`Article`. Module-level functions, so a worker process can unpickle them by name."""

from __future__ import annotations

from bot.errors import ExtractError
from bot.extract import Article, article_from_text, extract_article
from bot.textinput import split_title

#: More tags than this and the parse would outlast any sane deadline (50k `<p>` already take
#: ~7 s) and cost ~450 bytes each (a million: 600 MB), so the page is refused before lxml runs.
#: Counting `<` over-counts a little (comments, scripts); real articles stay far below.
MAX_TAGS = 100_000
TOO_MUCH_MARKUP = f"This page has too much markup for me to read (over {MAX_TAGS:,} tags)."


def page_article(text: str, url: str, kind: str) -> Article:
    """An `Article` from a fetched page's text: HTML through the extractor, the rest as text."""
    if kind != "html":
        return article_from_text(text, url)
    if text.count("<") > MAX_TAGS:
        raise ExtractError(TOO_MUCH_MARKUP)
    return extract_article(text, url)


def paste_article(text: str, title: str | None) -> Article:
    """An `Article` from pasted text; the user chose it, so no "too short" gate here."""
    if title is None:
        title, text = split_title(text)
    return article_from_text(text, title=title, min_chars=1, min_words=1)


#: A page read once before workers fork: trafilatura, its settings and the public-suffix list
#: behind its site names load on the first page (~0.4 s), which each new worker would repeat.
_WARM_PAGE = (
    "<html lang='en'><head><title>Harbour council approves new ferry timetable</title></head>"
    "<body><article><h1>Harbour council approves new ferry timetable</h1>"
    + "".join(
        f"<p>The harbour council voted on Tuesday to approve a new ferry timetable that adds "
        f"{n} evening crossings, after residents asked for later boats during the summer.</p>"
        for n in range(2, 8)
    )
    + "</article></body></html>"
)


def warm() -> None:
    """Load what every page needs (the extractor, the language identifier), once, before
    workers fork."""
    from summarizer import detect_language

    detect_language("A short English sentence that loads the language identifier model.")
    try:
        extract_article(_WARM_PAGE, "https://news.example/ferry-timetable")
    except ExtractError:  # the warm-up is only for what the extraction loads
        pass
