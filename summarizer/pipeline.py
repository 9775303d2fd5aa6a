"""The embedded default backend: pick the article's own best sentences.

Sentences are embedded (by default with static token vectors distilled from MiniLM) and
scored (learned scorer or unsupervised centrality + position). The learned scorer's bullets
are then chosen as a set: the candidate sets drawn from the best sentences are scored whole
(summarizer/subsets.py). Otherwise they are picked greedily by maximal marginal relevance,
so bullets don't repeat each other. Either way they come back in article order with the
span of their source sentence.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

import numpy as np

from summarizer.abstractive.prompting import prepare_article
from summarizer.base import Bullet, SummarizerError, Summary
from summarizer.config import SummarizerConfig
from summarizer.extractive.ranker import Scorer, load_scorer, sentence_features
from summarizer.extractive.sets import (
    SET_FEATURES,
    SetScorer,
    candidate_pool,
    candidate_sets,
    overlap_share,
    set_features,
)
from summarizer.extractive.static_encoder import StaticSentenceEncoder, TableMismatchError
from summarizer.extractive.transformer_encoder import SentenceEncoder
from summarizer.text.bullets import clean_bullet
from summarizer.text.furniture import is_photo_caption
from summarizer.text.sentences import Sentence

log = logging.getLogger(__name__)

#: Only this many leading sentences are embedded and ranked: news puts the story up front,
#: and it bounds the work per article.
MAX_SENTENCES = 80
#: MMR trade-off between a sentence's own score and its similarity to already chosen ones.
MMR_LAMBDA = 0.7
#: A candidate this similar to a chosen bullet is a near-duplicate and skipped outright.
DUPLICATE_SIMILARITY = 0.9
#: ... and so is one that repeats this share of a chosen bullet's words.
DUPLICATE_WORDS = 0.8


def sentence_encoder(config: SummarizerConfig) -> SentenceEncoder | StaticSentenceEncoder:
    """The encoder a config asks for: static vectors for the embedded model, else the model.

    If the installed embedded model's tokenizer no longer matches the packaged table (a new
    release of its package), the bot keeps working on the model itself, slower, and says so.
    """
    if config.embedding_static and not config.embedding_model:
        try:
            return StaticSentenceEncoder()
        except TableMismatchError as exc:
            log.warning("%s; running the sentence model itself instead", exc)
    return SentenceEncoder(
        config.embedding_model,
        batch_size=config.batch_size,
        torch_threads=config.torch_threads,
        quantize_int8=config.embedding_int8,
    )


@dataclass
class _Prepared:
    text: str
    sentences: list[Sentence]
    language: str | None
    truncated: bool
    timings: dict[str, float]


class ExtractiveSummarizer:
    """Extractive summarizer; deterministic for a given model and input."""

    name = "extractive"

    def __init__(
        self,
        config: SummarizerConfig | None = None,
        *,
        encoder: SentenceEncoder | StaticSentenceEncoder | None = None,
        scorer: Scorer | None = None,
    ) -> None:
        self.config = config or SummarizerConfig()
        self.encoder = encoder or sentence_encoder(self.config)
        self.scorer = scorer or load_scorer(
            self.config.ranker, getattr(self.encoder, "model_id", None)
        )
        self.set_scorer = self.scorer.set_scorer if self.config.selection == "set" else None

    def summarize(
        self,
        text: str,
        *,
        max_bullets: int = 3,
        language: str | None = None,
        article_language: str | None = None,
    ) -> Summary:
        result = self.summarize_many(
            [text], max_bullets=max_bullets, language=language, article_language=article_language
        )[0]
        if isinstance(result, SummarizerError):
            raise result
        return result

    def summarize_many(
        self,
        texts: Sequence[str],
        *,
        max_bullets: int = 3,
        language: str | None = None,
        article_language: str | None = None,
    ) -> list[Summary | SummarizerError]:
        """Summaries in input order; one bad text yields its error, not a failed batch."""
        if not 1 <= max_bullets <= 10:
            raise ValueError("max_bullets must be between 1 and 10")
        prepared: list[_Prepared | SummarizerError] = []
        for text in texts:
            try:
                prepared.append(self._prepare(text, article_language))
            except SummarizerError as exc:
                prepared.append(exc)
        docs = [p for p in prepared if isinstance(p, _Prepared)]
        # One encoder call for every sentence of every article: fewer, fuller batches.
        started = time.perf_counter()
        flat = [s.text for d in docs for s in d.sentences[:MAX_SENTENCES]]
        vectors = self.encoder.encode(flat)
        embed_each = (time.perf_counter() - started) / max(1, len(docs))
        out: list[Summary | SummarizerError] = []
        offset = 0
        for item in prepared:
            if isinstance(item, SummarizerError):
                out.append(item)
                continue
            n = min(len(item.sentences), MAX_SENTENCES)
            item.timings["embed"] = embed_each
            out.append(self._rank(item, vectors[offset : offset + n], max_bullets))
            offset += n
        return out

    def _prepare(self, text: str, article_language: str | None) -> _Prepared:
        started = time.perf_counter()
        article = prepare_article(text, self.config.max_input_chars, article_language)
        timings = {"split": time.perf_counter() - started}
        return _Prepared(
            article.text, article.sentences, article.language, article.truncated, timings
        )

    def _rank(self, doc: _Prepared, vectors: np.ndarray, max_bullets: int) -> Summary:
        started = time.perf_counter()
        sentences = doc.sentences[: len(vectors)]
        features = sentence_features(sentences, vectors, doc.text)
        scores = self.scorer.score(features)
        chosen = choose_bullets(
            scores, vectors, max_bullets, [s.text for s in sentences], self.set_scorer
        )
        bullets = tuple(
            Bullet(
                clean_bullet(sentences[i].text, self.config.target_bullet_words),
                (sentences[i].start, sentences[i].end),
                float(scores[i]),
            )
            for i in sorted(chosen)
        )
        doc.timings["rank"] = time.perf_counter() - started
        notes = ("input truncated",) if doc.truncated else ()
        return Summary(bullets, doc.language, self.name, doc.timings, doc.truncated, notes)


def choose_bullets(
    scores: np.ndarray,
    vectors: np.ndarray,
    k: int,
    texts: Sequence[str],
    set_scorer: SetScorer | None,
) -> list[int]:
    """Indices of the bullets: MMR's greedy pick, or the set scorer's best candidate set."""
    if set_scorer is None:
        return select_mmr(scores, vectors, k, texts)
    chosen, sets, rows = bullet_candidates(scores, vectors, k, texts)
    return list(set_scorer.best(sets, rows)) if len(sets) > 1 else chosen


def bullet_candidates(
    scores: np.ndarray, vectors: np.ndarray, k: int, texts: Sequence[str]
) -> tuple[list[int], list[tuple[int, ...]], np.ndarray]:
    """MMR's pick, the candidate sets and their set features (the set scorer's input).

    The candidates are the k-subsets of the best few story sentences (no photo captions, no
    near-duplicate pair) plus MMR's pick, so a set scorer can always fall back on MMR.
    """
    similarity = _similarity(vectors, len(scores))
    captions = _captions(texts, len(scores))
    chosen = _mmr(scores, similarity, k, texts, captions)
    if len(chosen) < k:  # too few distinct sentences: nothing to choose between
        return chosen, [tuple(sorted(chosen))], np.zeros((1, len(SET_FEATURES)))

    @cache
    def is_duplicate(a: int, b: int) -> bool:
        return (
            similarity[a, b] >= DUPLICATE_SIMILARITY
            or _word_overlap(texts[a], texts[b]) >= DUPLICATE_WORDS
        )

    sets = candidate_sets(candidate_pool(scores, k, captions), k, chosen, is_duplicate, texts)
    return chosen, sets, set_features(sets, scores, vectors, texts, chosen)


def select_mmr(
    scores: np.ndarray, vectors: np.ndarray, k: int, texts: Sequence[str] | None = None
) -> list[int]:
    """Indices of up to k sentences by maximal marginal relevance (ties → earlier sentence).

    With `texts`, a sentence whose words mostly repeat a chosen one's (a caption glued to the
    sentence it repeats) counts as a duplicate even when the embeddings differ, and a photo
    caption left in the running text is picked only once the story sentences run out.
    """
    similarity = _similarity(vectors, len(scores))
    captions = _captions(texts, len(scores)) if texts is not None else set()
    return _mmr(scores, similarity, k, texts, captions)


def _similarity(vectors: np.ndarray, n: int) -> np.ndarray:
    return vectors @ vectors.T if len(vectors) else np.zeros((n, n))


def _captions(texts: Sequence[str], n: int) -> set[int]:
    """The first n sentences that are photo captions (picked last, never in a candidate set)."""
    return {i for i in range(n) if is_photo_caption(texts[i])}


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
