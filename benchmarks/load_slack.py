"""Slack HTTP mode under load: N concurrent signed `/summarize` requests with pasted articles.

The real adapter (AsyncApp + aiohttp server) and the extractive backend behind the batching
runner, built like `newsbot run` builds them, against the fake Slack Web API from the tests,
on 127.0.0.1; the bot runs in a process of its own (the load generator and the fake API share
the parent's event loop). Reports ack latency (the HTTP response time Slack would see; it must
stay far under 3 s), time until the last reply, requests that never got any answer, and
event-loop lag while the model is busy.

    HF_HUB_OFFLINE=1 python benchmarks/load_slack.py [--requests 100] [--max-queue 200]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from contextlib import AsyncExitStack

import aiohttp
from slack_harness import (
    BotHandle,
    BotSettings,
    CountingSlack,
    articles,
    machine,
    pct,
    post_command,
    print_table,
)


async def main(requests: int, max_queue: int, runner_queue: int | None) -> dict[str, object]:
    texts = articles(requests)
    async with AsyncExitStack() as stack:
        fake = await CountingSlack().start()
        stack.push_async_callback(fake.stop)
        bot = await BotHandle.start(
            BotSettings(fake.api_url, max_queue=max_queue, runner_queue=runner_queue)
        )
        session = await stack.enter_async_context(
            aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0))
        )

        async def send(i: int, text: str) -> float:
            channel = f"C{i:04d}"
            ack, status, _ = await post_command(
                session, bot.url, text, user=f"U{i:04d}", channel=channel,
                response_url=fake.response_url(f"{channel}-r"),
            )  # fmt: skip
            if status != 200:
                raise RuntimeError(f"{channel}: HTTP {status}")
            return ack

        # warm-up: auth.test, language model, first summary
        warm = fake.expect("CWARM")
        await post_command(
            session, bot.url, texts[0], user="UWARM", channel="CWARM",
            response_url=fake.response_url("CWARM-r"),
        )  # fmt: skip
        await asyncio.wait_for(warm, 120)
        fake.answers.clear()
        fake.kinds.clear()
        fake.answer_times.clear()

        bot.measure()
        t0 = time.monotonic()
        acks = await asyncio.gather(*(send(i, t) for i, t in enumerate(texts)))
        acked = time.monotonic() - t0
        await fake.wait_answers(requests, 900)  # a shortfall is counted as lost below
        data = await bot.finish()
        lag, batches = data["lag"], data["batches"]

        answered = sum(1 for i in range(requests) if fake.answers[f"C{i:04d}"] >= 1)
        extra = sum(max(0, n - 1) for n in fake.answers.values())
        for text, n in sorted(fake.other_texts.items()):
            print(f"non-summary answer (x{n}):", text)
        return {
            "summarizer": bot.runner,
            "requests": requests,
            "ack_p50_ms": statistics.median(acks) * 1000,
            "ack_p99_ms": pct(acks, 99) * 1000,
            "ack_max_ms": max(acks) * 1000,
            "all_acked_s": acked,
            "last_reply_s": (max(fake.answer_times) - t0) if fake.answer_times else float("nan"),
            "summaries": fake.kinds["summary"],
            "other_answers": fake.kinds["other"],
            "lost": requests - answered,
            "duplicate_answers": extra,
            "batches": len(batches),
            "mean_batch": statistics.fmean(batches) if batches else float("nan"),
            "max_batch": max(batches, default=0),
            "loop_lag_p50_ms": statistics.median(lag) * 1000,
            "loop_lag_p99_ms": pct(lag, 99) * 1000,
            "loop_lag_max_ms": max(lag) * 1000,
        }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--max-queue", type=int, default=200, help="service.max_queue")
    parser.add_argument(
        "--runner-queue", type=int, default=None,
        help="summarizer.queue_size of the batching runner (default: --max-queue; the config "
        "default of 32 turns most of a 100-request burst into 'busy' answers)",
    )  # fmt: skip
    args = parser.parse_args()
    runner_queue = args.runner_queue or args.max_queue
    print_table(asyncio.run(main(args.requests, args.max_queue, runner_queue)))
    print(f"\nmachine: {machine()}")
    print("rerun: HF_HUB_OFFLINE=1 python benchmarks/load_slack.py " + " ".join(sys.argv[1:]))
