"""Faithfulness guard and extractive fallback for the abstractive backends.

Every abstractive bullet is linked to its best supporting article sentence (embedding
similarity). A bullet with a number or a capitalised name the article doesn't contain, or with
support below a threshold, is replaced by that source sentence (or dropped). When a backend
fails or writes junk, the extractive summary answers instead.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass

from summarizer.base import Bullet, SummarizerError, Summary
from summarizer.config import SummarizerConfig
from summarizer.pipeline import Article
from summarizer.text.bullets import clean_bullet
from summarizer.text.lang import LanguagePack, language_pack

log = logging.getLogger(__name__)

#: Only this many leading sentences are candidates for support (bounds the embedding work).
MAX_SOURCE_SENTENCES = 200

_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_CAPITALISED = re.compile(r"\b[^\W\d_][\w'\u2019-]*")


def numbers(text: str, pack: LanguagePack | None = None) -> set[str]:
    """Numbers in `text`, normalised ("1,200" → "1200"; in English "two" → "2")."""
    found = {_normalise_number(n) for n in _NUMBER.findall(text)}
    number_words = (pack or language_pack(None)).number_words
    for word in re.findall(r"[a-z]+", text.lower()):
        if word in number_words:
            found.add(number_words[word])
    return found


def _normalise_number(raw: str) -> str:
    raw = raw.rstrip(".,")
    if re.fullmatch(r"\d{1,3}(,\d{3})+", raw):
        raw = raw.replace(",", "")
    raw = raw.replace(",", ".")  # decimal comma
    if "." in raw:
        raw = raw.rstrip("0").rstrip(".")
    return raw


def names(text: str) -> set[str]:
    """Capitalised words after the first one (likely names), and acronyms anywhere."""
    out = set()
    for i, match in enumerate(_CAPITALISED.finditer(text)):
        word = match.group().strip("'\u2019-")
        if len(word) < 2 or not word[0].isupper():
            continue
        sentence_start = i == 0 or text[: match.start()].rstrip().endswith((".", ":", "!", "?"))
        if not sentence_start or word.isupper():
            out.add(word)
    return out


@dataclass(frozen=True)
class Verdict:
    bullet: str
    source: int  # index of the best supporting sentence
    support: float
    reasons: tuple[str, ...]


class FaithfulnessGuard:
    """Checks bullets against their article; counts how often it steps in (`stats`)."""

    def __init__(self, encoder, threshold: float = 0.45, action: str = "replace") -> None:
        self.encoder = encoder
        self.threshold = threshold
        self.action = action
        self.stats = {"summaries": 0, "bullets": 0, "fired": 0, "replaced": 0, "dropped": 0}
        self._lock = threading.Lock()

    def judge(self, article: Article, bullets: Sequence[str]) -> list[Verdict]:
        sentences = article.sentences[:MAX_SOURCE_SENTENCES]
        vectors = self.encoder.encode([*bullets, *(s.text for s in sentences)])
        similarity = vectors[: len(bullets)] @ vectors[len(bullets) :].T
        pack = article.pack
        article_numbers = numbers(article.text, pack)
        article_words = {w.lower() for w in re.findall(r"\w+", article.text)}
        verdicts = []
        for i, bullet in enumerate(bullets):
            best = int(similarity[i].argmax())
            support = float(similarity[i, best])
            unsupported = numbers(bullet, pack) - article_numbers
            reasons = [f"number {n} not in the article" for n in unsupported]
            reasons += [
                f"name {n} not in the article"
                for n in sorted(names(bullet))
                if n.lower() not in article_words
            ]
            if support < self.threshold:
                reasons.append(f"weak support {support:.2f}")
            verdicts.append(Verdict(bullet, best, support, tuple(sorted(reasons))))
        return verdicts

    def apply(self, article: Article, bullets: Sequence[str]) -> tuple[list[Bullet], int]:
        """Checked bullets, each with its source span; and how many the guard changed."""
        if not bullets:
            return [], 0
        out: list[Bullet] = []
        used: set[int] = set()
        fired = replaced = dropped = 0
        for verdict in self.judge(article, bullets):
            source = article.sentences[verdict.source]
            span = (source.start, source.end)
            if not verdict.reasons:
                out.append(Bullet(verdict.bullet, span, verdict.support))
                used.add(verdict.source)
                continue
            fired += 1
            log.info("faithfulness guard fired: %s", "; ".join(verdict.reasons))
            if self.action == "replace" and verdict.source not in used:
                polished = clean_bullet(source.text, pack=article.pack)
                out.append(Bullet(polished, span, verdict.support))
                used.add(verdict.source)
                replaced += 1
            else:
                dropped += 1
        with self._lock:
            self.stats["summaries"] += 1
            self.stats["bullets"] += len(bullets)
            self.stats["fired"] += fired
            self.stats["replaced"] += replaced
            self.stats["dropped"] += dropped
        return out, fired


class Verifier:
    """Guard + extractive fallback shared by every abstractive backend (built lazily)."""

    def __init__(self, config: SummarizerConfig, *, encoder=None, extractive=None) -> None:
        self.config = config
        self._encoder = encoder
        self._extractive = extractive
        self._guard: FaithfulnessGuard | None = None
        self._lock = threading.Lock()
        self.fallbacks = 0

    @property
    def encoder(self):
        with self._lock:
            if self._encoder is None:
                from summarizer.extractive.transformer_encoder import SentenceEncoder

                self._encoder = SentenceEncoder(
                    self.config.embedding_model,
                    batch_size=self.config.batch_size,
                    torch_threads=self.config.torch_threads,
                    quantize_int8=self.config.embedding_int8,
                )
            return self._encoder

    @property
    def extractive(self):
        if self._extractive is None:
            from summarizer.pipeline import ExtractiveSummarizer

            self._extractive = ExtractiveSummarizer(self.config, encoder=self.encoder)
        return self._extractive

    @property
    def guard(self) -> FaithfulnessGuard | None:
        if not self.config.faithfulness_guard:
            return None
        if self._guard is None:
            self._guard = FaithfulnessGuard(
                self.encoder, self.config.faithfulness_threshold, self.config.faithfulness_action
            )
        return self._guard

    def finish(
        self,
        article: Article,
        bullets: Sequence[str],
        *,
        max_bullets: int,
        backend: str,
        timings: dict[str, float],
        notes: Sequence[str] = (),
    ) -> Summary:
        """The backend's bullets, guarded; the extractive summary when none survive."""
        notes = list(notes)
        if article.truncated:
            notes.append("input truncated")
        guard = self.guard
        if guard is None:
            checked = [Bullet(b) for b in bullets]
        else:
            checked, fired = guard.apply(article, bullets)
            if fired:
                notes.append(f"faithfulness guard fired on {fired} of {len(bullets)} bullets")
        if not checked:
            return self.fallback(
                article.text,
                max_bullets=max_bullets,
                article_language=article.language,
                reason=f"{backend} produced no usable bullets",
            )
        return Summary(
            tuple(checked[:max_bullets]),
            article.language,
            backend,
            timings,
            article.truncated,
            tuple(notes),
        )

    def fallback(
        self,
        text: str,
        *,
        max_bullets: int,
        article_language: str | None,
        reason: str,
        error: SummarizerError | None = None,
    ) -> Summary:
        """The extractive summary when allowed; otherwise raise `error` (or a generic one)."""
        if not self.config.fallback_to_extractive:
            raise error or SummarizerError("The model couldn't summarize this article.")
        log.warning("extractive fallback: %s", reason)
        self.fallbacks += 1
        summary = self.extractive.summarize(
            text, max_bullets=max_bullets, article_language=article_language
        )
        return Summary(
            summary.bullets,
            summary.language,
            summary.backend,
            summary.timings,
            summary.truncated,
            (*summary.notes, f"extractive fallback: {reason}"),
        )
