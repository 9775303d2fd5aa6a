"""Choose the bullets among the scored sentences: as a set, or one at a time (MMR).

The set scorer (extractive/sets.py) judges candidate sets of k sentences whole; maximal
marginal relevance picks them greedily, trading each sentence's score against its similarity
to those already chosen. Either way near-duplicates and photo captions are kept out.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache

import numpy as np

from summarizer.extractive.sets import (
    SET_FEATURES,
    SetScorer,
    candidate_pool,
    candidate_sets,
    overlap_share,
    set_features,
)
from summarizer.text.lang import LanguagePack, language_pack

#: MMR trade-off between a sentence's own score and its similarity to already chosen ones.
MMR_LAMBDA = 0.7
#: A candidate this similar to a chosen bullet is a near-duplicate and skipped outright.
DUPLICATE_SIMILARITY = 0.9
#: ... and so is one that repeats this share of a chosen bullet's words.
DUPLICATE_WORDS = 0.8


def choose_bullets(
    scores: np.ndarray,
    vectors: np.ndarray,
    k: int,
    texts: Sequence[str],
    set_scorer: SetScorer | None,
    pack: LanguagePack | None = None,
) -> list[int]:
    """Indices of the bullets: MMR's greedy pick, or the set scorer's best candidate set."""
    if set_scorer is None:
        return select_mmr(scores, vectors, k, texts, pack)
    chosen, sets, rows = bullet_candidates(scores, vectors, k, texts, pack)
    return list(set_scorer.best(sets, rows)) if len(sets) > 1 else chosen


def bullet_candidates(
    scores: np.ndarray,
    vectors: np.ndarray,
    k: int,
    texts: Sequence[str],
    pack: LanguagePack | None = None,
) -> tuple[list[int], list[tuple[int, ...]], np.ndarray]:
    """MMR's pick, the candidate sets and their set features (the set scorer's input).

    The candidates are the k-subsets of the best few story sentences (no photo captions, no
    near-duplicate pair) plus MMR's pick, so a set scorer can always fall back on MMR.
    """
    pack = pack or language_pack(None)
    similarity = _similarity(vectors, len(scores))
    captions = _captions(texts, len(scores), pack)
    chosen = _mmr(scores, similarity, k, texts, captions)
    if len(chosen) < k:  # too few distinct sentences: nothing to choose between
        return chosen, [tuple(sorted(chosen))], np.zeros((1, len(SET_FEATURES)))

    @cache
    def is_duplicate(a: int, b: int) -> bool:
        return (
            similarity[a, b] >= DUPLICATE_SIMILARITY
            or _word_overlap(texts[a], texts[b]) >= DUPLICATE_WORDS
        )

    pool = candidate_pool(scores, k, captions)
    sets = candidate_sets(pool, k, chosen, is_duplicate, texts, pack)
    return chosen, sets, set_features(sets, scores, vectors, texts, chosen)


def select_mmr(
    scores: np.ndarray,
    vectors: np.ndarray,
    k: int,
    texts: Sequence[str] | None = None,
    pack: LanguagePack | None = None,
) -> list[int]:
    """Indices of up to k sentences by maximal marginal relevance (ties → earlier sentence).

    With `texts`, a sentence whose words mostly repeat a chosen one's (a caption glued to the
    sentence it repeats) counts as a duplicate even when the embeddings differ, and a photo
    caption left in the running text is picked only once the story sentences run out.
    """
    similarity = _similarity(vectors, len(scores))
    pack = pack or language_pack(None)
    captions = _captions(texts, len(scores), pack) if texts is not None else set()
    return _mmr(scores, similarity, k, texts, captions)


def _similarity(vectors: np.ndarray, n: int) -> np.ndarray:
    return vectors @ vectors.T if len(vectors) else np.zeros((n, n))


def _captions(texts: Sequence[str], n: int, pack: LanguagePack) -> set[int]:
    """The first n sentences that are photo captions (picked last, never in a candidate set)."""
    return {i for i in range(n) if pack.is_caption(texts[i])}


def _mmr(
    scores: np.ndarray,
    similarity: np.ndarray,
    k: int,
    texts: Sequence[str] | None,
    captions: set[int],
) -> list[int]:
    """select_mmr on a precomputed similarity matrix and caption set."""
    n = len(scores)
    if n == 0:
        return []
    lo, hi = float(scores.min()), float(scores.max())
    relevance = (scores - lo) / (hi - lo) if hi > lo else np.ones(n)
    chosen: list[int] = []
    for remaining in ([i for i in range(n) if i not in captions], sorted(captions)):
        while remaining and len(chosen) < k:
            if chosen:
                redundancy = similarity[np.ix_(remaining, chosen)].max(axis=1)
            else:
                redundancy = np.zeros(len(remaining))
            mmr = MMR_LAMBDA * relevance[remaining] - (1 - MMR_LAMBDA) * redundancy
            mmr[redundancy >= DUPLICATE_SIMILARITY] = -np.inf
            if texts is not None and chosen:
                for j, i in enumerate(remaining):
                    if any(_word_overlap(texts[i], texts[c]) >= DUPLICATE_WORDS for c in chosen):
                        mmr[j] = -np.inf
            best = int(np.argmax(mmr))  # the first maximum: the earlier sentence wins a tie
            if not np.isfinite(mmr[best]):
                break
            chosen.append(remaining.pop(best))
    return chosen


def _word_overlap(a: str, b: str) -> float:
    """Share of the shorter sentence's words that the other sentence also has."""
    return overlap_share(set(a.lower().split()), set(b.lower().split()))
