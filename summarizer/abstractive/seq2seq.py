"""Abstractive bullets from any Hugging Face seq2seq model (BART, PEGASUS, T5, mT5, mBART).

preprocess: split the article into sentence-aligned chunks that fit the model's window.
forward: summarize every chunk of every article in padded, length-sorted generate batches; an
article with several chunks is reduced by summarizing the joined chunk summaries (map-reduce).
postprocess: split the output into sentences, drop near-duplicates, guard, keep N bullets.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence

from summarizer.abstractive.faithfulness import Verifier
from summarizer.abstractive.prompting import dedupe
from summarizer.base import BatchFirst, SummarizerError, Summary
from summarizer.config import SummarizerConfig
from summarizer.pipeline import Article, read_articles
from summarizer.serving.models import load_pretrained, model_window
from summarizer.text.sentences import split_sentences

log = logging.getLogger(__name__)

#: Reduce rounds at most; each round shrinks the text by about the model's compression ratio.
MAX_REDUCE_ROUNDS = 3


class Seq2SeqSummarizer(BatchFirst):
    """Seq2seq backend; thread-safe (generate calls are serialized on one lock)."""

    name = "seq2seq"

    def __init__(self, config: SummarizerConfig, *, encoder=None, extractive=None) -> None:
        from transformers import AutoModelForSeq2SeqLM

        self.config = config
        self.tokenizer, self.model = load_pretrained(config, self.name, AutoModelForSeq2SeqLM)
        self.window = model_window(self.tokenizer, self.model.config)
        self.prefix = _task_prefix(self.model.config)
        overhead = self.tokenizer.num_special_tokens_to_add(pair=False)
        if self.prefix:
            overhead += len(self.tokenizer(self.prefix, add_special_tokens=False)["input_ids"])
        #: Tokens of article text per chunk.
        self.budget = max(16, self.window - overhead)
        self.verifier = Verifier(config, encoder=encoder, extractive=extractive)
        #: Batch size of every generate call, in order (tests and metrics read it).
        self.generate_calls: list[int] = []
        self._lock = threading.Lock()

    def summarize_many(
        self,
        texts: Sequence[str],
        *,
        max_bullets: int = 3,
        language: str | None = None,
        article_language: str | None = None,
    ) -> list[Summary | SummarizerError]:
        """Summaries in input order; one bad text yields its error, not a failed batch."""
        started = time.perf_counter()
        articles = read_articles(texts, self.config.max_input_chars, article_language)
        live = [i for i, a in enumerate(articles) if isinstance(a, Article)]
        chunks = {i: self.chunk([s.text for s in articles[i].sentences]) for i in live}
        split_time = time.perf_counter() - started
        try:
            outputs, rounds = self._map_reduce(chunks)
        except RuntimeError:  # torch errors (out of memory, bad input) stay per-batch
            log.exception("seq2seq generate failed")
            error = SummarizerError("The model failed while summarizing; try again later.")
            return [
                a if isinstance(a, SummarizerError) else self._fallback(a, max_bullets, error)
                for a in articles
            ]
        generate_time = (time.perf_counter() - started - split_time) / max(1, len(live))
        results: list[Summary | SummarizerError] = []
        for i, article in enumerate(articles):
            if isinstance(article, SummarizerError):
                results.append(article)
                continue
            notes = []
            if len(chunks[i]) > 1:
                notes.append(f"map-reduce over {len(chunks[i])} chunks in {rounds[i]} rounds")
            t0 = time.perf_counter()
            bullets = self.to_bullets(outputs[i], article.language)
            timings = {"split": split_time / max(1, len(live)), "generate": generate_time}
            try:
                summary = self.verifier.finish(
                    article, bullets, max_bullets=max_bullets, backend=self.name,
                    timings=timings, notes=notes,
                )  # fmt: skip
            except SummarizerError as exc:
                results.append(exc)
                continue
            summary.timings["guard"] = time.perf_counter() - t0
            results.append(summary)
        return results

    def chunk(self, sentences: Sequence[str]) -> list[str]:
        """Sentences packed greedily into chunks of at most `budget` tokens."""
        if not sentences:
            return []
        lengths = [
            len(ids)
            for ids in self.tokenizer(list(sentences), add_special_tokens=False)["input_ids"]
        ]
        chunks: list[str] = []
        current: list[str] = []
        used = 0
        for sentence, n in zip(sentences, lengths, strict=True):
            if current and used + n > self.budget:
                chunks.append(" ".join(current))
                current, used = [], 0
            current.append(sentence)  # a lone over-long sentence is truncated by the tokenizer
            used += n
        if current:
            chunks.append(" ".join(current))
        return chunks

    def to_bullets(self, output: str, language: str | None) -> list[str]:
        """Output sentences, whitespace-normalised, near-duplicates removed."""
        sentences = [" ".join(s.text.split()) for s in split_sentences(output, language)]
        return dedupe([s for s in sentences if len(s.split()) >= 3])

    def _map_reduce(self, chunks: dict[int, list[str]]) -> tuple[dict[int, str], dict[int, int]]:
        """Per article: the summary of its chunks, reduced until one generate input remains."""
        current = dict(chunks)
        rounds = dict.fromkeys(chunks, 0)
        done: dict[int, str] = {}
        while current:
            keys = [(i, j) for i, parts in current.items() for j in range(len(parts))]
            outputs = self.generate([current[i][j] for i, j in keys])
            by_article: dict[int, list[str]] = {i: [] for i in current}
            for (i, _), out in zip(keys, outputs, strict=True):
                by_article[i].append(out.strip())
            nxt: dict[int, list[str]] = {}
            for i, parts in by_article.items():
                rounds[i] += 1
                if len(current[i]) == 1 or rounds[i] > MAX_REDUCE_ROUNDS:
                    done[i] = " ".join(parts)
                    continue
                # Reduce: the joined chunk summaries, re-chunked if they still overflow.
                sentences = [s.text for p in parts for s in split_sentences(p) if s.text.strip()]
                nxt[i] = self.chunk(sentences) or [" ".join(parts)]
            current = nxt
        return done, rounds

    def generate(self, inputs: Sequence[str]) -> list[str]:
        """Generated text per input, in length-sorted batches (less padding)."""
        import torch

        gen = self.config.generation
        kwargs = {
            "num_beams": gen.num_beams,
            "min_new_tokens": min(gen.min_new_tokens, gen.max_new_tokens),
            "max_new_tokens": gen.max_new_tokens,
            "no_repeat_ngram_size": gen.no_repeat_ngram_size,
        }
        if gen.num_beams > 1:
            kwargs["length_penalty"] = gen.length_penalty
            kwargs["early_stopping"] = True
        else:
            kwargs["do_sample"] = False
        order = sorted(range(len(inputs)), key=lambda i: len(inputs[i]))
        out = [""] * len(inputs)
        size = self.config.max_batch_requests
        for lo in range(0, len(order), size):
            idx = order[lo : lo + size]
            batch = self.tokenizer(
                [self.prefix + inputs[i] for i in idx],
                return_tensors="pt",
                padding=True,
                truncation=True,
                max_length=self.window,
            )
            with self._lock, torch.inference_mode():
                self.generate_calls.append(len(idx))
                ids = self.model.generate(**batch, **kwargs)
            for i, text in zip(
                idx, self.tokenizer.batch_decode(ids, skip_special_tokens=True), strict=True
            ):
                out[i] = text
        return out

    def _fallback(self, article: Article, max_bullets: int, error: SummarizerError):
        try:
            return self.verifier.fallback(
                article.text, max_bullets=max_bullets, article_language=article.language,
                reason=str(error), error=error,
            )  # fmt: skip
        except SummarizerError as exc:
            return exc


def _task_prefix(model_config) -> str:
    """T5-style models expect a task prefix; BART/PEGASUS don't."""
    params = getattr(model_config, "task_specific_params", None) or {}
    prefix = (params.get("summarization") or {}).get("prefix")
    if prefix is not None:
        return prefix
    return "summarize: " if model_config.model_type in ("t5", "mt5", "umt5") else ""
