"""Slack HTTP mode under load: N concurrent signed `/summarize` requests with pasted articles.

The real adapter (AsyncApp + aiohttp server) and the real extractive summarizer, against the
fake Slack Web API from the tests, on 127.0.0.1; the bot runs in a process of its own (the load
generator and the fake API share the parent's event loop). Reports ack latency
(the HTTP response time Slack would see; it must stay far under 3 s), time until the last
reply, requests that never got any answer, and event-loop lag while the model is busy.

    HF_HUB_OFFLINE=1 python benchmarks/load_slack.py [--requests 100] [--max-queue 200]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import multiprocessing
import os
import platform
import statistics
import sys
import time
from contextlib import AsyncExitStack
from multiprocessing.connection import Connection
from pathlib import Path

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # for tests.fake_slack

from bot.adapters.slack import SlackAdapter  # noqa: E402
from bot.config import CacheConfig, Config, PolicyConfig, ServiceConfig, SlackConfig  # noqa: E402
from bot.runtime import open_deps  # noqa: E402
from summarizer import SummarizerConfig, load_summarizer  # noqa: E402
from tests.fake_slack import FakeSlack, command_body, sign  # noqa: E402
from tests.pages import SAMPLE_TEXT  # noqa: E402

SECRET = "bench-signing-secret"


def articles(n: int) -> list[str]:
    """Distinct real news articles if the shared data set is there, else the sample article."""
    try:
        from common import load_articles

        texts = [a.text for a in load_articles("cnndm", "all", limit=n)]
    except (ImportError, OSError):
        texts = []
    while len(texts) < n:
        texts.append(f"{SAMPLE_TEXT}\n\n(Copy {len(texts)}.)")
    return [t[:30_000] for t in texts[:n]]


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


async def loop_lag(samples: list[float], stop: asyncio.Event, every: float = 0.01) -> None:
    while not stop.is_set():
        started = time.perf_counter()
        await asyncio.sleep(every)
        samples.append(time.perf_counter() - started - every)


def bot_process(conn: Connection, api_url: str, max_queue: int, workers: int) -> None:
    """The bot alone in its own process, as in production: Slack is somewhere else."""
    asyncio.run(_bot(conn, api_url, max_queue, workers))


async def _bot(conn: Connection, api_url: str, max_queue: int, workers: int) -> None:
    os.environ.setdefault("SLACK_BOT_TOKEN", "xoxb-test")
    os.environ["SLACK_SIGNING_SECRET"] = SECRET
    summarizer = load_summarizer(SummarizerConfig(backend="extractive"))
    config = Config(
        cache=CacheConfig(backend="memory"),
        policy=PolicyConfig(
            user_requests_per_minute=10_000, channel_requests_per_minute=10_000,
            max_text_chars=200_000,
        ),
        service=ServiceConfig(max_queue=max_queue, max_concurrent_summaries=workers),
        slack=SlackConfig(
            enabled=True, mode="http", api_base_url=api_url, http_host="127.0.0.1", http_port=0
        ),
    )  # fmt: skip
    loop = asyncio.get_running_loop()
    async with open_deps(config, summarizer) as deps:
        adapter = SlackAdapter(deps, shutdown_grace=600)
        await adapter.start()
        try:
            conn.send(adapter.http.port)
            await loop.run_in_executor(None, conn.recv)  # "measure"
            lag: list[float] = []
            stop = asyncio.Event()
            monitor = asyncio.create_task(loop_lag(lag, stop))
            await loop.run_in_executor(None, conn.recv)  # "done"
            stop.set()
            await monitor
            conn.send(lag)
        finally:
            await adapter.close()


async def main(requests: int, max_queue: int, workers: int) -> dict[str, float]:
    texts = articles(requests)
    ctx = multiprocessing.get_context("spawn")
    parent, child = ctx.Pipe()
    async with AsyncExitStack() as stack:
        fake = await FakeSlack().start()
        stack.push_async_callback(fake.stop)
        proc = ctx.Process(target=bot_process, args=(child, fake.api_url, max_queue, workers))
        proc.start()
        loop = asyncio.get_running_loop()
        port = await loop.run_in_executor(None, parent.recv)
        url = f"http://127.0.0.1:{port}/slack/events"
        session = await stack.enter_async_context(
            aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0))
        )

        async def send(i: int, text: str) -> float:
            body = command_body(
                text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;"),
                user=f"U{i:04d}", channel=f"C{i:04d}", response_url=fake.response_url(f"r{i}"),
            )  # fmt: skip
            headers = {"Content-Type": "application/x-www-form-urlencoded", **sign(SECRET, body)}
            started = time.perf_counter()
            async with session.post(url, data=body.encode(), headers=headers) as resp:
                await resp.read()
                if resp.status != 200:
                    raise RuntimeError(f"request {i}: HTTP {resp.status}")
            return time.perf_counter() - started

        def answers() -> int:
            return len(fake.of("chat.postMessage")) + len(fake.of("respond"))

        await send(requests, texts[0])  # warm-up: auth.test, language model, first summary
        await fake.wait_until(lambda: answers() >= 1, 120)
        fake.calls.clear()

        parent.send("measure")
        t0 = time.monotonic()
        acks = await asyncio.gather(*(send(i, t) for i, t in enumerate(texts)))
        acked = time.monotonic() - t0
        with contextlib.suppress(AssertionError):  # counted as lost below
            await fake.wait_until(lambda: answers() >= requests, 900)
        parent.send("done")
        lag = await loop.run_in_executor(None, parent.recv)
        await loop.run_in_executor(None, proc.join)

        posts = {c.args["channel"] for c in fake.of("chat.postMessage")}
        other = {c.args["_name"] for c in fake.of("respond")}
        answered = sum(1 for i in range(requests) if f"C{i:04d}" in posts or f"r{i}" in other)
        replies = [c.at for c in fake.calls if c.method in ("chat.postMessage", "respond")]
        for text in sorted({c.args.get("text", "") for c in fake.of("respond")}):
            print("non-summary answer:", text[:160])
        return {
            "requests": requests,
            "ack_p50_ms": statistics.median(acks) * 1000,
            "ack_p99_ms": pct(acks, 99) * 1000,
            "ack_max_ms": max(acks) * 1000,
            "all_acked_s": acked,
            "last_reply_s": (max(replies) - t0) if replies else float("nan"),
            "summaries": len(posts),
            "other_answers": len(other),
            "lost": requests - answered,
            "loop_lag_p50_ms": statistics.median(lag) * 1000,
            "loop_lag_p99_ms": pct(lag, 99) * 1000,
            "loop_lag_max_ms": max(lag) * 1000,
        }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--max-queue", type=int, default=200)
    parser.add_argument("--model-workers", type=int, default=2)
    args = parser.parse_args()
    result = asyncio.run(main(args.requests, args.max_queue, args.model_workers))
    print(f"{'metric':<18} value")
    for key, value in result.items():
        print(f"{key:<18} {value:.1f}" if isinstance(value, float) else f"{key:<18} {value}")
    print(f"\nmachine: {os.cpu_count()} CPUs, {platform.processor() or platform.machine()}, "
          f"Python {sys.version.split()[0]}")  # fmt: skip
    print("rerun: HF_HUB_OFFLINE=1 python benchmarks/load_slack.py " + " ".join(sys.argv[1:]))
