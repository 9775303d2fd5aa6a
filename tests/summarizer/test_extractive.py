import time
from pathlib import Path

import pytest

from summarizer import InputError, SummarizerConfig, load_summarizer
from summarizer.extractive.selection import select_mmr
from summarizer.pipeline import ExtractiveSummarizer

SAMPLE = (Path(__file__).parents[2] / "examples" / "sample_article.txt").read_text()

# A planted central sentence: it shares the key words of every other sentence,
# while sitting in the middle of the article.
PLANTED = (
    "Ducks swam on a distant pond while children fed them bread.\n"
    "Farmers in the valley fear the reservoir will swallow their fields.\n"
    "A local bakery changed its opening hours for the summer.\n"
    "The council approved the reservoir dam plan for the valley despite fears from farmers "
    "about flooding.\n"
    "Engineers said the dam would hold back flooding in wet winters.\n"
    "Weather forecasters expect a sunny weekend with light winds.\n"
    "The council meets again next month to discuss the plan.\n"
)


def test_planted_central_sentence_is_chosen(encoder):
    summarizer = ExtractiveSummarizer(
        SummarizerConfig(ranker="centrality"), encoder=encoder
    )
    bullets = [b.text for b in summarizer.summarize(PLANTED, max_bullets=2).bullets]
    assert any(b.startswith("The council approved the reservoir dam plan") for b in bullets)
    assert not any("bakery" in b or "Ducks" in b or "Weather" in b for b in bullets)


def test_bullets_come_back_in_article_order_with_exact_spans(fake_extractive):
    summary = fake_extractive.summarize(SAMPLE, max_bullets=4)
    spans = [b.span for b in summary.bullets]
    assert spans == sorted(spans)
    for bullet in summary.bullets:
        start, end = bullet.span
        source = SAMPLE[start:end]
        # the bullet is the source sentence, lightly cleaned: same words in the same order
        assert bullet.text.split()[:5] == source.split()[:5]


@pytest.mark.parametrize("n", [1, 3, 5])
def test_bullet_count_is_honoured(fake_extractive, n):
    assert len(fake_extractive.summarize(SAMPLE, max_bullets=n).bullets) == n


def test_no_boilerplate_in_bullets(fake_extractive):
    texts = [b.text for b in fake_extractive.summarize(SAMPLE, max_bullets=10).bullets]
    joined = " ".join(texts)
    for junk in ("Read more", "Share this", "By Mara Ellison", "[File:", "Newsbot Wire) -"):
        assert junk not in joined


def test_deterministic(fake_extractive):
    a = fake_extractive.summarize(SAMPLE, max_bullets=3)
    b = fake_extractive.summarize(SAMPLE, max_bullets=3)
    assert a.bullets == b.bullets


def test_summarize_many_batches_sentences_across_articles(encoder, fake_extractive):
    other = "Second story. " + PLANTED
    encoder.calls.clear()
    many = fake_extractive.summarize_many([SAMPLE, other, "   "], max_bullets=2)
    assert len(encoder.calls) == 1  # one encoder call for both articles
    assert isinstance(many[2], InputError)
    assert many[0].bullets == fake_extractive.summarize(SAMPLE, max_bullets=2).bullets
    assert many[1].bullets == fake_extractive.summarize(other, max_bullets=2).bullets


@pytest.mark.parametrize("text", ["", "   \n\t ", "\x00\x01\x02\x03" * 100])
def test_empty_or_binary_input_is_a_clear_error(fake_extractive, text):
    with pytest.raises(InputError) as err:
        fake_extractive.summarize(text)
    assert str(err.value)


def test_text_without_sentence_breaks_gives_one_bullet(fake_extractive):
    text = "a long run of words without any stop " * 20
    summary = fake_extractive.summarize(text, max_bullets=3)
    assert len(summary.bullets) == 1


def test_single_sentence(fake_extractive):
    summary = fake_extractive.summarize("The mayor resigned on Monday.", max_bullets=3)
    assert [b.text for b in summary.bullets] == ["The mayor resigned on Monday."]


def test_huge_input_is_truncated_and_says_so(fake_extractive):
    text = SAMPLE * 2000  # ~4.5 MB
    started = time.monotonic()
    summary = fake_extractive.summarize(text, max_bullets=3)
    assert summary.truncated and "input truncated" in summary.notes
    assert len(summary.bullets) == 3
    assert time.monotonic() - started < 60  # generous: guards against a hang, not a benchmark


def test_non_english_text_is_summarized_and_language_reported(fake_extractive):
    text = (
        "Der Stadtrat hat am Dienstag den Bau einer neuen Brücke beschlossen. "
        "Die Brücke soll bis 2028 fertig sein und 40 Millionen Euro kosten. "
        "Anwohner hatten jahrelang für eine bessere Verbindung gekämpft. "
        "Die Opposition kritisierte die hohen Kosten der Brücke."
    )
    summary = fake_extractive.summarize(text, max_bullets=2)
    assert summary.language == "de"
    assert len(summary.bullets) == 2


def test_the_requested_summary_language_is_not_taken_for_the_articles(fake_extractive):
    """`language` asks for the summary's language; the article is still read as English."""
    summary = fake_extractive.summarize(SAMPLE, max_bullets=2, language="de")
    assert summary.language == "en"


def test_an_article_language_detected_upstream_is_not_detected_again(
    fake_extractive, monkeypatch
):
    import summarizer.pipeline

    def detect_again(text: str) -> str:
        raise AssertionError("the article's language was detected a second time")

    monkeypatch.setattr(summarizer.pipeline, "detect_language", detect_again)
    summary = fake_extractive.summarize(SAMPLE, max_bullets=2, article_language="en")
    assert summary.language == "en" and len(summary.bullets) == 2


def test_max_bullets_out_of_range(fake_extractive):
    with pytest.raises(ValueError):
        fake_extractive.summarize(SAMPLE, max_bullets=0)


def test_mmr_skips_near_duplicates():
    import numpy as np

    v = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0]])
    chosen = select_mmr(np.array([0.9, 0.89, 0.5]), v, 2)
    assert chosen == [0, 2]


@pytest.mark.slow
def test_real_embedded_model_summarizes_sample():
    summarizer = load_summarizer(SummarizerConfig())
    summary = summarizer.summarize(SAMPLE, max_bullets=3)
    assert summary.backend == "extractive" and summary.language == "en"
    assert len(summary.bullets) == 3
    joined = " ".join(b.text for b in summary.bullets)
    assert "desalination" in joined or "tide" in joined
    # the demo's bullets stand alone: no "such a study" without the study it refers to
    for bullet in summary.bullets:
        assert not bullet.text.startswith(("They ", "It ", "This ")) and "such a" not in bullet.text
    assert summary.timings["embed"] > 0


SHORT_WIRE_STORIES = [
    # (text, the lede that must be a bullet)
    (
        "TRURO, Cornwall, March 3 (Newsbot Wire) - Cornwall's council approved a plan on Tuesday "
        "to reopen the branch railway to Porthallow, the first new passenger line in the county "
        "for more than 60 years.\n"
        "The 14-mile line will cost £210 million and is due to carry its first trains in 2029, "
        "the council said.\n"
        '"This is the day the coast stops being cut off," said council leader Morwenna Tregear.\n'
        "Opponents said the money would be better spent on buses, which reach more villages.\n"
        "The plan still needs approval from the transport ministry, expected by the summer.\n"
        "About 9,000 people live within two miles of the proposed stations.\n"
        "Kerenza Hocking contributed to this report.\n",
        "Cornwall's council approved a plan on Tuesday",
    ),
    (
        "Scientists have found a new species of deep-sea octopus off the coast of Chile, the "
        "country's oceanographic institute said on Friday, the first to be described from the "
        "Atacama Trench.\n"
        "The pale, fist-sized animal was filmed by a robotic submarine at a depth of 6,900 "
        "metres during an expedition in January.\n"
        "Researchers collected two specimens, which are now being studied in Valparaíso.\n"
        "The trench is one of the least explored places on Earth, and expeditions there are "
        "rare because of the cost.\n"
        "The institute plans to return next year with a larger vessel.\n",
        "Scientists have found a new species of deep-sea octopus",
    ),
]


@pytest.mark.slow
@pytest.mark.parametrize("text, lede", SHORT_WIRE_STORIES)
def test_real_ranker_keeps_the_lede_of_a_short_wire_story(text, lede):
    """The packaged ranker must not learn XSum's missing lede: real news keeps its first line."""
    summary = load_summarizer(SummarizerConfig()).summarize(text, max_bullets=3)
    assert summary.bullets[0].text.startswith(lede)
    start, _ = summary.bullets[0].span
    assert text[start:].startswith(lede)
