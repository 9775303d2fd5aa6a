"""Abstractive bullets from any causal LM with a chat template (Qwen2.5, Llama 3, SmolLM2).

preprocess: the article, cut at a sentence boundary to fit the window, goes into the shared
prompt (prompting.build_messages) as data. forward: left-padded, batched generate.
postprocess: robust bullet parsing; junk → extractive fallback with a log line; guard.
Weights in GGUF (`gguf_file`) are dequantized at load; `convert_gguf` saves them once as
safetensors so later starts take well under a second.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from pathlib import Path

from summarizer.abstractive.faithfulness import Verifier
from summarizer.abstractive.prompting import (
    ParseError,
    build_messages,
    parse_bullets,
)
from summarizer.base import BatchFirst, ModelLoadError, SummarizerError, Summary
from summarizer.config import SummarizerConfig
from summarizer.pipeline import Article, read_articles
from summarizer.serving.models import load_pretrained, model_window

log = logging.getLogger(__name__)


class InstructSummarizer(BatchFirst):
    """Instruct backend; thread-safe (generate calls are serialized on one lock)."""

    name = "instruct"

    def __init__(self, config: SummarizerConfig, *, encoder=None, extractive=None) -> None:
        from transformers import AutoModelForCausalLM

        self.config = config
        self.tokenizer, self.model = load_pretrained(config, self.name, AutoModelForCausalLM)
        if not getattr(self.tokenizer, "chat_template", None):
            raise ModelLoadError(
                f"the instruct backend needs a chat model; {config.model!r} has no chat template "
                "(use an -Instruct/-Chat variant, or the seq2seq backend for summarization models)"
            )
        self.tokenizer.padding_side = "left"  # decoder-only: new tokens follow the prompt
        if self.tokenizer.pad_token is None:
            self.tokenizer.pad_token = self.tokenizer.eos_token
        self.window = model_window(self.tokenizer, self.model.config)
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
        live = [a for a in articles if isinstance(a, Article)]
        fitted = [self.fit(a, max_bullets) for a in live]
        prompts = [
            build_messages(text, max_bullets, language or a.language)
            for a, (text, _) in zip(live, fitted, strict=True)
        ]
        try:
            outputs = iter(self.generate(prompts))
        except RuntimeError:
            log.exception("instruct generate failed")
            outputs = iter([""] * len(prompts))
        cut = iter(c for _, c in fitted)
        each = (time.perf_counter() - started) / max(1, len(live))
        results: list[Summary | SummarizerError] = []
        for article in articles:
            if isinstance(article, SummarizerError):
                results.append(article)
                continue
            output, was_cut = next(outputs), next(cut)
            results.append(self._finish(article, output, was_cut, max_bullets, each))
        return results

    def fit(self, article: Article, max_bullets: int) -> tuple[str, bool]:
        """The article's leading sentences that fit the window with the prompt and the answer."""
        overhead = len(self._encode(build_messages("", max_bullets, article.language)))
        budget = self.window - overhead - self.config.generation.max_new_tokens - 8
        if budget <= 0:
            raise ModelLoadError(
                f"the instruct model's window ({self.window} tokens) can't hold the prompt and "
                f"{self.config.generation.max_new_tokens} new tokens; lower "
                "summarizer.generation.max_new_tokens"
            )
        texts = [s.text for s in article.sentences]
        lengths = [len(ids) for ids in self.tokenizer(texts, add_special_tokens=False)["input_ids"]]
        kept, used = [], 0
        for text, n in zip(texts, lengths, strict=True):
            if used + n > budget:
                break
            kept.append(text)
            used += n + 1
        if not kept:  # one huge sentence: keep its first `budget` tokens
            ids = self.tokenizer(texts[0], add_special_tokens=False)["input_ids"][:budget]
            return self.tokenizer.decode(ids), True
        return " ".join(kept), len(kept) < len(texts)

    def generate(self, prompts: Sequence[list[dict[str, str]]]) -> list[str]:
        """The assistant reply per prompt, in left-padded batches of `max_batch_requests`."""
        import torch

        gen = self.config.generation
        kwargs = {
            "max_new_tokens": gen.max_new_tokens,
            "min_new_tokens": min(gen.min_new_tokens, gen.max_new_tokens),
            "num_beams": gen.num_beams,
            "do_sample": False,
            "pad_token_id": self.tokenizer.pad_token_id,
        }
        if gen.num_beams > 1:
            kwargs["length_penalty"] = gen.length_penalty
        # no_repeat_ngram_size is left out on purpose: bullet lists repeat "\n- The" legitimately.
        out: list[str] = []
        size = self.config.max_batch_requests
        for lo in range(0, len(prompts), size):
            batch = list(prompts[lo : lo + size])
            encoded = self.tokenizer.apply_chat_template(
                batch,
                add_generation_prompt=True,
                padding=True,
                return_tensors="pt",
                return_dict=True,
            )
            with self._lock, torch.inference_mode():
                self.generate_calls.append(len(batch))
                ids = self.model.generate(**encoded, **kwargs)
            new = ids[:, encoded["input_ids"].shape[1] :]
            out.extend(self.tokenizer.batch_decode(new, skip_special_tokens=True))
        return out

    def _encode(self, messages: list[dict[str, str]]) -> list[int]:
        encoded = self.tokenizer.apply_chat_template(
            messages, add_generation_prompt=True, return_dict=True
        )
        return list(encoded["input_ids"])

    def _finish(
        self, article: Article, output: str, was_cut: bool, max_bullets: int, seconds: float
    ) -> Summary | SummarizerError:
        notes = ["article cut to the model's window"] if was_cut else []
        try:
            bullets = parse_bullets(output, max_bullets, article.language)
        except ParseError as exc:
            log.warning("instruct model output unusable (%s); using the extractive summary", exc)
            error = SummarizerError("The model's answer couldn't be turned into bullets.")
            try:
                return self.verifier.fallback(
                    article.text, max_bullets=max_bullets, article_language=article.language,
                    reason=f"malformed output: {exc}", error=error,
                )  # fmt: skip
            except SummarizerError as err:
                return err
        try:
            return self.verifier.finish(
                article, bullets, max_bullets=max_bullets, backend=self.name,
                timings={"generate": seconds}, notes=notes,
            )  # fmt: skip
        except SummarizerError as exc:
            return exc


def convert_gguf(model_dir: str | Path, gguf_file: str, out_dir: str | Path) -> Path:
    """Dequantize a GGUF model once and save it (with its tokenizer) as a safetensors directory.

    Afterwards set summarizer.model = out_dir and summarizer.gguf_file = "".
    """
    from transformers import AutoModelForCausalLM, AutoTokenizer

    out = Path(out_dir)
    tokenizer = AutoTokenizer.from_pretrained(model_dir, gguf_file=gguf_file)
    model = AutoModelForCausalLM.from_pretrained(model_dir, gguf_file=gguf_file)
    quantizer = getattr(model, "hf_quantizer", None)
    if quantizer is not None:
        # transformers 5.x keeps its GGUF quantizer on the model even after dequantizing, and
        # save_pretrained refuses a model whose quantizer isn't serializable.
        if getattr(quantizer, "packed_modules", None):
            raise ModelLoadError(
                f"{gguf_file} loaded with packed GGUF kernels, which can't be saved as "
                "safetensors; convert in an environment without the `kernels` package"
            )
        quantizer.remove_quantization_config(model)
    model.save_pretrained(out)
    tokenizer.save_pretrained(out)
    return out
