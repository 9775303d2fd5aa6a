"""The default summarizer, step by step. Start reading here.

    clean → split → drop furniture → embed → score → choose the set → polish the bullets

`read_article` does the first three (every backend starts with them); `ExtractiveSummarizer`
does the rest: it embeds every sentence of a batch in one call, scores each sentence from
its features (a learned linear scorer, or centrality + position), chooses the bullets as a
set (or one at a time by MMR) and polishes the chosen sentences into bullets, in article
order, each with the span of its source sentence. Each step is one call into the room that
does it: `text/` cleans, splits, drops page furniture and polishes; `extractive/` embeds,
scores and chooses. Every rule that depends on the article's language comes from its
language pack (`text/lang/`): a language without one gets none.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from summarizer.base import BatchFirst, Bullet, InputError, SummarizerError, Summary
from summarizer.config import SummarizerConfig
from summarizer.extractive.features import sentence_features
from summarizer.extractive.ranker import Scorer, load_scorer
from summarizer.extractive.selection import choose_bullets
from summarizer.extractive.static_encoder import StaticSentenceEncoder, TableMismatchError
from summarizer.extractive.transformer_encoder import SentenceEncoder
from summarizer.text.bullets import clean_bullet
from summarizer.text.cleaning import clean_input
from summarizer.text.furniture import drop_furniture_lines, drop_furniture_sentences
from summarizer.text.lang import LanguagePack, language_pack
from summarizer.text.language import detect_language
from summarizer.text.sentences import paragraphs, segment
from summarizer.text.units import Sentence

log = logging.getLogger(__name__)

#: Only this many leading sentences are embedded and ranked: news puts the story up front,
#: and it bounds the work per article.
MAX_SENTENCES = 80


@dataclass(frozen=True)
class Article:
    """An input read for summarizing: cleaned text, its language and its story sentences."""

    text: str
    language: str | None
    sentences: list[Sentence]
    truncated: bool

    @property
    def pack(self) -> LanguagePack:
        """The language pack whose rules apply to this article."""
        return language_pack(self.language)


def read_article(text: str, max_chars: int, article_language: str | None = None) -> Article:
    """clean → split → drop furniture; InputError when nothing is left to summarize.

    `article_language` is the language already detected upstream; otherwise it is detected here.
    """
    text, truncated = clean_input(text, max_chars)
    language = article_language or detect_language(text)
    pack = language_pack(language)  # the language's rules; none for a language without a pack
    lines = drop_furniture_lines(paragraphs(text, pack), pack)
    sentences = drop_furniture_sentences(segment(lines, language, pack), pack)
    if not sentences:
        raise InputError("I couldn't find any sentences to summarize in this text.")
    return Article(text, language, sentences, truncated)


def read_articles(
    texts: Sequence[str], max_chars: int, article_language: str | None = None
) -> list[Article | SummarizerError]:
    """`read_article` for each text; a bad text becomes its error, not a failed batch."""
    out: list[Article | SummarizerError] = []
    for text in texts:
        try:
            out.append(read_article(text, max_chars, article_language))
        except SummarizerError as exc:
            out.append(exc)
    return out


class ExtractiveSummarizer(BatchFirst):
    """The default backend: the article's own best sentences; deterministic for an input."""

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
        read: list[tuple[Article, dict[str, float]] | SummarizerError] = []
        for text in texts:  # clean → split → drop furniture
            started = time.perf_counter()
            try:
                article = read_article(text, self.config.max_input_chars, article_language)
            except SummarizerError as exc:
                read.append(exc)
                continue
            read.append((article, {"split": time.perf_counter() - started}))
        articles = [item[0] for item in read if not isinstance(item, SummarizerError)]
        # embed: one encoder call for every sentence of every article, fewer, fuller batches
        started = time.perf_counter()
        vectors = self.encoder.encode(
            [s.text for a in articles for s in a.sentences[:MAX_SENTENCES]]
        )
        embed_each = (time.perf_counter() - started) / max(1, len(articles))
        out: list[Summary | SummarizerError] = []
        offset = 0
        for item in read:
            if isinstance(item, SummarizerError):
                out.append(item)
                continue
            article, timings = item
            n = min(len(article.sentences), MAX_SENTENCES)
            timings["embed"] = embed_each
            out.append(self._bullets(article, vectors[offset : offset + n], max_bullets, timings))
            offset += n
        return out

    def _bullets(
        self, article: Article, vectors: np.ndarray, k: int, timings: dict[str, float]
    ) -> Summary:
        """score → choose the set → polish the bullets, for one article."""
        started = time.perf_counter()
        sentences = article.sentences[: len(vectors)]
        texts = [s.text for s in sentences]
        pack = article.pack
        scores = self.scorer.score(sentence_features(sentences, vectors, article.text, pack))
        chosen = choose_bullets(scores, vectors, k, texts, self.set_scorer, pack)
        bullets = tuple(
            Bullet(
                clean_bullet(sentences[i].text, self.config.target_bullet_words, pack),
                (sentences[i].start, sentences[i].end),
                float(scores[i]),
            )
            for i in sorted(chosen)
        )
        timings["rank"] = time.perf_counter() - started
        notes = ("input truncated",) if article.truncated else ()
        return Summary(bullets, article.language, self.name, timings, article.truncated, notes)


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
