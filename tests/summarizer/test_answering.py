"""Questions answered from the article: exact quotes with their spans, or "doesn't say"."""

from __future__ import annotations

from pathlib import Path

import pytest

from summarizer import DOESNT_SAY, AnswerFinder, load_encoder
from summarizer.answers.finder import words

SAMPLE = (Path(__file__).parents[2] / "examples" / "sample_article.txt").read_text()


@pytest.fixture(scope="module")
def finder() -> AnswerFinder:
    return AnswerFinder(load_encoder())


def test_the_answer_is_the_article_sentence_quoted_exactly_with_its_span(finder):
    answer = finder.answer(SAMPLE, "How much water will it make each day?")
    assert answer.answered
    top = answer.quotes[0]
    assert "12 million litres" in top.text
    assert SAMPLE[top.start : top.end] == top.text  # the span finds the quote in the article
    assert all(SAMPLE[q.start : q.end] == q.text for q in answer.quotes)
    assert 1 <= len(answer.quotes) <= 3


def test_a_question_worded_unlike_the_sentence_still_finds_it(finder):
    answer = finder.answer(SAMPLE, "What share of voters backed the plant?")
    assert "62%" in answer.quotes[0].text


def test_a_question_about_something_else_gets_no_quote(finder):
    answer = finder.answer(SAMPLE, "Which football club won the league?")
    assert not answer.answered
    assert DOESNT_SAY == "The article doesn't say."


def test_an_empty_question_gets_no_quote(finder):
    assert not finder.answer(SAMPLE, "   ").answered


def test_the_index_is_built_once_per_article(finder):
    assert finder.index(SAMPLE) is finder.index(SAMPLE)


def test_question_words_carry_no_weight():
    assert words("How many turbines were approved?") == ["turbin", "approv"]
