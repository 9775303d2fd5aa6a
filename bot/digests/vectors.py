"""Sentence vectors of a post (its text, its headline, each bullet), made once when the post is
recorded and stored with it (float16, base64), so a digest of 1,000 posts encodes nothing."""

from __future__ import annotations

import base64
import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from bot.digests.model import DigestEntry


class Encoder(Protocol):
    def encode(self, sentences: Sequence[str]) -> np.ndarray: ...


@dataclass(frozen=True)
class Vectors:
    """Unit vectors, one row per entry (text, headline) and per bullet of each entry."""

    text: np.ndarray
    title: np.ndarray
    bullets: list[np.ndarray]


def texts_of(entry: DigestEntry) -> list[str]:
    """What is encoded for a post: all of it, its headline, then each bullet."""
    return [entry.text or entry.url, entry.title or entry.site or entry.url, *entry.bullets]


def with_vectors(entry: DigestEntry, encoder: Encoder) -> DigestEntry:
    """`entry` carrying its encoded vectors (called in a worker thread when recording)."""
    rows = _unit(np.asarray(encoder.encode(texts_of(entry)), dtype=np.float32))
    packed = base64.b64encode(rows.astype(np.float16).tobytes()).decode("ascii")
    return dataclasses.replace(entry, vectors=f"{rows.shape[1]}:{packed}")


def vectors_of(entries: Sequence[DigestEntry], encoder: Encoder | None) -> Vectors | None:
    """The stored vectors of each entry; entries without them (or of another size) are
    encoded now, in one batch. None without an encoder if any entry lacks them."""
    rows: list[np.ndarray | None] = [_stored(e) for e in entries]
    dims = {r.shape[1] for r in rows if r is not None}
    if len(dims) > 1:  # the encoder changed since some were stored: encode all afresh
        rows = [None] * len(entries)
    missing = [i for i, r in enumerate(rows) if r is None]
    if missing:
        if encoder is None:
            return None
        texts = [texts_of(entries[i]) for i in missing]
        flat = _unit(np.asarray(encoder.encode([t for ts in texts for t in ts]), np.float32))
        start = 0
        for i, ts in zip(missing, texts, strict=True):
            rows[i] = flat[start : start + len(ts)]
            start += len(ts)
    done = [r for r in rows if r is not None]
    if not done:
        return Vectors(np.zeros((0, 1), np.float32), np.zeros((0, 1), np.float32), [])
    return Vectors(
        np.stack([r[0] for r in done]), np.stack([r[1] for r in done]), [r[2:] for r in done]
    )


def _stored(entry: DigestEntry) -> np.ndarray | None:
    if not entry.vectors:
        return None
    dim, _, packed = entry.vectors.partition(":")
    try:
        flat = np.frombuffer(base64.b64decode(packed), dtype=np.float16).astype(np.float32)
        rows = flat.reshape(-1, int(dim))
    except ValueError:
        return None
    return rows if len(rows) == 2 + len(entry.bullets) else None


def _unit(rows: np.ndarray) -> np.ndarray:
    return rows / np.maximum(np.linalg.norm(rows, axis=1, keepdims=True), 1e-12)
