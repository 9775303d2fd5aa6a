"""Hostile pages vs normal summaries: does page reading with deadlines keep the bot responsive?

The bot's core is built like `newsbot run` (`open_service`: the default extractive backend in
its model process, the page `WorkPool`) with `/healthz` served on the same event loop. Pages
come from a local server on 127.0.0.1. Phase 1 (idle): N normal article links summarized one
after another. Phase 2: the same, started 0.5 s after 10 hostile links were posted at once
(half a page of 45k `<p>` in an `<article>`, half a 9 KB PDF whose 5 pages share one
100k-operation stream; each takes seconds to minutes to read). With `--continuous` each hostile
link is summarized again and again without cache, a harsher load than a chat can produce (the
failure cache and rate limits stop repeats). Throughout, `/healthz` is polled every 50 ms.

    HF_HUB_OFFLINE=1 python benchmarks/hostile.py [--normal 20] [--hostile 10] \
        [--page-workers 2] [--page-timeout 10] [--continuous]

Target (issue #33): p50 under attack within 2x of idle, /healthz max <= 100 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import statistics
import sys
import time
from pathlib import Path

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.config import CacheConfig, Config, FetchConfig, ServiceConfig  # noqa: E402
from bot.errors import BotError  # noqa: E402
from bot.observability import ReadinessChecks, serve_health  # noqa: E402
from bot.service import SummaryService  # noqa: E402
from bot.service_setup import open_service  # noqa: E402
from tests.hostile_pages import many_paragraphs, shared_stream_pdf  # noqa: E402
from tests.pages import SAMPLE_TEXT, PageServer, article_html  # noqa: E402


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def normal_round(svc: SummaryService, base: str, n: int) -> tuple[list[float], list[str]]:
    """N normal summaries one after another: their latencies and any failures."""
    latencies, failures = [], []
    for i in range(n):
        started = time.perf_counter()
        try:
            await svc.summarize_url(f"{base}/normal/{i}", use_cache=False)
            latencies.append(time.perf_counter() - started)
        except BotError as exc:
            failures.append(type(exc).__name__)
    return latencies, failures


async def hostile(
    svc: SummaryService, base: str, k: int, outcomes: list[str], continuous: bool
) -> None:
    """Summarize hostile link `k` once (or, `continuous`, again and again without cache)."""
    while True:
        try:
            await svc.summarize_url(f"{base}/hostile/{k}", use_cache=not continuous)
            outcomes.append("summarized")
        except BotError as exc:
            outcomes.append(exc.message[:40])
        if not continuous:
            return


async def poll_health(port: int, out: list[float], stop: asyncio.Event) -> None:
    async with aiohttp.ClientSession() as session:
        while not stop.is_set():
            started = time.perf_counter()
            async with session.get(f"http://127.0.0.1:{port}/healthz") as resp:
                await resp.read()
                assert resp.status == 200
            out.append(time.perf_counter() - started)
            await asyncio.sleep(0.05)


async def main(args: argparse.Namespace) -> None:
    server = await PageServer().start()
    for i in range(args.normal):
        server.add(f"/normal/{i}", article_html(SAMPLE_TEXT, title=f"Harbor story {i}"))
    for k in range(args.hostile):
        if k % 2:
            server.add(f"/hostile/{k}", shared_stream_pdf(5, 100_000), ctype="application/pdf")
        else:
            server.add(f"/hostile/{k}", many_paragraphs(45_000))
    config = Config(
        fetch=FetchConfig(allowed_networks=("127.0.0.1/32",), allowed_ports=(server.port,)),
        cache=CacheConfig(backend="memory"),
        service=ServiceConfig(page_workers=args.page_workers, page_timeout=args.page_timeout),
    )
    rows = []
    async with (
        open_service(config) as svc,
        serve_health("127.0.0.1", 0, ReadinessChecks()) as port,
    ):
        await normal_round(svc, server.base, 2)  # warm up: model, forkserver, first workers
        for phase in ("idle", "hostile"):
            health: list[float] = []
            stop = asyncio.Event()
            poller = asyncio.create_task(poll_health(port, health, stop))
            outcomes: list[str] = []
            attackers = []
            if phase == "hostile":
                attackers = [
                    asyncio.create_task(hostile(svc, server.base, k, outcomes, args.continuous))
                    for k in range(args.hostile)
                ]
                await asyncio.sleep(0.5)  # let them take the workers first
            started = time.perf_counter()
            latencies, failures = await normal_round(svc, server.base, args.normal)
            wall = time.perf_counter() - started
            stop.set()
            if attackers:
                reading = sum(not t.done() for t in attackers)
                outcomes.append(f"{reading} still reading at the end")
            for task in attackers:
                task.cancel()
            await asyncio.gather(poller, *attackers, return_exceptions=True)
            rows.append((phase, latencies, failures, health, wall, outcomes))
    await server.stop()

    idle_p50 = statistics.median(rows[0][1])
    print(f"machine: {os.cpu_count()} CPUs, {platform.machine()}, Python {sys.version.split()[0]}")
    print(
        f"config: page_workers={args.page_workers} page_timeout={args.page_timeout:g}s "
        f"normal={args.normal} hostile={args.hostile} continuous={args.continuous}"
    )
    print(
        "| phase | normal ok | failed | p50 s | p95 s | max s | p50 vs idle "
        "| /healthz p50 ms | /healthz max ms | hostile outcomes |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    for phase, lat, failed, health, _wall, outcomes in rows:
        p50 = statistics.median(lat) if lat else float("nan")
        kinds = ", ".join(f"{outcomes.count(o)}x {o!r}" for o in sorted(set(outcomes))) or "-"
        print(
            f"| {phase} | {len(lat)} | {len(failed)} {sorted(set(failed)) or ''} | {p50:.3f} "
            f"| {pct(lat, 0.95):.3f} | {max(lat, default=float('nan')):.3f} "
            f"| {p50 / idle_p50:.2f}x | {1000 * pct(health, 0.5):.1f} "
            f"| {1000 * max(health, default=float('nan')):.1f} | {kinds} |"
        )
    attack = rows[1]
    ok = (
        bool(attack[1])
        and statistics.median(attack[1]) <= 2 * idle_p50
        and not attack[2]
        and max(attack[3]) <= 0.1
    )
    verdict = "met" if ok else "MISSED"
    print(f"target (p50 <= 2x idle, no failures, /healthz max <= 100 ms): {verdict}")


if __name__ == "__main__":  # workers (forkserver, model process) re-import this module
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--normal", type=int, default=20)
    parser.add_argument("--hostile", type=int, default=10)
    parser.add_argument("--page-workers", type=int, default=2)
    parser.add_argument("--page-timeout", type=float, default=10.0)
    parser.add_argument("--continuous", action="store_true")
    asyncio.run(main(parser.parse_args()))
