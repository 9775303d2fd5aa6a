"""Fakes shared by tests: deterministic stand-ins for models, no weights needed."""

from __future__ import annotations

import hashlib
import re
import threading
from collections.abc import Sequence

import numpy as np

from summarizer.base import Bullet, SummarizerError, Summary

_WORD = re.compile(r"[a-z0-9]+")


class BagOfWordsEncoder:
    """Hashes words into a vector: sentences sharing words are similar, like a real encoder."""

    def __init__(self, dimension: int = 256) -> None:
        self.dimension = dimension
        self.calls: list[int] = []  # batch sizes seen, to check batching
        self.model_id = "bag-of-words"

    def encode(self, sentences: Sequence[str]) -> np.ndarray:
        self.calls.append(len(sentences))
        out = np.zeros((len(sentences), self.dimension), dtype=np.float32)
        for row, sentence in enumerate(sentences):
            for word in _WORD.findall(sentence.lower()):
                if len(word) > 3:  # ignore stop-word-ish short tokens
                    h = int(hashlib.md5(word.encode()).hexdigest(), 16)
                    out[row, h % self.dimension] += 1.0
            norm = np.linalg.norm(out[row])
            if norm:
                out[row] /= norm
        return out


class FakeSummarizer:
    """Returns the first sentences of the text; counts calls; can be slowed or made to fail."""

    name = "fake"

    def __init__(self, delay: float = 0.0, error: Exception | None = None) -> None:
        self.delay = delay
        self.error = error
        self.calls = 0
        #: The article language each call was given (detected upstream, or None).
        self.article_languages: list[str | None] = []
        self._lock = threading.Lock()

    def summarize(
        self,
        text: str,
        *,
        max_bullets: int = 3,
        language: str | None = None,
        article_language: str | None = None,
    ) -> Summary:
        import time

        with self._lock:
            self.calls += 1
            self.article_languages.append(article_language)
        if self.delay:
            time.sleep(self.delay)
        if self.error:
            raise self.error
        bullets, pos = [], 0
        for part in re.split(r"(?<=[.!?])\s+|\n+", text.strip()):
            part = part.strip()
            start = text.find(part, pos)
            pos = start + len(part)
            if part:
                bullets.append(Bullet(part, (start, pos)))
            if len(bullets) == max_bullets:
                break
        return Summary(tuple(bullets), article_language or language or "en", self.name)

    def summarize_many(
        self,
        texts: Sequence[str],
        *,
        max_bullets: int = 3,
        language: str | None = None,
        article_language: str | None = None,
    ) -> list[Summary | SummarizerError]:
        options = {"max_bullets": max_bullets, "language": language}
        return [self.summarize(t, **options, article_language=article_language) for t in texts]
