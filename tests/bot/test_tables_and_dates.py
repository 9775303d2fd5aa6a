"""Table rows and bare date lines are not bullets: a standings page says it is a table, and an
article with a table or a dateline is summarized from its prose. The pages are invented."""

from __future__ import annotations

import html

import pytest

from bot.extract import article_from_text, extract_article
from bot.pagegate import MESSAGES, PageRejected, is_date_line, is_table_row
from summarizer import load_summarizer
from tests.pages import SAMPLE_TEXT

DRIVERS = [
    "Tessa Marlowe", "Idris Okafor", "Ben Castellano", "Rui Nakamura", "Lena Forsberg",
    "Colm Brady", "Ana Petrovic", "Jude Whitacre", "Mei Lindqvist", "Omar Haddad",
    "Kit Donnelly", "Sara Voss", "Pavel Horak", "Nina Albers", "Theo Grant",
]


def standings_table() -> str:
    rows = "".join(
        f"<tr><td>{i}</td><td>{name}</td><td>{2400 - 13 * i}</td><td>{i % 3}</td></tr>"
        for i, name in enumerate(DRIVERS, 1)
    )
    return (
        "<table><tr><th>Pos</th><th>Driver</th><th>Points</th><th>Wins</th></tr>"
        f"{rows}</table>"
    )


def page(*blocks: str, title: str = "Cup Series standings") -> str:
    return (
        f'<!doctype html><html lang="en"><head><title>{title}</title></head><body><main>'
        f"<article><h1>{title}</h1>{''.join(blocks)}</article></main></body></html>"
    )


def test_a_page_that_is_mostly_a_table_says_so():
    html_page = page(
        "<p>November 20, 2026</p>",
        "<p>The points race tightened after the weekend at the oval.</p>",
        standings_table(),
    )
    with pytest.raises(PageRejected) as caught:
        extract_article(html_page, "https://speedway.example/standings")
    assert caught.value.reason == "table"
    assert caught.value.message == MESSAGES["table"]
    assert "mostly a table" in caught.value.message


def test_an_article_with_a_table_and_a_dateline_is_summarized_from_its_prose():
    lines = [ln for ln in SAMPLE_TEXT.strip().splitlines() if ln.strip()]
    prose = "".join(f"<p>{html.escape(p)}</p>" for p in lines[1:])
    html_page = page(
        "<p>Fri 20 Nov 2026 09.30 GMT</p>", prose, standings_table(), title=lines[0]
    )
    article = extract_article(html_page, "https://news.example/tidal")
    assert lines[1] in article.text
    assert "|" not in article.text and "Tessa Marlowe" not in article.text
    assert "09.30 GMT" not in article.text
    summary = load_summarizer().summarize(article.text, max_bullets=3)
    assert len(summary.bullets) == 3
    for bullet in summary.bullets:
        assert not is_table_row(bullet.text) and not is_date_line(bullet.text)
        assert article.text[bullet.span[0] : bullet.span[1]]  # spans point into the prose


def test_pasted_text_drops_rows_and_date_lines_but_a_pasted_table_is_refused():
    rows = "\n".join(
        f"{i} | {name} | {2400 - 13 * i} | {i % 3}" for i, name in enumerate(DRIVERS, 1)
    )
    article_text = "\n\n".join(["Updated: 20/11/2026, 9:30 am", SAMPLE_TEXT, rows])
    article = article_from_text(article_text)
    assert "Porthallow" in article.text
    assert "Tessa Marlowe" not in article.text
    assert not article.text.startswith("Updated")
    with pytest.raises(PageRejected) as caught:
        article_from_text("Standings after race 30.\n\n" + rows)
    assert caught.value.reason == "table"


@pytest.mark.parametrize(
    ("line", "date", "row"),
    [
        ("November 20, 2026", True, False),
        ("2026-11-20T09:00:00Z", True, False),
        ("2026年11月20日", True, False),
        ("The vote is on May 5.", False, False),
        ("6 | Tessa Marlowe | 2339 | 1 | 0", False, True),
        ("|---|---|---|", False, True),
        (
            "Prices rose in May | a rise | that surprised the economists who had expected less",
            False,
            False,
        ),
    ],
)
def test_what_counts_as_a_date_line_or_a_table_row(line, date, row):
    assert is_date_line(line) is date
    assert is_table_row(line) is row
