"""The faithfulness guard on crafted abstractive outputs (bag-of-words encoder, no weights)."""

from __future__ import annotations

import pytest

from summarizer.abstractive.faithfulness import FaithfulnessGuard, Verifier, names, numbers
from summarizer.config import SummarizerConfig
from summarizer.pipeline import read_article

ARTICLE = (
    "Acme Corp said on Tuesday it would cut 1,200 jobs in Springfield. "
    "The company blamed falling demand for its rockets and anvils. "
    "Shares of Acme fell 3.5 percent in early trading in New York. "
    "Union leaders in Springfield called the decision a betrayal of loyal workers."
)


@pytest.fixture
def article():
    return read_article(ARTICLE, 100_000, "en")


@pytest.fixture
def guard(encoder):
    return FaithfulnessGuard(encoder, threshold=0.3)


def test_faithful_paraphrase_is_kept_with_its_source_span(guard, article):
    bullets, fired = guard.apply(article, ["Acme will cut 1200 jobs in Springfield, it said."])
    assert fired == 0
    (bullet,) = bullets
    assert bullet.text == "Acme will cut 1200 jobs in Springfield, it said."
    start, end = bullet.span
    assert ARTICLE[start:end].startswith("Acme Corp said on Tuesday")
    assert bullet.score >= 0.3


def test_invented_number_is_replaced_by_the_source_sentence(guard, article):
    bullets, fired = guard.apply(
        article,
        ["Acme will cut 5,000 jobs in Springfield.", "Acme shares fell 3.5 percent in New York."],
    )
    assert fired == 1
    assert bullets[0].text == "Acme Corp said on Tuesday it would cut 1,200 jobs in Springfield."
    assert bullets[1].text == "Acme shares fell 3.5 percent in New York."
    assert guard.stats == {"summaries": 1, "bullets": 2, "fired": 1, "replaced": 1, "dropped": 0}


def test_invented_name_is_caught(guard, article):
    (verdict,) = guard.judge(article, ["Union leaders in Chicago called the decision a betrayal."])
    assert verdict.reasons == ("name Chicago not in the article",)


def test_unsupported_bullet_is_dropped_when_configured(encoder, article):
    guard = FaithfulnessGuard(encoder, threshold=0.3, action="drop")
    bullets, fired = guard.apply(
        article, ["The weather was sunny and warm all week.", "Acme fell 3.5 percent in trading."]
    )
    assert fired == 1
    assert [b.text for b in bullets] == ["Acme fell 3.5 percent in trading."]
    assert guard.stats["dropped"] == 1


def test_two_bullets_never_get_the_same_replacement(guard, article):
    bullets, fired = guard.apply(
        article, ["Acme will cut 9 jobs in Springfield.", "Acme will cut 7 jobs in Springfield."]
    )
    assert fired == 2
    assert len(bullets) == 1


def test_verifier_reports_firing_in_notes_and_falls_back_when_nothing_survives(
    encoder, fake_extractive, article
):
    config = SummarizerConfig(faithfulness_threshold=0.3, faithfulness_action="drop")
    verifier = Verifier(config, encoder=encoder, extractive=fake_extractive)
    summary = verifier.finish(
        article,
        ["Acme fell 3.5 percent in early trading.", "Acme hired 40 clowns in Paris."],
        max_bullets=3,
        backend="seq2seq",
        timings={},
    )
    assert summary.backend == "seq2seq"
    assert "faithfulness guard fired on 1 of 2 bullets" in summary.notes
    assert verifier.guard.stats["fired"] == 1
    summary = verifier.finish(
        article, ["Bananas are yellow in Peru."], max_bullets=2, backend="seq2seq", timings={}
    )
    assert summary.backend == "extractive"
    assert verifier.fallbacks == 1


def test_guard_is_switchable(encoder, article):
    verifier = Verifier(SummarizerConfig(faithfulness_guard=False), encoder=encoder)
    summary = verifier.finish(
        article, ["Acme hired 40 clowns in Paris."], max_bullets=3, backend="x", timings={}
    )
    assert [b.text for b in summary.bullets] == ["Acme hired 40 clowns in Paris."]
    assert verifier.guard is None


def test_numbers_and_names_are_normalised():
    assert numbers("1,200 jobs, 3.50 percent, two plants, 7.") == {"1200", "3.5", "2", "7"}
    assert names("Shares of Acme fell in New York. The NYSE paused.") == {
        "Acme",
        "New",
        "York",
        "NYSE",
    }
