"""Per-sentence features the ranker scores: position, length, centrality and form flags.

Features avoid anything that depends on case or tokenisation (the same article may arrive
lower-cased and tokenised, or raw), so a scorer tuned on one form carries to the other.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np

from summarizer.text.lang import LanguagePack, language_pack
from summarizer.text.units import Sentence


@dataclass(frozen=True)
class Features:
    """Per-sentence features: named scalar columns plus the sentence embeddings."""

    columns: dict[str, np.ndarray]
    embeddings: np.ndarray

    def matrix(self, names: list[str]) -> np.ndarray:
        return np.stack([self.columns[n] for n in names], axis=1)


def sentence_features(
    sentences: list[Sentence], vectors: np.ndarray, text: str, pack: LanguagePack | None = None
) -> Features:
    """Position, length, centrality and form features for each sentence."""
    n = len(sentences)
    idx = np.arange(n, dtype=np.float64)
    words = np.array([max(1, len(s.text.split())) for s in sentences], dtype=np.float64)
    if n:
        centroid = vectors.mean(axis=0)
        norm = float(np.linalg.norm(centroid)) or 1.0
        centrality = vectors @ (centroid / norm)
        sims = vectors @ vectors.T
        mean_sim = (sims.sum(axis=1) - 1.0) / max(1, n - 1)
        lead = vectors[: min(3, n)].mean(axis=0)
        lead_sim = vectors @ (lead / (float(np.linalg.norm(lead)) or 1.0))
    else:
        centrality = mean_sim = lead_sim = np.zeros(0)
    paragraph = np.array([s.paragraph for s in sentences], dtype=np.float64)
    columns = {
        "position": idx / max(1, n - 1),
        "inv_position": 1.0 / (1.0 + idx),
        "is_first": (idx == 0).astype(np.float64),
        "paragraph_inv": 1.0 / (1.0 + paragraph),
        "log_words": np.log(words),
        "too_short": (words < 8).astype(np.float64),
        "too_long": (words > 60).astype(np.float64),
        "centrality": centrality.astype(np.float64),
        "mean_similarity": mean_sim.astype(np.float64),
        "lead_similarity": lead_sim.astype(np.float64),
        "has_quote": np.array([_has_quote(s.text) for s in sentences], dtype=np.float64),
        "starts_with_quote": np.array(
            [s.text.lstrip()[:1] in "\"'“‘«" for s in sentences], dtype=np.float64
        ),
        "has_digit": np.array([any(c.isdigit() for c in s.text) for s in sentences], float),
        "question": np.array([s.text.rstrip().endswith("?") for s in sentences], float),
    }
    first_person = (pack or language_pack(None)).first_person
    columns.update(_form_free_features(sentences, vectors, idx, first_person))
    return Features(columns, vectors)


_TOKEN = re.compile(r"[^\W_]+")


def _form_free_features(
    sentences: list[Sentence], vectors: np.ndarray, idx: np.ndarray, first_person: frozenset[str]
) -> dict[str, np.ndarray]:
    """Features that read the same on raw, cased text and on lower-cased, tokenised text.

    Length is counted in letters and digits (spacing and clitic splits don't change it) and
    words are compared lower-cased, so "Don't" and "do n't" score alike.
    """
    n = len(sentences)
    if not n:
        return {name: np.zeros(0) for name in FORM_FREE_FEATURES}
    tokens = [[t.lower() for t in _TOKEN.findall(s.text)] for s in sentences]
    letters = np.array([max(1, sum(len(t) for t in toks)) for toks in tokens], np.float64)
    # article term frequency of each sentence's content words (4+ letters), scaled per article
    counts: dict[str, int] = {}
    for toks in tokens:
        for t in set(toks):
            if len(t) > 3:
                counts[t] = counts.get(t, 0) + 1
    tf = np.array(
        [
            np.mean([counts[t] for t in toks if len(t) > 3]) if any(len(t) > 3 for t in toks)
            else 0.0
            for toks in tokens
        ],
        np.float64,
    )
    sims = vectors @ vectors.T
    np.fill_diagonal(sims, -1.0)
    max_sim = sims.max(axis=1) if n > 1 else np.zeros(1)
    mean_sim = (sims.sum(axis=1) + 1.0) / max(1, n - 1)
    rank = np.empty(n)
    rank[np.argsort(-mean_sim, kind="stable")] = np.arange(n)
    return {
        "log_index": np.log1p(idx),
        "index_lt3": (idx < 3).astype(np.float64),
        "index_lt6": (idx < 6).astype(np.float64),
        "log_sentences": np.full(n, math.log(n)),
        "log_letters": np.log(letters),
        "few_letters": (letters < 40).astype(np.float64),
        "many_letters": (letters > 250).astype(np.float64),
        "max_similarity": max_sim.astype(np.float64),
        "centrality_rank": rank / max(1, n - 1),
        "centrality_z": _zscore(mean_sim),
        "term_frequency": tf / max(1.0, float(tf.max())),
        "first_person": np.array([bool(first_person & set(t)) for t in tokens], np.float64),
        "ends_colon": np.array([s.text.rstrip().endswith(":") for s in sentences], np.float64),
    }


FORM_FREE_FEATURES = (
    "log_index index_lt3 index_lt6 log_sentences log_letters few_letters many_letters "
    "max_similarity centrality_rank centrality_z term_frequency first_person ends_colon"
).split()


def _zscore(x: np.ndarray) -> np.ndarray:
    sd = float(x.std())
    return (x - float(x.mean())) / sd if sd > 1e-9 else np.zeros_like(x)


def _has_quote(text: str) -> bool:
    return any(q in text for q in "\"“”«»")
