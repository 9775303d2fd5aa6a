"""Answer a question from an article: the 1-3 sentences that answer it, quoted as they stand.

Sentences are ranked by relevance, which combines a lexical view (BM25 over the article's
sentences, from `rank-bm25`, plus the share of the question's informative words the sentence
contains) and a semantic one (cosine of the default sentence encoder's vectors), plus a bonus
for holding the kind of answer asked for. Whether a sentence answers at all is a separate
judgement (confidence.py): when even the best sentence's confidence is below `threshold`, the
honest answer is "The article doesn't say." Weights, the confidence model and the threshold were
chosen on the tune half of benchmarks/questions/ only (benchmarks/answer_bench.py).
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

from summarizer.answers import confidence
from summarizer.text.cleaning import clean_text
from summarizer.text.lang import language_pack
from summarizer.text.language import detect_language
from summarizer.text.sentences import split_sentences
from summarizer.text.units import Sentence

DOESNT_SAY = "The article doesn't say."
#: The confidence (a probability, confidence.py) the best sentence needs: chosen on the tune
#: split (benchmarks/answer_bench.py --fit) as the lowest on the plateau of quoted right +
#: doesn't say; see BENCHMARKS.md.
THRESHOLD = 0.45
#: Weight of lexical coverage against the encoder's cosine in a sentence's relevance.
COVERAGE_WEIGHT = 0.7
#: Weight of BM25 (relative to the article's best sentence) in the ranking only.
BM25_WEIGHT = 0.15
#: Bonus in the ranking for a sentence holding the kind of answer the question asks for.
TYPE_WEIGHT = 0.6
#: A second or third quote must score at least this share of the best one.
FOLLOW_SHARE = 0.5
MAX_QUOTES = 3
#: Articles are answered from their first this many characters (the stored text is bounded too).
MAX_ARTICLE_CHARS = 60_000
#: Prepared articles kept in memory, so a thread's second question skips splitting and encoding.
INDEX_CACHE_SIZE = 64

#: A question word this similar (encoder cosine) to an article word counts as a partial match.
SOFT_MATCH = 0.6
#: Words are compared by this many leading characters (after a suffix trim).
STEM_CHARS = 6
_WORD = re.compile(r"\w+", re.UNICODE)


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
    #: The article's distinct word stems, a vector for each, and each sentence's stem ids:
    #: for soft matches ("payouts" ~ "dividend") between question and sentence words.
    vocab: dict[str, int]
    vocab_vectors: np.ndarray
    sentence_vocab: list[np.ndarray]


def words(text: str, language: str | None = None) -> list[str]:
    """Lower-cased, lightly stemmed content words: what BM25 and coverage compare."""
    return [stem for stem, _word in terms(text, language)]


def terms(text: str, language: str | None = None) -> list[tuple[str, str]]:
    """(stem, word) for each content word of `text`."""
    rules = language_pack(language).question_rules()
    stop, suffixes = rules.stopwords, rules.stem_suffixes
    return [(_stem(w, suffixes), w) for w in _WORD.findall(text.lower()) if w not in stop]


def names(question: str, language: str | None = None) -> set[str]:
    """Stems of the names in a question (by the language's pattern; none without one)."""
    rules = language_pack(language).question_rules()
    if rules.names is None:
        return set()
    return {_stem(name.lower(), rules.stem_suffixes) for name in rules.names.findall(question)}


def _stem(word: str, suffixes: tuple[str, ...]) -> str:
    """A crude trim, enough for "prices"~"price", "approved"~"approve" and
    "directing"~"director": the language's suffixes off, then the first STEM_CHARS
    characters."""
    for suffix in suffixes:
        if len(word) > len(suffix) + 3 and word.endswith(suffix) and not word.endswith("ss"):
            word = word[: -len(suffix)]
            break
    return word[:STEM_CHARS]


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
        pairs = [terms(s.text, language) for s in sentences]
        tokens = [[stem for stem, _ in p] for p in pairs]
        surface: dict[str, str] = {}
        for p in pairs:
            for stem, word in p:
                surface.setdefault(stem, word)
        vocab = {stem: i for i, stem in enumerate(surface)}
        # one encoder call for sentences and words together
        encoded = self.encoder.encode([*(s.text for s in sentences), *surface.values()])
        vectors, vocab_vectors = encoded[: len(sentences)], encoded[len(sentences) :]
        sentence_vocab = [np.array(sorted({vocab[t] for t in ts}), dtype=np.int64) for ts in tokens]
        # BM25Okapi divides by the average length: an article of stopwords has none
        bm25 = BM25Okapi(tokens) if any(tokens) else None
        return ArticleIndex(
            text, language, sentences, vectors, bm25, tokens, vocab, vocab_vectors, sentence_vocab
        )

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
        """(ranking score, confidence) per sentence; None if nothing can be compared."""
        views = self.views(index, question)
        if views is None:
            return None
        rank, rows = views
        return rank, confidence.probability(rows)

    def views(self, index: ArticleIndex, question: str) -> tuple[np.ndarray, np.ndarray] | None:
        """(ranking score, the confidence model's `FEATURES`) per sentence."""
        if not index.sentences or not question.strip():
            return None
        n = len(index.sentences)
        q_terms = terms(question, index.language)
        q_vec = self.encoder.encode([question])[0]
        cosine = index.vectors @ q_vec
        distinct = list(dict(q_terms).items())
        match = np.zeros((0, len(index.vocab)), dtype=np.float32)
        weights = np.zeros(0, dtype=np.float32)
        coverage = np.zeros(n, dtype=np.float32)
        bm25 = np.zeros(n, dtype=np.float32)
        if q_terms and index.bm25 is not None:
            match, weights = self._matches(index, distinct)
            coverage = confidence.coverage(index.sentence_vocab, match, weights)
            raw = np.asarray(index.bm25.get_scores([stem for stem, _ in q_terms]), np.float32)
            top = float(raw.max())
            bm25 = raw / top if top > 0 else bm25
        relevance = (1 - COVERAGE_WEIGHT) * cosine + COVERAGE_WEIGHT * coverage
        asks, typed = self._answer_type(index, question)
        rank = relevance + BM25_WEIGHT * bm25 + TYPE_WEIGHT * typed
        missing = (1.0 - typed) if asks else np.zeros(n, dtype=np.float32)
        named = names(question, index.language)
        is_name = np.array([stem in named for stem, _ in distinct], dtype=bool)
        rows = confidence.features(
            relevance, index.sentence_vocab, match, weights, missing, is_name[: len(weights)]
        )
        return rank, rows

    @staticmethod
    def _answer_type(index: ArticleIndex, question: str) -> tuple[bool, np.ndarray]:
        """Whether the question asks for a kind of answer (a number for "how many", a date for
        "when", a name for "who"), and 1 for each sentence holding one."""
        out = np.zeros(len(index.sentences), dtype=np.float32)
        for asks, holds in language_pack(index.language).question_rules().answer_types:
            if asks.search(question):
                out = np.array([bool(holds.search(s.text)) for s in index.sentences], np.float32)
                return True, out
        return False, out

    def _matches(
        self, index: ArticleIndex, q_terms: list[tuple[str, str]]
    ) -> tuple[np.ndarray, np.ndarray]:
        """How well each article word stands for each question word (1 the same stem, its
        encoder similarity for a close word, else 0), and each question word's idf: a word the
        article never uses weighs the most, so a question about something else scores low."""
        n = len(index.sentences)
        unseen = math.log((n + 1) / 0.5)
        match = np.zeros((len(q_terms), len(index.vocab)), dtype=np.float32)
        if SOFT_MATCH < 1.0 and len(index.vocab):
            sims = self.encoder.encode([word for _, word in q_terms]) @ index.vocab_vectors.T
            match = np.where(sims >= SOFT_MATCH, sims, 0.0).astype(np.float32)
        weights = np.zeros(len(q_terms), dtype=np.float32)
        stems = list(index.vocab)
        for j, (stem, _word) in enumerate(q_terms):
            if stem in index.vocab:
                match[j, index.vocab[stem]] = 1.0
                weights[j] = index.bm25.idf.get(stem, unseen)
            elif match[j].any():  # weighed as the article word it stands for
                weights[j] = index.bm25.idf.get(stems[int(match[j].argmax())], unseen)
            else:
                weights[j] = unseen
        return match, np.maximum(weights, 0.05)

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
