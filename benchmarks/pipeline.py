"""Article pipeline latency: fetch + extract + summarize for local pages, and cache hits.

Serves invented article pages from an in-process server on 127.0.0.1 (explicitly allowed
in the fetch config, as an operator would allow an intranet site), then times the core's
`summarize_url` cold (cache miss: fetch, extract, summarize, cache write) and warm (cache hit).

    python benchmarks/pipeline.py [--pages 30] [--backend extractive] [--cache sqlite]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from bot.config import CacheConfig, Config, FetchConfig  # noqa: E402
from bot.service_setup import open_service  # noqa: E402
from tests.pages import SAMPLE_TEXT, PageServer, article_html  # noqa: E402


def _variant(i: int) -> str:
    """A distinct page per index, so nothing is cached by accident."""
    lines = SAMPLE_TEXT.strip().splitlines()
    lines[0] = f"{lines[0]} (edition {i})"
    return "\n".join(lines)


def _pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, round(q * (len(values) - 1)))]


async def main(pages: int, backend: str, cache_backend: str) -> None:
    server = await PageServer().start()
    for i in range(pages):
        server.add(f"/news/{i}", article_html(_variant(i)))
    with tempfile.TemporaryDirectory() as data_dir:
        config = Config(
            fetch=FetchConfig(allowed_networks=("127.0.0.1/32",), allowed_ports=(server.port,)),
            cache=CacheConfig(backend=cache_backend, data_dir=data_dir),
        )
        config = _with_backend(config, backend)
        started = time.perf_counter()
        async with open_service(config) as service:
            load = time.perf_counter() - started
            await service.summarize_text(SAMPLE_TEXT)  # warm-up: first-call initialisation
            cold, warm, stages = [], [], {"fetch": [], "extract": [], "summarize": []}
            for i in range(pages):
                t = time.perf_counter()
                result = await service.summarize_url(f"{server.base}/news/{i}")
                cold.append(time.perf_counter() - t)
                for stage in stages:
                    stages[stage].append(result.timings.get(stage, 0.0))
            for i in range(pages):
                t = time.perf_counter()
                result = await service.summarize_url(f"{server.base}/news/{i}")
                warm.append(time.perf_counter() - t)
                assert result.cached
    await server.stop()
    ms = 1000.0

    def row(name: str, values: list[float], digits: int = 1) -> str:
        p50, p95 = _pct(values, 0.5) * ms, _pct(values, 0.95) * ms
        return f"| {name} | {p50:.{digits}f} | {p95:.{digits}f} |"

    cpus = os.cpu_count()
    print(f"machine: {platform.machine()}, {cpus} CPUs, Python {platform.python_version()}")
    print(f"backend={backend} cache={cache_backend} pages={pages} (model load {load:.2f} s)\n")
    print("| step | p50 ms | p95 ms |")
    print("|---|---|---|")
    print(row("cold: fetch+extract+summarize", cold))
    for stage, values in stages.items():
        print(row(f"… {stage}", values))
    print(row("warm: cache hit", warm, 2))
    mean_cold, mean_warm = statistics.mean(cold) * ms, statistics.mean(warm) * ms
    print(f"\nmean cold {mean_cold:.1f} ms, warm {mean_warm:.2f} ms")
    print(f"command: python benchmarks/pipeline.py --pages {pages} --backend {backend}", end="")
    print(f" --cache {cache_backend}")


def _with_backend(config: Config, backend: str) -> Config:
    from bot.config import replace

    return replace(config, summarizer=replace(config.summarizer, backend=backend))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=30)
    parser.add_argument("--backend", default="extractive")
    parser.add_argument("--cache", default="sqlite", choices=["sqlite", "memory", "redis"])
    args = parser.parse_args()
    asyncio.run(main(args.pages, args.backend, args.cache))
