"""Sentence features and the scorers that turn them into one relevance score.

Features avoid anything that depends on case or tokenisation (the same article may arrive
lower-cased and tokenised, or raw), so a scorer tuned on one form carries to the other.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from importlib import resources
from typing import Protocol

import numpy as np

from summarizer.base import ModelLoadError
from summarizer.sentences import Sentence

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
    return Features(columns, vectors)


def _has_quote(text: str) -> bool:
    return any(q in text for q in "\"“”«»")


class Scorer(Protocol):
    name: str

    def score(self, features: Features) -> np.ndarray: ...


class CentralityScorer:
    """Unsupervised: closeness to the article's centroid, boosted for early sentences."""

    name = "centrality"

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
    """A logistic-regression scorer whose weights ship as a small JSON file."""

    name = "learned"

    def __init__(self, spec: dict) -> None:
        self.feature_names: list[str] = list(spec["features"])
        self.weights = np.asarray(spec["weights"], dtype=np.float64)
        self.mean = np.asarray(spec.get("mean", [0.0] * len(self.feature_names)), np.float64)
        self.std = np.asarray(spec.get("std", [1.0] * len(self.feature_names)), np.float64)
        self.bias = float(spec.get("bias", 0.0))
        emb = spec.get("embedding_weights")
        self.embedding_weights = None if emb is None else np.asarray(emb, dtype=np.float64)
        if len(self.weights) != len(self.feature_names):
            raise ModelLoadError("ranker weights do not match its feature list")

    def score(self, features: Features) -> np.ndarray:
        x = (features.matrix(self.feature_names) - self.mean) / np.where(self.std, self.std, 1)
        logits = x @ self.weights + self.bias
        if self.embedding_weights is not None and len(features.embeddings):
            logits = logits + features.embeddings.astype(np.float64) @ self.embedding_weights
        return 1.0 / (1.0 + np.exp(-np.clip(logits, -30, 30)))


def load_scorer(name: str) -> Scorer:
    """The scorer a config names; the learned one is read from package data."""
    if name == "centrality":
        return CentralityScorer()
    if name == "learned":
        try:
            spec = json.loads(
                resources.files("summarizer.data").joinpath(LEARNED_SCORER_FILE).read_text()
            )
        except (FileNotFoundError, ModuleNotFoundError, json.JSONDecodeError) as exc:
            raise ModelLoadError(f"the packaged ranker weights cannot be read: {exc}") from exc
        return LinearScorer(spec)
    raise ModelLoadError(f"unknown ranker {name!r}; use 'learned' or 'centrality'")


def sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))
