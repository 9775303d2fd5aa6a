"""Speed of the embedded extractive summarizer: load time, latency, batched rate, peak RSS.

Articles are the ~700-word ones (600-800 words) of the evaluation part of
../shared/data/cnndm_dev.jsonl (split rule in benchmarks/common.py), read at run time.

    HF_HUB_OFFLINE=1 python benchmarks/speed.py [--articles 40] [--batch 16] [--repeat 5]
        [--encoder static|minilm]
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import statistics
import sys
import time

from common import load_articles

TARGETS = {"load": 5.0, "p50": 0.3, "rate": 8.0, "rss": 1024.0}


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            for line in fh:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=40)
    parser.add_argument("--batch", type=int, default=16, help="texts per summarize_many call")
    parser.add_argument("--ranker", default="learned", choices=["learned", "centrality"])
    parser.add_argument("--bullets", type=int, default=3)
    parser.add_argument("--encoder", default="static", choices=["static", "minilm"],
                        help="static token vectors (default) or MiniLM itself")
    parser.add_argument("--fp32", action="store_true", help="unquantized MiniLM (--encoder minilm)")
    parser.add_argument("--repeat", type=int, default=5, help="batched passes (median reported)")
    args = parser.parse_args(argv)

    texts = [
        a.text for a in load_articles("cnndm", "eval") if 600 <= len(a.text.split()) <= 800
    ][: args.articles]
    words = statistics.mean(len(t.split()) for t in texts)

    started = time.perf_counter()
    if args.encoder == "minilm":
        import torch  # noqa: F401  (import cost is part of a cold start)

    from summarizer.config import SummarizerConfig
    from summarizer.pipeline import ExtractiveSummarizer

    imported = time.perf_counter()
    config = SummarizerConfig(
        ranker=args.ranker, embedding_static=args.encoder == "static", embedding_int8=not args.fp32
    )
    summarizer = ExtractiveSummarizer(config)
    loaded = time.perf_counter()

    for text in texts[:2]:  # warm-up
        summarizer.summarize(text, max_bullets=args.bullets)
    latencies = []
    stages: dict[str, list[float]] = {}
    for text in texts:
        t0 = time.perf_counter()
        summary = summarizer.summarize(text, max_bullets=args.bullets)
        latencies.append(time.perf_counter() - t0)
        for stage, seconds in summary.timings.items():
            stages.setdefault(stage, []).append(seconds)
    latencies.sort()
    p50 = statistics.median(latencies)
    p95 = latencies[min(len(latencies) - 1, round(0.95 * (len(latencies) - 1)))]

    rates = []  # this shared VM's speed drifts by ±15 % between passes: report the median
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        for lo in range(0, len(texts), args.batch):
            summarizer.summarize_many(texts[lo : lo + args.batch], max_bullets=args.bullets)
        rates.append(len(texts) / (time.perf_counter() - t0))
    rate = statistics.median(rates)
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    rows = [
        ("model load (encoder + ranker)", f"{loaded - imported:.2f} s", "≤ 5 s",
         loaded - imported <= TARGETS["load"]),
        ("cold start incl. imports", f"{loaded - started:.2f} s", "", None),
        ("latency p50, one article", f"{p50:.3f} s", "≤ 0.3 s", p50 <= TARGETS["p50"]),
        ("latency p95, one article", f"{p95:.3f} s", "", None),
        ("  of which (median) " + ", ".join(stages), " / ".join(
            f"{statistics.median(v):.3f}" for v in stages.values()) + " s", "", None),
        (f"batched (summarize_many, {args.batch} per call), median of {args.repeat}",
         f"{rate:.1f} articles/s ({min(rates):.1f}–{max(rates):.1f})",
         "≥ 8 articles/s", rate >= TARGETS["rate"]),
        ("peak RSS", f"{rss_mb:.0f} MiB", "≤ 1024 MiB", rss_mb <= TARGETS["rss"]),
    ]
    print(f"{len(texts)} articles of {words:.0f} words on average, {args.bullets} bullets, "
          f"ranker {args.ranker}, encoder {args.encoder}, {os.cpu_count()} CPUs ({cpu_model()}), "
          + (f"torch threads {sys.modules['torch'].get_num_threads()}" if "torch" in sys.modules
             else "torch not loaded"))
    print()
    print("| measure | value | target | met |")
    print("|---|---:|---|---|")
    for name, value, target, ok in rows:
        print(f"| {name} | {value} | {target} | {'' if ok is None else ('yes' if ok else 'no')} |")
    print()
    print("command: HF_HUB_OFFLINE=1 python benchmarks/speed.py " + " ".join(
        sys.argv[1:] if argv is None else argv))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
