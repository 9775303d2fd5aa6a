"""Answer a question from an article: the 1-3 sentences that answer it, quoted as they stand.

Relevance combines two views of each sentence: lexical (BM25 over the article's sentences, from
`rank-bm25`, plus the share of the question's informative words the sentence contains) and
semantic (cosine of the default sentence encoder's vectors). When even the best sentence scores
below `threshold`, the honest answer is "The article doesn't say." The weights and the threshold
were tuned on the tune half of benchmarks/questions/ (benchmarks/answer_bench.py).
"""

from __future__ import annotations

import hashlib
import math
import re
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np
from rank_bm25 import BM25Okapi

from summarizer.language import detect_language
from summarizer.sentences import Sentence, clean_text, split_sentences

DOESNT_SAY = "The article doesn't say."
#: Tuned on the tune split (benchmarks/answer_bench.py --tune); see BENCHMARKS.md.
THRESHOLD = 0.15
#: Weight of lexical coverage against the encoder's cosine in a sentence's confidence.
COVERAGE_WEIGHT = 0.7
#: Weight of BM25 (relative to the article's best sentence) in the ranking only.
BM25_WEIGHT = 0.0
#: Bonus in the ranking for a sentence holding the kind of answer the question asks for.
TYPE_WEIGHT = 0.3
#: A second or third quote must score at least this share of the best one.
FOLLOW_SHARE = 0.6
MAX_QUOTES = 3
#: Articles are answered from their first this many characters (the stored text is bounded too).
MAX_ARTICLE_CHARS = 60_000
#: Prepared articles kept in memory, so a thread's second question skips splitting and encoding.
INDEX_CACHE_SIZE = 64

_WORD = re.compile(r"\w+", re.UNICODE)
#: Words that carry no content in a question (English; other languages rely on BM25's idf).
_STOPWORDS = {
    "en": frozenset(
        "a an the and or but of to in on at by for with from as is are was were be been being "
        "do does did done has have had having it its this that these those there here what "
        "which who whom whose when where why how much many long old i you he she we they me "
        "him her us them my your his our their will would can could should may might shall "
        "about into over after before than then so not no yes any some if also just only "
        "tell say said says according article story".split()
    )
}


#: What kind of words answer a question that opens this way (English): a sentence holding one
#: is more likely the answer. Patterns over the question, then over a candidate sentence.
_MONTHS = "january|february|march|april|may|june|july|august|september|october|november|december"
_DAYS = "monday|tuesday|wednesday|thursday|friday|saturday|sunday"
_ANSWER_TYPES = {
    "en": (
        (re.compile(r"\b(how (many|much|old|long|fast|big)|what (share|percentage|proportion|"
                    r"time|price|level|score|rank)|where .* ranked)\b", re.I),
         re.compile(r"\d|\b(one|two|three|four|five|six|seven|eight|nine|ten|twelve|twenty|"
                    r"hundred|thousand|million|billion|decade|dozen|half|third)\b", re.I)),
        (re.compile(r"^\s*(when|what (day|date|year|month))\b", re.I),
         re.compile(rf"\b({_MONTHS}|{_DAYS}|tomorrow|yesterday|next|last|\d{{4}})\b", re.I)),
        (re.compile(r"^\s*(who|whom|whose|where|which (city|country|club|company|firm|team))\b",
                    re.I),
         re.compile(r"(?<=\w)[\s,(]+[A-Z][a-z]+")),
    )
}


class Encoder(Protocol):
    def encode(self, sentences: Sequence[str]) -> np.ndarray: ...


@dataclass(frozen=True)
class Quote:
    """One article sentence, exactly as it stands, and where it stands."""

    text: str
    start: int
    end: int
    score: float


@dataclass(frozen=True)
class Answer:
    """The quotes that answer a question (none: the article doesn't say)."""

    question: str
    quotes: tuple[Quote, ...]
    confidence: float
    #: The question's language when it differs from the article's and nothing answered it.
    other_language: str | None = None

    @property
    def answered(self) -> bool:
        return bool(self.quotes)


@dataclass
class ArticleIndex:
    """An article prepared once for any number of questions."""

    text: str
    language: str | None
    sentences: list[Sentence]
    vectors: np.ndarray
    bm25: BM25Okapi | None
    tokens: list[list[str]]


def words(text: str, language: str | None = None) -> list[str]:
    """Lower-cased, lightly stemmed content words: what BM25 and coverage compare."""
    stop = _STOPWORDS.get((language or "en").split("-")[0], frozenset())
    return [_stem(w) for w in _WORD.findall(text.lower()) if w not in stop]


def _stem(word: str) -> str:
    """A crude plural/tense trim, enough for "prices"~"price" and "approved"~"approve"."""
    for suffix in ("ies", "es", "s", "ed", "ing"):
        if len(word) > len(suffix) + 3 and word.endswith(suffix) and not word.endswith("ss"):
            return word[: -len(suffix)]
    return word


class AnswerFinder:
    """Finds the sentences of an article that answer a question; thread-safe."""

    def __init__(self, encoder: Encoder, *, threshold: float = THRESHOLD) -> None:
        self.encoder = encoder
        self.threshold = threshold
        self._indexes: OrderedDict[str, ArticleIndex] = OrderedDict()
        self._lock = threading.Lock()

    def index(self, text: str, language: str | None = None) -> ArticleIndex:
        """The article split, encoded and indexed (cached by its text)."""
        key = hashlib.sha256(text.encode("utf-8", "replace")).hexdigest()
        with self._lock:
            cached = self._indexes.get(key)
            if cached is not None:
                self._indexes.move_to_end(key)
                return cached
        built = self._build(text, language)
        with self._lock:
            self._indexes[key] = built
            while len(self._indexes) > INDEX_CACHE_SIZE:
                self._indexes.popitem(last=False)
        return built

    def _build(self, text: str, language: str | None) -> ArticleIndex:
        text = clean_text(text)[:MAX_ARTICLE_CHARS]
        language = language or detect_language(text)
        sentences = split_sentences(text, language)
        tokens = [words(s.text, language) for s in sentences]
        vectors = self.encoder.encode([s.text for s in sentences])
        # BM25Okapi divides by the average length: an article of stopwords has none
        bm25 = BM25Okapi(tokens) if any(tokens) else None
        return ArticleIndex(text, language, sentences, vectors, bm25, tokens)

    def answer(self, article: str | ArticleIndex, question: str) -> Answer:
        """The quotes answering `question`, best first; none when the article doesn't say."""
        index = article if isinstance(article, ArticleIndex) else self.index(article)
        scores = self.scores(index, question)
        if scores is None:
            return Answer(question, (), 0.0, self._other_language(index, question))
        rank, confidence = scores
        order = np.argsort(-rank, kind="stable")
        best = int(order[0])
        if confidence[best] < self.threshold:
            other = self._other_language(index, question)
            return Answer(question, (), float(confidence[best]), other)
        chosen = [best]
        for i in order[1:MAX_QUOTES]:
            i = int(i)
            if rank[i] >= FOLLOW_SHARE * rank[best] and confidence[i] >= self.threshold:
                chosen.append(i)
        quotes = tuple(self._quote(index, i, float(confidence[i])) for i in chosen)
        return Answer(question, quotes, float(confidence[best]))

    def scores(self, index: ArticleIndex, question: str) -> tuple[np.ndarray, np.ndarray] | None:
        """(ranking score, absolute confidence) per sentence; None if nothing can be compared."""
        if not index.sentences or not question.strip():
            return None
        q_words = words(question, index.language)
        q_vec = self.encoder.encode([question])[0]
        cosine = index.vectors @ q_vec
        coverage = np.zeros(len(index.sentences), dtype=np.float32)
        bm25 = np.zeros(len(index.sentences), dtype=np.float32)
        if q_words and index.bm25 is not None:
            coverage = self._coverage(index, q_words)
            raw = np.asarray(index.bm25.get_scores(q_words), dtype=np.float32)
            top = float(raw.max())
            bm25 = raw / top if top > 0 else bm25
        confidence = (1 - COVERAGE_WEIGHT) * cosine + COVERAGE_WEIGHT * coverage
        typed = self._answer_type(index, question)
        return confidence + BM25_WEIGHT * bm25 + TYPE_WEIGHT * typed, confidence

    @staticmethod
    def _answer_type(index: ArticleIndex, question: str) -> np.ndarray:
        """1 for sentences holding the kind of words the question asks for (a number for
        "how many", a date for "when", a name for "who"), else 0."""
        out = np.zeros(len(index.sentences), dtype=np.float32)
        for asks, holds in _ANSWER_TYPES.get((index.language or "en").split("-")[0], ()):
            if asks.search(question):
                out = np.array([bool(holds.search(s.text)) for s in index.sentences], np.float32)
                break
        return out

    @staticmethod
    def _coverage(index: ArticleIndex, q_words: list[str]) -> np.ndarray:
        """Share of the question's idf mass each sentence contains; words the article never
        uses weigh the most, so a question about something else scores low everywhere."""
        n = len(index.sentences)
        unseen = math.log((n + 1) / 0.5)
        weights = {w: max(index.bm25.idf.get(w, unseen), 0.05) for w in set(q_words)}
        total = sum(weights.values())
        out = np.zeros(n, dtype=np.float32)
        for i, tokens in enumerate(index.tokens):
            present = set(tokens)
            out[i] = sum(v for w, v in weights.items() if w in present) / total
        return out

    @staticmethod
    def _quote(index: ArticleIndex, i: int, score: float) -> Quote:
        sentence = index.sentences[i]
        return Quote(index.text[sentence.start : sentence.end], sentence.start, sentence.end, score)

    @staticmethod
    def _other_language(index: ArticleIndex, question: str) -> str | None:
        asked = detect_language(question)
        if asked and index.language and asked != index.language.split("-")[0]:
            return asked
        return None
