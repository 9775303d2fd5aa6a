"""Questions answered from the article: exact quotes with their spans, or "doesn't say"."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from summarizer import DOESNT_SAY, AnswerFinder, load_encoder
from summarizer.answers import confidence
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


LIBRARY = """Lakeside votes for a new library

The council of Lakeside approved plans for a new public library on Tuesday, after a year of debate.

The library will cost £4.5 million and is due to open in the spring of 2028.

It will hold 80,000 books, and its reading room will look out over the lake.

Residents signed a petition asking for longer opening hours than the old library had.

Members of the library's friends club pay £12 a year and get early access to events.

People downloaded the council's library app to reserve books before the opening.
"""


def test_a_how_many_question_whose_sentence_holds_no_count_gets_no_quote(finder):
    # every word of the question is in the last sentence, but no number of people is
    assert not finder.answer(LIBRARY, "How many people downloaded the library app?").answered
    assert not finder.answer(LIBRARY, "How many residents signed the petition?").answered
    answer = finder.answer(LIBRARY, "How many books will it hold?")
    assert "80,000 books" in answer.quotes[0].text


def test_a_price_is_not_a_count(finder):
    assert not finder.answer(LIBRARY, "How many members does the friends club have?").answered
    answer = finder.answer(LIBRARY, "How much will the library cost?")
    assert "£4.5 million" in answer.quotes[0].text


def test_focus_follows_rare_words_and_absent_counts_unknown_words_and_names():
    # question words: a topic word (idf 0.5, in both sentences) and a rare one (idf 3, in the
    # second sentence only); a third word the article never uses (no match anywhere, idf 4)
    match = np.array([[1.0, 0.0], [0.0, 1.0], [0.0, 0.0]], dtype=np.float32)
    weights = np.array([0.5, 3.0, 4.0], dtype=np.float32)
    vocab = [np.array([0]), np.array([0, 1])]
    rows = confidence.features(np.zeros(2, np.float32), vocab, match, weights, np.zeros(2))
    focus = rows[:, confidence.FEATURES.index("focus")]
    assert focus[0] == pytest.approx(0.25 / 25.25) and focus[1] == pytest.approx(9.25 / 25.25)
    assert rows[0, confidence.FEATURES.index("absent")] == pytest.approx(4.0 / 7.5)
    assert not rows[:, confidence.FEATURES.index("name_absent")].any()
    named = np.array([False, True, True])  # the unknown word is a name
    rows = confidence.features(np.zeros(2, np.float32), vocab, match, weights, np.zeros(2), named)
    assert rows[:, confidence.FEATURES.index("name_absent")].tolist() == [1.0, 1.0]
    named = np.array([False, True, False])  # the only name is in the article
    rows = confidence.features(np.zeros(2, np.float32), vocab, match, weights, np.zeros(2), named)
    assert not rows[:, confidence.FEATURES.index("name_absent")].any()


def test_the_fit_learns_which_way_a_view_points():
    rows = np.array([[0.9, 0.0], [0.8, 0.0], [0.7, 1.0], [0.2, 1.0], [0.1, 1.0], [0.3, 0.0]])
    labels = np.array([1, 1, 0, 0, 0, 0])
    bias, relevance, missing = confidence.fit(rows, labels)
    assert relevance > 0 > missing
    assert (confidence.probability(rows, (bias, relevance, missing)) >= 0.5).tolist() == [
        True, True, False, False, False, False
    ]  # fmt: skip


def test_no_english_answer_type_rule_judges_an_article_in_another_language(finder):
    text = (
        "La mairie de Lacville a approuvé mardi la construction d'une nouvelle bibliothèque. "
        "Les habitants ont téléchargé l'application de la bibliothèque pour réserver des livres. "
        "Le bâtiment sera construit en bois des forêts de la région."
    )
    index = finder.index(text)
    assert index.language == "fr"
    _rank, rows = finder.views(index, "How many people downloaded the app?")
    assert not rows[:, confidence.FEATURES.index("type_missing")].any()


def test_a_name_the_article_never_mentions_means_it_doesnt_say(finder):
    assert not finder.answer(LIBRARY, "When will Oxford open its new library?").answered
    answer = finder.answer(LIBRARY, "When will the library open?")
    assert "spring of 2028" in answer.quotes[0].text


def test_a_what_time_question_needs_a_time_of_day(finder):
    assert not finder.answer(LIBRARY, "What time does the reading room open?").answered
    opening = LIBRARY + "\nThe mayor will cut the ribbon at 10.30am on the first Saturday.\n"
    answer = finder.answer(opening, "What time will the mayor cut the ribbon?")
    assert "10.30am" in answer.quotes[0].text
