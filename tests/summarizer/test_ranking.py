import json
from importlib import resources

import numpy as np
import pytest

from summarizer.base import ModelLoadError
from summarizer.extractive.features import FORM_FREE_FEATURES, sentence_features
from summarizer.extractive.ranker import CentralityScorer, LinearScorer, load_scorer
from summarizer.text.sentences import split_sentences
from tests.fakes import BagOfWordsEncoder

RAW = (
    "The harbour board voted on Monday to close the old ferry pier. "
    "\"It isn't safe any more,\" said Dr. Lena Ortiz, the board's engineer. "
    "Repairs would have cost £4.5 million, about twice the yearly budget. "
    "Ferries will use the new quay from 1 June. "
    "Fishermen say the decision came without warning."
)
TOKENISED = (
    "the harbour board voted on monday to close the old ferry pier . "
    "\" it is n't safe any more , \" said dr. lena ortiz , the board 's engineer . "
    "repairs would have cost £ 4.5 million , about twice the yearly budget . "
    "ferries will use the new quay from 1 june . "
    "fishermen say the decision came without warning ."
)


def _features(text):
    sentences = split_sentences(text)
    vectors = BagOfWordsEncoder().encode([s.text for s in sentences])
    return sentences, sentence_features(sentences, vectors, text)


def test_learned_scorer_loads_from_package_data_without_network():
    spec = json.loads(resources.files("summarizer.data").joinpath("ranker.json").read_text())
    assert len(json.dumps(spec)) < 64_000  # small enough to ship in the package
    scorer = load_scorer("learned")
    assert scorer.name == "learned"
    _, features = _features(RAW)
    scores = scorer.score(features)
    assert scores.shape == (5,)
    assert np.all(np.isfinite(scores))


def test_unknown_ranker_is_a_clear_error():
    with pytest.raises(ModelLoadError, match="unknown ranker"):
        load_scorer("magic")


def test_form_free_features_agree_on_raw_and_tokenised_text():
    raw_sentences, raw = _features(RAW)
    tok_sentences, tok = _features(TOKENISED)
    assert len(raw_sentences) == len(tok_sentences) == 5
    for name in ("log_index", "index_lt3", "log_letters", "few_letters", "term_frequency",
                 "has_digit", "has_quote", "first_person", "question"):
        np.testing.assert_allclose(raw.columns[name], tok.columns[name], err_msg=name)


def test_embedding_weights_are_only_used_with_their_own_encoder():
    base = {"features": ["inv_position"], "weights": [0.0], "bias": 0.0}
    spec = {
        **base,
        "embedding_model": "all-MiniLM-L6-v2",
        "embedding_weights": [1.0] + [0.0] * 255,
        "fallback": {"features": ["inv_position"], "weights": [2.0], "bias": 0.0},
    }
    same = LinearScorer(spec, "sentence-transformers/all-MiniLM-L6-v2")
    other = LinearScorer(spec, "/models/paraphrase-multilingual-MiniLM-L12-v2")
    assert same.embedding_weights is not None
    assert other.embedding_weights is None
    assert other.weights.tolist() == [2.0]
    # with the fallback, earlier sentences score higher (weight on inverse position)
    _, features = _features(RAW)
    scores = other.score(features)
    assert list(np.argsort(-scores)) == [0, 1, 2, 3, 4]


def test_centrality_scorer_prefers_the_sentence_sharing_most_words():
    text = (
        "Rain fell overnight on the coast.\n"
        "Bakers sold bread at dawn.\n"
        "The storm flood overnight on the coast broke the barrier near the harbour.\n"
        "Harbour workers watched the barrier.\n"
        "A choir sang in the chapel."
    )
    _, features = _features(text)
    scores = CentralityScorer(position_weight=0.0).score(features)
    assert int(np.argmax(scores)) == 2


def test_feature_list_is_complete():
    _, features = _features(RAW)
    for name in FORM_FREE_FEATURES:
        assert features.columns[name].shape == (5,)


def test_a_sentence_repeating_a_chosen_one_is_a_duplicate():
    from summarizer.extractive.selection import select_mmr

    texts = [
        "Officials left the football gala early after a dance show.",
        "Officials left the football gala early after a dance show by a star, a spokesman said.",
        "The league will review its event planning next season.",
    ]
    vectors = np.eye(3)  # embeddings say: all different
    scores = np.array([1.0, 0.9, 0.5])
    assert select_mmr(scores, vectors, 2) == [0, 1]
    assert select_mmr(scores, vectors, 2, texts) == [0, 2]


def test_a_photo_caption_is_picked_only_when_the_story_runs_out():
    from summarizer.extractive.selection import select_mmr

    texts = [
        "The council voted to cap cruise passengers at 8,000 a day.",
        "The deputy mayor poses with campaigners outside the town hall.",
        "The cap takes effect in April 2028.",
    ]
    vectors = np.eye(3)
    scores = np.array([1.0, 0.9, 0.5])
    assert select_mmr(scores, vectors, 2) == [0, 1]  # without texts, no caption check
    assert select_mmr(scores, vectors, 2, texts) == [0, 2]
    # asked for more bullets than there are story sentences, the caption fills the gap
    assert select_mmr(scores, vectors, 3, texts) == [0, 2, 1]
