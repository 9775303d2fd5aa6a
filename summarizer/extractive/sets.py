"""Choose the bullets as a set: a linear scorer over candidate sets of k sentences.

Maximal marginal relevance picks sentences one at a time, each for its own score. A summary is
better judged whole: do its bullets cover the words the article keeps returning to, how long
are they, do they repeat each other. This module scores each candidate
set (the k-subsets of the few best sentences, plus MMR's own pick) with a linear model over such
set features and keeps the best. The weights ship in `ranker.json` under "subset", fitted by
`benchmarks/train_ranker.py` to each candidate set's ROUGE against the reference.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Sequence
from collections.abc import Set as AbstractSet
from itertools import combinations, pairwise

import numpy as np

from summarizer.base import ModelLoadError
from summarizer.text.lang import LanguagePack, language_pack

#: Set features, in the order of a candidate row (all independent of case and tokenisation).
SET_FEATURES = [
    "mean_score",  # the sentence ranker's probabilities, averaged over the set
    "mean_logit",  # ... and their log-odds
    "max_similarity",  # the most similar pair of bullets (embedding cosine)
    "mean_similarity",
    "centroid_similarity",  # the set's mean vector against the article's
    "log_letters_per_bullet",
    "has_first",  # where the set sits in the article
    "log_first_index",
    "log_last_index",
    "max_word_overlap",  # share of a bullet's words another bullet repeats
    "term_coverage",  # share of the article's recurring words the set contains
    "is_mmr_choice",
    "bigram_coverage",  # ... and of its recurring word pairs
    "bigram_recurrence",  # share of the set's word pairs found in another sentence too
]
#: The word-pair features: they help three bullets (CV ROUGE-2 +0.16, every fold), not one.
BIGRAM_SET_FEATURES = ("bigram_coverage", "bigram_recurrence")
#: The set features that say where a set sits in its article.
POSITION_SET_FEATURES = frozenset({"has_first", "log_first_index", "log_last_index"})
#: Candidates are the k-subsets of this many of the best sentences (more for larger k):
#: 20 sets for 3 bullets, 56 for 5.
POOL_SIZE = 6
POOL_EXTRA = 3
_WORD = re.compile(r"\w+")


def candidate_pool(scores: np.ndarray, k: int, excluded: set[int]) -> list[int]:
    """The best-scored sentences the candidate sets are drawn from (ties → earlier sentence)."""
    order = [int(i) for i in np.argsort(-scores, kind="stable") if int(i) not in excluded]
    return order[: max(POOL_SIZE, k + POOL_EXTRA)]


def candidate_sets(
    pool: Sequence[int],
    k: int,
    mmr_choice: Sequence[int],
    is_duplicate: Callable[[int, int], bool],
    texts: Sequence[str] = (),
    pack: LanguagePack | None = None,
) -> list[tuple[int, ...]]:
    """Sorted k-subsets of the pool without a near-duplicate pair, and MMR's own choice.

    When MMR's choice of two or more bullets holds the article's first sentence, every
    candidate does: a long lede loses to shorter sentences on length, yet it is the line a
    reader most needs (in CV, keeping it cost no ROUGE and kept the lede in 80 % of articles
    instead of 68 %). One bullet is left free: its weights prefer long, covering sentences, so
    a lede does not lose on length there, and in CV holding the one bullet to the lede cost
    ROUGE on CNN/DM at one bullet in every fold, and on XSum.
    With `texts`, a set may not bring in a sentence that leans on the one before it ("such a
    study", "They said …") without that one, unless MMR picked it too: such a bullet is
    short and on topic, so the set scorer likes it, but alone it does not make sense.
    MMR's pick is no exception for a sentence that opens on a person it does not name
    ("She had attributed her longevity …"): such a sentence comes into a set only with the
    one before it, and MMR's set without that one is dropped while two other sets are left.
    Which openings lean back or name nobody is the article's language pack's to say.
    """
    pack = pack or language_pack(None)
    lede = 0 in mmr_choice and k > 1
    sentences = sorted({*pool, 0}) if lede else sorted(pool)
    mmr = tuple(sorted(mmr_choice))
    unnamed = {i for i in {*sentences, *mmr} if texts and pack.names_nobody(texts[i])}
    leaning = unnamed | {
        i for i in sentences if texts and pack.needs_previous(texts[i]) and i not in mmr_choice
    }
    sets = {
        c
        for c in combinations(sentences, k)
        if (not lede or 0 in c)
        and not any(i in leaning and i - 1 not in c for i in c)
        and not any(is_duplicate(a, b) for a, b in combinations(c, 2))
    }
    sets.add(mmr)
    if len(sets) > 2 and any(i in unnamed and i - 1 not in mmr for i in mmr):
        sets.discard(mmr)
    return sorted(sets)


def set_features(
    sets: Sequence[tuple[int, ...]],
    scores: np.ndarray,
    vectors: np.ndarray,
    texts: Sequence[str],
    mmr_choice: Sequence[int],
) -> np.ndarray:
    """One row of SET_FEATURES per candidate set; `scores` are the ranker's probabilities.

    Everything per sentence or per pair is computed once for the few sentences the sets
    draw on, so scoring 20-56 sets costs little more than MMR.
    """
    tokens = [_WORD.findall(t.lower()) for t in texts]
    words = [frozenset(ts) for ts in tokens]
    pairs_in = [frozenset(pairwise(ts)) for ts in tokens]
    spread = Counter(w for ws in words for w in ws)
    recurring_mass = sum(c for c in spread.values() if c >= 2) or 1
    pair_spread = Counter(b for bs in pairs_in for b in bs)
    recurring_pair_mass = sum(c for c in pair_spread.values() if c >= 2) or 1
    members = sorted(set().union(*sets))
    p = {i: min(max(float(scores[i]), 1e-9), 1 - 1e-9) for i in members}
    logit = {i: math.log(p[i] / (1 - p[i])) for i in members}
    letters = {i: sum(ch.isalnum() for ch in texts[i]) for i in members}
    centroid = vectors.mean(axis=0)
    centroid = centroid / (float(np.linalg.norm(centroid)) or 1.0)
    to_centroid = {i: float(vectors[i] @ centroid) for i in members}
    gram = vectors[members] @ vectors[members].T
    sim = {(a, b): float(gram[x, y]) for x, a in enumerate(members) for y, b in enumerate(members)}
    mmr = tuple(sorted(mmr_choice))
    rows = []
    for s in sets:
        pairs = list(combinations(s, 2))
        sims = [sim[pair] for pair in pairs] or [0.0]
        overlaps = [overlap_share(words[a], words[b]) for a, b in pairs] or [0.0]
        # cosine of the set's mean vector with the centroid, from dot products alone
        norm = math.sqrt(max(sum(sim[a, b] for a in s for b in s), 1e-12))
        covered = frozenset().union(*(words[i] for i in s))
        covered_pairs = frozenset().union(*(pairs_in[i] for i in s))
        own_pairs = sum(len(pairs_in[i]) for i in s) or 1
        rows.append([
            sum(p[i] for i in s) / len(s),
            sum(logit[i] for i in s) / len(s),
            max(sims),
            sum(sims) / len(sims),
            sum(to_centroid[i] for i in s) / norm,
            math.log(sum(letters[i] for i in s) / len(s) + 1.0),
            float(0 in s),
            math.log1p(min(s)),
            math.log1p(max(s)),
            max(overlaps),
            sum(c for w in covered if (c := spread[w]) >= 2) / recurring_mass,
            float(s == mmr),
            sum(c for b in covered_pairs if (c := pair_spread[b]) >= 2) / recurring_pair_mass,
            sum(pair_spread[b] >= 2 for i in s for b in pairs_in[i]) / own_pairs,
        ])
    return np.array(rows, dtype=np.float64).reshape(len(sets), len(SET_FEATURES))


def overlap_share(a: AbstractSet[str], b: AbstractSet[str]) -> float:
    """Share of the smaller word set that the other one also holds."""
    return len(a & b) / max(1, min(len(a), len(b)))


class SetScorer:
    """Linear scorer over SET_FEATURES rows; the highest-scored set becomes the bullets.

    A one-bullet summary is a different task from three bullets: the one sentence has to
    carry the story alone, so it should be longer and cover more. When the spec has
    "single" weights (fitted on one-bullet candidates), they choose one-bullet summaries.
    Each set of weights names the SET_FEATURES it reads, so the two need not read the same.
    """

    def __init__(self, spec: dict) -> None:
        names = list(spec.get("features", []))
        if not names or any(name not in SET_FEATURES for name in names):
            raise ModelLoadError("the ranker's set weights do not match the set features")
        self.columns = [SET_FEATURES.index(name) for name in names]
        self.weights = np.asarray(spec["weights"], dtype=np.float64)
        self.mean = np.asarray(spec["mean"], dtype=np.float64)
        self.std = np.asarray(spec["std"], dtype=np.float64)
        if not len(self.weights) == len(self.mean) == len(self.std) == len(names):
            raise ModelLoadError("the ranker's set weights have the wrong length")
        single = spec.get("single")
        self.single: SetScorer | None = SetScorer(single) if single else None

    def score(self, rows: np.ndarray) -> np.ndarray:
        rows = rows[:, self.columns]
        return ((rows - self.mean) / np.where(self.std > 0, self.std, 1.0)) @ self.weights

    def best(self, sets: Sequence[tuple[int, ...]], rows: np.ndarray) -> tuple[int, ...]:
        """The best set (ties → the first, i.e. the earliest sentences)."""
        scorer = self.single if self.single is not None and len(sets[0]) == 1 else self
        return sets[int(np.argmax(scorer.score(rows)))]
