"""Feeds at scale: N feeds polled by one bot process from a loopback fake publisher.

The publisher runs in a process of its own (aiohttp on 127.0.0.1, ETags and 304s); once every
feed has been read once, it adds items to random feeds on a schedule. The bot side is the real
`FeedPoller` (fetcher, conditional GETs, feedparser, seen index, claims, per-channel caps) on
the in-memory state store, one channel per feed. The summary step is a stub that answers at
once: this measures the feed machinery, not the model (benchmarks/load_slack.py does that).

Checks: every post once (0 duplicates), every item added after subscribing posted, plus the
latest `initial_items` at subscription (0 missed), feedparser called once per 200 and never
for a 304, event-loop lag, and resident memory over the run.

    python benchmarks/feeds_bench.py [--feeds 500] [--interval 2] [--seconds 60]
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import random
import sys
import time
from collections import Counter
from email.utils import formatdate
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from slack_harness import lag_stats, loop_lag, machine, print_table, rss_mb  # noqa: E402

# --- the publisher (its own process) -----------------------------------------------------------


def publisher(port_out: Any, feeds: int, seed: int) -> None:
    """Serve `feeds` RSS feeds; POST /go starts adding one item to a random feed every tick."""
    from aiohttp import web

    rng = random.Random(seed)
    items: list[list[int]] = [[1, 2, 3, 4, 5] for _ in range(feeds)]  # newest last
    versions = [1] * feeds
    counts: Counter[str] = Counter()
    state = {"tick": 0.0, "stop": False}

    def body(n: int) -> bytes:
        parts = [f"<rss version='2.0'><channel><title>Feed {n}</title>"]
        for i in reversed(items[n][-20:]):
            parts.append(
                f"<item><title>Story {n}-{i}</title><link>http://127.0.0.1:1/a/{n}/{i}</link>"
                f"<guid>{n}-{i}</guid><pubDate>{formatdate(1.7e9 + i * 60, usegmt=True)}"
                "</pubDate></item>"
            )
        parts.append("</channel></rss>")
        return "".join(parts).encode()

    async def feed(request: web.Request) -> web.Response:
        n = int(request.match_info["n"])
        etag = f'"{versions[n]}"'
        if request.headers.get("If-None-Match") == etag:
            counts["304"] += 1
            return web.Response(status=304, headers={"ETag": etag})
        counts["200"] += 1
        return web.Response(
            body=body(n), headers={"Content-Type": "application/rss+xml", "ETag": etag}
        )

    async def changer() -> None:
        while not state["stop"]:
            await asyncio.sleep(state["tick"])
            n = rng.randrange(feeds)
            items[n].append(items[n][-1] + 1)
            versions[n] += 1
            counts["added"] += 1

    async def go(request: web.Request) -> web.Response:
        state["tick"] = float(request.query["tick"])
        request.app["changer"] = asyncio.create_task(changer())
        return web.json_response({})

    async def halt(request: web.Request) -> web.Response:
        state["stop"] = True
        request.app["changer"].cancel()
        expected = {f"{n}-{i}" for n in range(feeds) for i in items[n][2:]}  # latest 3 + added
        return web.json_response({"expected": sorted(expected)})

    async def totals(request: web.Request) -> web.Response:
        return web.json_response(dict(counts))

    async def main() -> None:
        app = web.Application()
        app.router.add_get("/f/{n}.xml", feed)
        app.router.add_post("/go", go)
        app.router.add_post("/halt", halt)
        app.router.add_get("/counts", totals)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port_out.send(runner.addresses[0][1])
        await asyncio.Event().wait()

    asyncio.run(main())


# --- the bot side -------------------------------------------------------------------------------


class StubService:
    """Answers every summary at once: the model is not what this benchmark measures."""

    def __init__(self) -> None:
        self.calls = 0

    async def summarize_url(self, url: str, **_: Any) -> Any:
        from bot.results import ResultBullet, SummaryResult

        self.calls += 1
        return SummaryResult((ResultBullet("A bullet."),), "stub", title=url, url=url)


class CountingOutbox:
    posts: Counter[str] = Counter()

    def __init__(self, channel_key: str) -> None:
        self.channel_key = channel_key

    async def send(self, outcome: Any) -> str | None:
        from bot.chat import SummaryPost

        if isinstance(outcome, SummaryPost):
            # the link ends /a/<feed>/<item>: count by item id
            feed, item = outcome.url.rsplit("/", 2)[-2:]
            CountingOutbox.posts[f"{feed}-{item}"] += 1
            return f"memory://{self.channel_key}/{feed}-{item}"
        return None


async def bench(args: argparse.Namespace) -> dict[str, Any]:
    import aiohttp

    import bot.feeds.reader as reader
    from bot.chat import ChatWorkflow
    from bot.chat.policy import ChatPolicy
    from bot.config import CacheConfig, Config, FeedsConfig, FetchConfig, PolicyConfig
    from bot.feeds import Feeds
    from bot.feeds.store import FeedStore, MemoryHashes, Subscription
    from bot.fetch import Fetcher
    from bot.state import MemoryStateStore
    from bot.workpool import WorkPool

    ctx = multiprocessing.get_context("spawn")
    parent, child = ctx.Pipe()
    proc = ctx.Process(target=publisher, args=(child, args.feeds, args.seed), daemon=True)
    proc.start()
    port = parent.recv()
    base = f"http://127.0.0.1:{port}"

    parses = Counter[str]()
    # as in `newsbot run`: feeds are parsed in the page workers (--parse-in thread: a thread)
    pool = WorkPool(2, timeout=10.0, memory_mb=512) if args.parse_in == "pages" else None

    async def counting_work(fn: Any, *fn_args: Any) -> Any:
        if fn is reader.parse_feed:
            parses["parse"] += 1
        if pool is None:
            return await asyncio.to_thread(fn, *fn_args)
        return await pool.run(fn, *fn_args)

    config = Config(
        fetch=FetchConfig(allowed_networks=("127.0.0.1/32",), allowed_ports=(port,)),
        cache=CacheConfig(backend="memory"),
        policy=PolicyConfig(),
        feeds=FeedsConfig(
            poll_interval=args.interval, poll_jitter=0.1, initial_items=3, posts_per_hour=1000
        ),
    )
    state = MemoryStateStore()
    service = StubService()
    chat = ChatWorkflow(service, ChatPolicy(config.policy, state, post_ttl=86_400), state)  # type: ignore[arg-type]
    fetcher = Fetcher(config.fetch)
    store = FeedStore(MemoryHashes())
    feeds = Feeds(config, state, fetcher, chat, store=store, work=counting_work)
    # item links point at port 1 (never fetched: the stub summarizes); the fetcher would refuse
    # them, which is right for a real bot, so the benchmark lets the stub be the only judge.
    for n in range(args.feeds):
        await store.add(Subscription(f"memory:W1:C{n}", f"{base}/f/{n}.xml", added_at=n))

    lag: list[float] = []
    rss: list[tuple[float, float]] = []
    stop = asyncio.Event()
    lag_task = asyncio.create_task(loop_lag(lag, stop))
    started = time.perf_counter()

    async def sample_rss() -> None:
        import os

        while not stop.is_set():
            rss.append((time.perf_counter() - started, rss_mb(os.getpid())))
            await asyncio.sleep(1.0)

    rss_task = asyncio.create_task(sample_rss())
    await feeds.start(CountingOutbox, spread=args.interval)
    # every feed primed (its first read done) before the publisher starts changing feeds
    while any(not s.primed for s in await store.subscriptions()):  # noqa: ASYNC110 - polls a store
        await asyncio.sleep(0.1)
    primed_at = time.perf_counter() - started
    lag.clear()  # steady state only: start-up (first reads of every feed) is reported apart
    async with aiohttp.ClientSession() as session:
        tick = 1.0 / args.adds_per_second
        await (await session.post(f"{base}/go", params={"tick": str(tick)})).read()
        await asyncio.sleep(args.seconds)
        # stop changing, let two more poll rounds pick up the last items
        report = await (await session.post(f"{base}/halt")).json()
        await asyncio.sleep(args.interval * 2.5)
        stop.set()
        await asyncio.gather(lag_task, rss_task)
        await feeds.close()
        counts = await (await session.get(f"{base}/counts")).json()
    await fetcher.close()
    if pool is not None:
        await pool.close()
    proc.terminate()

    posts = CountingOutbox.posts
    expected = set(report["expected"])
    steady = [m for t, m in rss if t >= primed_at]
    half = len(steady) // 2
    stats = feeds.poller.stats
    return {
        "feeds": args.feeds,
        "poll_interval_s": args.interval,
        "run_s": round(time.perf_counter() - started, 1),
        "items_added": counts.get("added", 0),
        "posts": sum(posts.values()),
        "expected_posts": len(expected),
        "duplicate_posts": sum(c - 1 for c in posts.values() if c > 1),
        "missed_items": len(expected - set(posts)),
        "unexpected_posts": len(set(posts) - expected),
        "responses_200": counts.get("200", 0),
        "responses_304": counts.get("304", 0),
        "feedparser_calls": parses["parse"],
        "poller_parsed": stats.parsed,
        "poller_304": stats.not_modified,
        "failures": stats.failures,
        **lag_stats(lag),
        "rss_start_mb": steady[0] if steady else float("nan"),
        "rss_mid_mb": steady[half] if steady else float("nan"),
        "rss_end_mb": steady[-1] if steady else float("nan"),
        "rss_peak_mb": max(steady) if steady else float("nan"),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--feeds", type=int, default=500)
    parser.add_argument("--interval", type=float, default=2.0, help="poll interval, seconds")
    parser.add_argument("--seconds", type=float, default=60.0, help="how long feeds change")
    parser.add_argument("--adds-per-second", type=float, default=20.0)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--parse-in", choices=("pages", "thread"), default="pages",
        help="where feeds are parsed: the page workers (as newsbot run does) or a thread",
    )  # fmt: skip
    args = parser.parse_args()
    result = asyncio.run(bench(args))
    print(f"machine: {machine()}")
    print_table(result)
    ok = (
        result["duplicate_posts"] == 0
        and result["missed_items"] == 0
        and result["feedparser_calls"] == result["responses_200"]
        and result["loop_lag_p99_ms"] <= 20.0
    )
    print("targets:", "met" if ok else "MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
