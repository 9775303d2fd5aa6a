import json
from importlib import resources

import numpy as np
import pytest

from summarizer.base import ModelLoadError
from summarizer.config import SummarizerConfig
from summarizer.extractive.ranker import CentralityScorer, LinearScorer, load_scorer
from summarizer.extractive.selection import bullet_candidates, choose_bullets
from summarizer.extractive.sets import (
    BIGRAM_SET_FEATURES,
    SET_FEATURES,
    SetScorer,
    candidate_pool,
    candidate_sets,
    set_features,
)
from summarizer.pipeline import ExtractiveSummarizer
from summarizer.text.lang.en import names_nobody, needs_previous
from tests.fakes import BagOfWordsEncoder


def _unit(rows) -> np.ndarray:
    v = np.asarray(rows, dtype=np.float64)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def never(a: int, b: int) -> bool:
    """No two sentences are near-duplicates (candidate sets are then limited by the other rules)."""
    return False


def _spec_on(feature: str, weight: float = 1.0) -> dict:
    """Set weights that only look at one set feature."""
    weights = [weight if name == feature else 0.0 for name in SET_FEATURES]
    n = len(SET_FEATURES)
    return {"features": SET_FEATURES, "weights": weights, "mean": [0.0] * n, "std": [1.0] * n}


def _scorer_on(feature: str, weight: float = 1.0) -> SetScorer:
    """A set scorer that only looks at one set feature."""
    return SetScorer(_spec_on(feature, weight))


def test_pool_takes_the_best_sentences_but_no_excluded_one():
    scores = np.array([0.1, 0.9, 0.5, 0.9, 0.7, 0.2, 0.3, 0.4, 0.05])
    assert candidate_pool(scores, 3, excluded={4}) == [1, 3, 2, 7, 6, 5]  # 6 = POOL_SIZE
    assert len(candidate_pool(scores, 5, excluded=set())) == 8  # k + 3 when that is more


def test_candidate_sets_skip_near_duplicates_and_keep_mmr_choice():
    sets = candidate_sets([1, 2, 3, 4], 2, [3, 1], lambda a, b: {a, b} == {1, 2})
    assert sets == [(1, 3), (1, 4), (2, 3), (2, 4), (3, 4)]
    # MMR's pick is always a candidate, even when it is not a subset of the pool
    assert (2, 5) in candidate_sets([1, 2, 3], 2, [5, 2], lambda a, b: False)


def test_a_lede_mmr_picked_is_in_every_candidate_set():
    assert candidate_sets([1, 0, 2, 3], 2, [0, 1], never) == [(0, 1), (0, 2), (0, 3)]
    # ... even when it is not among the best-scored sentences
    assert candidate_sets([1, 2, 3], 2, [2, 0], never) == [(0, 1), (0, 2), (0, 3)]
    # without it in MMR's pick, sets may leave it out
    assert (1, 2) in candidate_sets([0, 1, 2], 2, [1, 2], never)


def test_one_bullet_is_not_held_to_the_lede():
    # MMR's one bullet is the lede, yet every pooled sentence stays a candidate on its own
    assert candidate_sets([0, 2, 1, 3], 1, [0], never) == [(0,), (1,), (2,), (3,)]


@pytest.mark.parametrize(
    "text, leans",
    [
        ("The water authority said it would commission such a study.", True),
        ("They said the line would stay open.", True),
        ("It was the third strike this year.", True),
        ("However, the council disagreed.", True),
        ("The latter was rejected.", True),
        ("The council voted on Tuesday.", False),
        ("Theresa May said the talks would go on.", False),  # "The…", "It…" inside a word
        ("Italy won the final.", False),
        ("There are three reasons for the delay.", False),
        ('"This is the day the coast stops being cut off," she said.', False),  # a quote
        ("Ein Streik legt den Fernverkehr lahm.", False),
    ],
)
def test_a_sentence_leaning_on_the_one_before_is_recognised(text, leans):
    assert needs_previous(text) is leans


def test_a_set_brings_in_a_leaning_sentence_only_with_its_predecessor():
    texts = ["A.", "The board approved the plan.", "Such a study would take a year.", "D."]
    sets = candidate_sets([1, 2, 3], 2, [1, 3], never, texts)
    assert (1, 2) in sets  # the sentence it leans on comes along
    assert (2, 3) not in sets
    # ... unless MMR picked it itself
    assert (2, 3) in candidate_sets([1, 2, 3], 2, [2, 3], never, texts)


@pytest.mark.parametrize(
    "text, orphan",
    [
        ("She had attributed her longevity to a diet of eggs.", True),
        ("He has made 700 appearances for the club.", True),
        ("But their lawyers said the ruling would be appealed.", True),
        ("However, his plan was rejected.", True),
        ('"They will pay for this," she said.', True),
        ("Theresa May said the talks would go on.", False),  # "he" inside a word
        ("Hertfordshire Police said the road was closed.", False),
        ("It was the third strike this year.", False),  # "It" can open a story
        ("This stunning photograph shows the owl at the moment it struck.", False),
        ("Sie hatte ihr langes Leben ihren Genen zugeschrieben.", False),
        # an age or a stage of life in place of the name
        ("The 23-year-old earned Britain's second medal of the championships.", True),
        ("the 34 - year - old full back , who has 100 caps , was led away .", True),
        ("But the three-year-old girl was found safe.", True),
        ("The teenager was taken to hospital.", True),
        ("The 19-year-olds were released on bail.", True),
        ("The 2016-17 season ended in May.", False),
        ("The teenage market is worth billions.", False),
        ("Ryan, 23, earned Britain's second medal.", False),
        # a role in place of the name
        ("The England international has managed just six goals this season.", True),
        ("the former aston villa midfielder has kept di maria out of the side .", True),
        ("The head coach has raised concerns about the players.", True),
        ("Chelsea manager Jose Mourinho has raised concerns.", False),
        ("The way forward is clear, the minister said.", False),
        ("The International Monetary Fund cut its forecast.", False),
    ],
)
def test_a_sentence_opening_on_an_unnamed_person_is_recognised(text, orphan):
    assert names_nobody(text) is orphan


def test_mmr_pick_opening_on_an_unnamed_person_is_not_a_candidate():
    texts = [
        "Emma Morano, the world's oldest person, has died in Italy at 117.",
        "She was born in the Piedmont region in 1899.",
        "She had attributed her longevity to a diet of raw eggs.",
        "Her doctor said she had died peacefully at home.",
        "Italy's president paid tribute to her.",
        "The mayor of Verbania declared a day of mourning.",
        "Tributes poured in from across Piedmont.",
    ]
    # one bullet: MMR's "She had …" pick goes, the other pooled sentences stay
    assert candidate_sets([2, 0, 4], 1, [2], never, texts) == [(0,), (4,)]
    # ... but not when it would leave the set scorer a single choice
    assert candidate_sets([2, 0], 1, [2], never, texts) == [(0,), (2,)]
    # three bullets: "She had …" lacks the sentence before it, so MMR's set goes, and no
    # other set takes either pronoun opening without its predecessor
    sets = candidate_sets([0, 2, 3, 4, 5, 6], 3, [0, 2, 3], never, texts)
    assert sets == [(0, 4, 5), (0, 4, 6), (0, 5, 6)]
    # ... while a set that holds the sentence before each pronoun opening stays
    assert (0, 1, 2) in candidate_sets([0, 1, 2, 4, 5, 6], 3, [0, 1, 2], never, texts)


def test_mmr_pick_opening_on_an_unnamed_age_is_not_a_candidate():
    texts = [
        "Wolves winger Michal Zyro faces a year out with knee ligament damage.",
        "The 23-year-old was hurt by a late challenge at MK Dons on Tuesday.",
        "Zyro is the third Wolves player to suffer a serious knee injury this season.",
        "The club said he would have surgery next week.",
    ]
    # alone, "The 23-year-old …" says nothing of who was hurt: not a one-bullet candidate
    assert candidate_sets([1, 2, 0], 1, [1], never, texts) == [(0,), (2,)]
    # ... and among two bullets only with the sentence that names him
    assert candidate_sets([0, 1, 2], 2, [1, 2], never, texts) == [(0, 1), (0, 2)]


def test_set_features_measure_coverage_length_and_repetition():
    texts = [
        "Storm floods the harbour town.",  # "storm", "harbour" recur below
        "The storm closed the harbour and the ferry.",
        "Ferry services resume on Friday.",
        "Unrelated cake recipe.",
    ]
    vectors = _unit([[1, 0, 0], [1, 1, 0], [0, 1, 0], [0, 0, 1]])
    scores = np.array([0.8, 0.6, 0.4, 0.2])
    sets = [(0, 1), (2, 3)]
    rows = set_features(sets, scores, vectors, texts, mmr_choice=[1, 0])
    col = {name: rows[:, i] for i, name in enumerate(SET_FEATURES)}
    # recurring words (in 2+ sentences): storm, harbour, the, ferry -> spread 2+2+2+2 = 8;
    # set (0, 1) holds all of them, set (2, 3) only "ferry"
    assert col["term_coverage"] == pytest.approx([1.0, 2 / 8])
    assert col["is_mmr_choice"].tolist() == [1.0, 0.0]
    assert col["has_first"].tolist() == [1.0, 0.0]
    assert col["log_first_index"] == pytest.approx([0.0, np.log(3)])
    assert col["mean_score"] == pytest.approx([0.7, 0.3])
    assert col["max_similarity"] == pytest.approx([float(vectors[0] @ vectors[1]), 0.0])
    # the second sentence repeats 3 of the first one's 5 words (storm, the, harbour)
    assert col["max_word_overlap"] == pytest.approx([3 / 5, 0.0])
    assert col["log_letters_per_bullet"][0] > col["log_letters_per_bullet"][1]
    # the only word pair in two sentences is "the harbour": set (0, 1) covers it, and it is
    # 1 of the first sentence's 4 pairs and 1 of the second's 7
    assert col["bigram_coverage"] == pytest.approx([1.0, 0.0])
    assert col["bigram_recurrence"] == pytest.approx([2 / 11, 0.0])


def test_set_scorer_rejects_weights_for_other_features():
    for names in (["headline_similarity"], []):
        with pytest.raises(ModelLoadError, match="set features"):
            SetScorer({"features": names, "weights": [1.0], "mean": [0.0], "std": [1.0]})
    n = len(SET_FEATURES)
    with pytest.raises(ModelLoadError, match="wrong length"):
        SetScorer({"features": SET_FEATURES, "weights": [1.0], "mean": [0.0] * n,
                   "std": [1.0] * n})


def test_set_weights_read_only_the_features_they_name():
    # weights fitted before a feature existed (or without it) still load and score
    scorer = SetScorer({"features": ["term_coverage", "mean_score"], "weights": [1.0, -1.0],
                        "mean": [0.5, 0.0], "std": [0.5, 1.0]})
    rows = np.zeros((2, len(SET_FEATURES)))
    rows[:, SET_FEATURES.index("term_coverage")] = [0.2, 0.9]
    rows[:, SET_FEATURES.index("mean_score")] = [0.1, 0.3]
    rows[:, SET_FEATURES.index("bigram_coverage")] = [5.0, 0.0]  # not named: ignored
    assert scorer.score(rows) == pytest.approx([(0.2 - 0.5) / 0.5 - 0.1, (0.9 - 0.5) / 0.5 - 0.3])
    assert scorer.best([(0, 1), (1, 2)], rows) == (1, 2)


def test_one_bullet_summaries_use_their_own_weights():
    # the weights for several bullets prefer short bullets, those for one bullet long ones
    scorer = SetScorer({**_spec_on("log_letters_per_bullet", -1.0),
                        "single": _spec_on("log_letters_per_bullet", 1.0)})
    column = SET_FEATURES.index("log_letters_per_bullet")
    rows = np.zeros((2, len(SET_FEATURES)))
    rows[:, column] = [4.0, 5.0]  # the second candidate has the longer bullets
    assert scorer.best([(0,), (1,)], rows) == (1,)
    assert scorer.best([(0, 2), (1, 2)], rows) == (0, 2)
    # without one-bullet weights, one bullet is chosen like several
    assert _scorer_on("log_letters_per_bullet", -1.0).best([(0,), (1,)], rows) == (0,)
    with pytest.raises(ModelLoadError, match="set features"):
        SetScorer({**_spec_on("mean_score"), "single": {**_spec_on("mean_score"),
                                                         "features": ["no_such_feature"]}})


def test_best_set_wins_and_ties_go_to_the_earlier_set():
    scorer = _scorer_on("mean_score")
    sets = [(0, 1), (0, 2), (1, 2)]
    rows = np.zeros((3, len(SET_FEATURES)))
    rows[:, 0] = [0.5, 0.7, 0.7]
    assert scorer.best(sets, rows) == (0, 2)


ARTICLE = [
    "The river flooded the old town overnight after three days of rain.",  # 0
    "The river flooded the old town overnight after three days of heavy rain.",  # 1: a twin
    "Mayor Ana Ruiz said the flood barrier failed near the bridge.",  # 2
    "A local bakery sold a record number of pies on Sunday.",  # 3
    "Engineers will inspect the flood barrier and the bridge on Monday.",  # 4
]


def test_choose_bullets_uses_the_set_scorer_and_never_a_duplicate_pair():
    vectors = BagOfWordsEncoder().encode(ARTICLE)
    scores = np.array([0.9, 0.85, 0.5, 0.8, 0.4])
    mmr = choose_bullets(scores, vectors, 2, ARTICLE, set_scorer=None)
    assert sorted(mmr) == [0, 3]  # the bakery sentence, for its score
    covering = choose_bullets(scores, vectors, 2, ARTICLE, _scorer_on("term_coverage"))
    # judged by coverage, the off-topic bakery gives way: one flood line, one barrier line
    assert 3 not in covering
    assert {0, 1} & set(covering) and {2, 4} & set(covering)
    chosen, sets, rows = bullet_candidates(scores, vectors, 2, ARTICLE)
    assert sorted(chosen) == sorted(mmr) and tuple(sorted(mmr)) in sets
    assert (0, 1) not in sets  # the twins never go out together
    assert rows.shape == (len(sets), len(SET_FEATURES))


def test_too_few_sentences_fall_back_to_mmr():
    texts = ARTICLE[:2]  # twins: only one distinct bullet
    vectors = BagOfWordsEncoder().encode(texts)
    scores = np.array([0.9, 0.8])
    assert choose_bullets(scores, vectors, 2, texts, _scorer_on("mean_score", -1.0)) == [0]


def test_packaged_ranker_ships_set_weights_and_centrality_has_none():
    spec = json.loads(resources.files("summarizer.data").joinpath("ranker.json").read_text())
    assert spec["subset"]["features"] == SET_FEATURES
    # one bullet reads every set feature but the word pairs (no gain there in CV)
    assert spec["subset"]["single"]["features"] == [
        name for name in SET_FEATURES if name not in BIGRAM_SET_FEATURES
    ]
    assert isinstance(LinearScorer(spec).set_scorer, SetScorer)
    assert isinstance(LinearScorer(spec).set_scorer.single, SetScorer)
    assert isinstance(load_scorer("learned").set_scorer, SetScorer)
    assert CentralityScorer().set_scorer is None
    assert LinearScorer({k: v for k, v in spec.items() if k != "subset"}).set_scorer is None


def test_selection_config_switches_between_set_and_mmr():
    encoder = BagOfWordsEncoder()
    by_set = ExtractiveSummarizer(SummarizerConfig(), encoder=encoder)
    by_mmr = ExtractiveSummarizer(SummarizerConfig(selection="mmr"), encoder=encoder)
    assert isinstance(by_set.set_scorer, SetScorer)
    assert by_mmr.set_scorer is None
    text = " ".join(ARTICLE)
    for summarizer in (by_set, by_mmr):
        summary = summarizer.summarize(text, max_bullets=3)
        assert len(summary.bullets) == 3
        assert all(text[a:b] for a, b in (bullet.span for bullet in summary.bullets))


def test_role_epithets_can_be_switched_off_to_measure_them():
    # benchmarks/quality.py --without sport-roles; pronouns and age epithets stay
    from summarizer.text.lang.en import unnamed_person_pattern

    without_roles = unnamed_person_pattern(roles=())
    assert names_nobody("The England striker scored twice on Saturday.")
    assert not without_roles.match("The England striker scored twice on Saturday.")
    assert without_roles.match("The 23-year-old scored twice on Saturday.")
    assert without_roles.match("She scored twice on Saturday.")
