"""How sure the answerer is that a sentence answers the question, not merely shares its topic.

A small logistic model over five views of each sentence, fitted on the tune split of
benchmarks/questions/ (`answer_bench.py --fit`): the lexical-semantic relevance the ranking
uses; its focus (the same coverage with the question's rare words weighing far more than the
article's topic words, which every sentence shares); how much of the question the article never
mentions at all; whether the sentence lacks the kind of answer the question asks for (no
count for "how many", no date for "when", no name for "who"); and whether the question names
someone or something the article never mentions.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

#: The views, in the order of `COEFFICIENTS[1:]`.
FEATURES = ("relevance", "focus", "absent", "type_missing", "name_absent")
#: Bias, then one weight per view: fitted on the tune split (answer_bench.py --fit).
COEFFICIENTS = (-0.24, 1.29, 1.31, -0.43, -3.52, -2.03)


def coverage(
    sentence_vocab: Sequence[np.ndarray], match: np.ndarray, weights: np.ndarray
) -> np.ndarray:
    """Share of the question's `weights` each sentence holds: `match[j, v]` says how well
    article word v stands for question word j (1 the same stem, less a close word, 0 none)."""
    out = np.zeros(len(sentence_vocab), dtype=np.float32)
    total = float(weights.sum())
    if total <= 0 or not match.size:
        return out
    for i, ids in enumerate(sentence_vocab):
        if ids.size:
            out[i] = float(weights @ match[:, ids].max(axis=1))
    return out / total


def features(
    relevance: np.ndarray,
    sentence_vocab: Sequence[np.ndarray],
    match: np.ndarray,
    weights: np.ndarray,
    type_missing: np.ndarray,
    is_name: np.ndarray | None = None,
) -> np.ndarray:
    """One row of `FEATURES` per sentence. `weights` are the question words' idf in the
    article (highest for words it never uses); squaring them makes "focus" follow the
    question's specific words rather than the topic words every sentence repeats."""
    focus = coverage(sentence_vocab, match, weights**2)
    total = float(weights.sum())
    unmatched = match.max(axis=1) == 0 if match.size else np.ones(len(weights), dtype=bool)
    absent = float(weights[unmatched].sum()) / total if total > 0 else 0.0
    name_absent = float(is_name is not None and bool((is_name & unmatched).any()))
    per_question = np.full(len(relevance), absent), np.full(len(relevance), name_absent)
    columns = [relevance, focus, per_question[0], type_missing, per_question[1]]
    return np.column_stack(columns).astype(np.float32)


def probability(rows: np.ndarray, coefficients: Sequence[float] | None = None) -> np.ndarray:
    """The model's chance, per sentence, that it answers the question."""
    bias, *weights = COEFFICIENTS if coefficients is None else coefficients
    z = bias + rows @ np.asarray(weights, dtype=np.float32)
    return 1.0 / (1.0 + np.exp(-z))


def fit(rows: np.ndarray, labels: np.ndarray, l2: float = 0.003, steps: int = 50) -> tuple:
    """Logistic regression by Newton's method with a little L2 on the weights (not the bias):
    the coefficients for `probability`. Used by the benchmark's --fit on the tune split."""
    x = np.column_stack([np.ones(len(rows)), rows]).astype(np.float64)
    y = labels.astype(np.float64)
    w = np.zeros(x.shape[1])
    penalty = l2 * np.diag(np.r_[0.0, np.ones(x.shape[1] - 1)])
    for _ in range(steps):
        p = 1.0 / (1.0 + np.exp(-x @ w))
        gradient = x.T @ (p - y) / len(y) + penalty @ w
        hessian = (x.T * (p * (1 - p))) @ x / len(y) + penalty + 1e-9 * np.eye(len(w))
        w -= np.linalg.solve(hessian, gradient)
    return tuple(round(float(v), 2) for v in w)
