"""Digest speed: `/digest` of 1,000 stored summaries in one channel (target <= 1 s on 2 cores).

Stores 1,000 summary posts of BBC articles (../shared/data/bbc_dev.jsonl, read at run time;
the extractive summarizer's real bullets; some articles shared two or three times under other
addresses) in one channel of a SQLite digest store, with votes on some posts, then times the
whole request path the bot runs: read the window from the store, fetch the votes, encode,
group and order (DigestFeature.digest_for), and the Slack and Discord rendering. The encoder
is loaded before timing (the bot loads it once per process). Peak RSS is reported too.

    python benchmarks/digest_bench.py [--posts 1000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from common import DATA_DIR  # noqa: E402

from bot.adapters.discord_render_digest import render_digest as discord_digest  # noqa: E402
from bot.adapters.slack_render_digest import render_digest as slack_digest  # noqa: E402
from bot.config import DigestConfig  # noqa: E402
from bot.digests.feature import DigestFeature  # noqa: E402
from bot.digests.model import DigestEntry  # noqa: E402
from bot.digests.store import SQLiteDigestStore  # noqa: E402
from bot.state import SQLiteStateStore  # noqa: E402

CHANNEL = "slack:T1:C1"


def posts(n: int) -> list[DigestEntry]:
    """n posts over the last 6 days: distinct articles, a fifth of them shared again."""
    from summarizer import load_summarizer

    rows = [json.loads(line) for line in open(DATA_DIR / "bbc_dev.jsonl", encoding="utf-8")]
    rng = random.Random(3)
    summarizer = load_summarizer()
    distinct = rows[: int(n * 0.8)]
    bullets = {}
    for row in distinct:
        summary = summarizer.summarize(row["article"], max_bullets=3)
        bullets[row["id"]] = tuple(b.text for b in summary.bullets)
    from bot.digests.vectors import with_vectors
    from summarizer import load_encoder

    encoder = load_encoder()  # posts carry vectors made when they were recorded, as in the bot
    now = time.time()
    out = []
    for i in range(n):
        row = distinct[i] if i < len(distinct) else rng.choice(distinct)
        slug = row["id"].replace("/", "-")
        url = f"https://www.bbc.co.uk/news/{slug}" + ("" if i < len(distinct) else f"?s={i}")
        at = now - 6 * 86_400 + i * (6 * 86_400 / n)
        entry = DigestEntry(CHANNEL, url, row["title"], "BBC", bullets[row["id"]],
                            f"slack:T1:U{i % 17}", at, f"https://t.slack.com/p{i}",
                            vote_key=f"post:{CHANNEL}:{i}")  # fmt: skip
        out.append(with_vectors(entry, encoder))
    return out


async def main_async(n: int, repeat: int) -> int:
    entries = posts(n)
    with tempfile.TemporaryDirectory() as tmp:
        store = SQLiteDigestStore(Path(tmp) / "digests.sqlite3")
        state = SQLiteStateStore(Path(tmp) / "state.sqlite3")
        for entry in entries:
            await store.add(entry)
        for i in range(0, n, 7):
            await state.record_vote(f"post:{CHANNEL}:{i}", "U1", "up")
        from summarizer import load_encoder

        feature = DigestFeature(store, state, DigestConfig(), load_encoder)
        await feature.encoder()  # loaded once per process, before any request
        times, stories = [], 0
        for _ in range(repeat):
            started = time.perf_counter()
            now = time.time()
            digest = await feature.digest_for(CHANNEL, "the last 7 days", now - 7 * 86_400, now)
            slack_digest(digest)
            discord_digest(digest)
            times.append(time.perf_counter() - started)
            stories = len(digest.stories) + digest.omitted
        await store.close()
        await state.close()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"Python {platform.python_version()}")  # fmt: skip
    print("| posts in channel | stories | median (s) | worst (s) | peak RSS (MB) | target |")
    print("|---|---|---|---|---|---|")
    median, worst = statistics.median(times), max(times)
    verdict = "met" if median <= 1.0 else "missed"
    print(f"| {n} | {stories} | {median:.3f} | {worst:.3f} | {rss:.0f} | <= 1 s: {verdict} |")
    print(f"\nrerun: python benchmarks/digest_bench.py --posts {n} --repeat {repeat}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    return asyncio.run(main_async(args.posts, args.repeat))


if __name__ == "__main__":
    raise SystemExit(main())
