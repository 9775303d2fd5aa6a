"""Slack HTTP mode under load: N concurrent signed `/summarize` requests with pasted articles.

The real adapter (AsyncApp + aiohttp server) and the extractive backend behind the batching
runner, built like `newsbot run` builds them, against the fake Slack Web API from the tests,
on 127.0.0.1. The bot, the fake Slack and the load generator each run in a process of their
own, so the fake's answers to the bot's API calls never hold up the reading of an ack.
Reports ack latency (the HTTP response time Slack would see; it must stay far under 3 s), time
until the last reply, requests that never got any answer, and event-loop lag while the model
is busy.

    HF_HUB_OFFLINE=1 python benchmarks/load_slack.py [--requests 100]

With no options it runs the product's default config (what `newsbot run` uses): the busy rule,
the queue bounds and the rate limits are the defaults, each request from its own user.
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
    SlackHandle,
    articles,
    lag_stats,
    machine,
    pct,
    post_command,
    print_table,
    send_signed,
    signed_command,
)


async def main(
    requests: int,
    max_queue: int | None,
    runner_queue: int | None,
    isolation: str = "process",
    profile: str = "",
) -> dict[str, object]:
    texts = articles(requests)
    async with AsyncExitStack() as stack:
        fake = await SlackHandle.start()
        stack.push_async_callback(fake.stop)
        bot = await BotHandle.start(
            BotSettings(
                fake.api_url, max_queue=max_queue, runner_queue=runner_queue,
                isolation=isolation, profile_path=profile,
            )  # fmt: skip
        )
        stack.callback(bot.kill)
        session = await stack.enter_async_context(
            aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0))
        )

        # Slack builds and signs each request on its side: prepare the burst before the clock
        requests_ = [
            signed_command(
                text, user=f"U{i:04d}", channel=f"C{i:04d}",
                response_url=fake.response_url(f"C{i:04d}-r"),
            )  # fmt: skip
            for i, text in enumerate(texts)
        ]

        async def send(i: int) -> float:
            ack, status, _ = await send_signed(session, bot.url, requests_[i])
            if status != 200:
                raise RuntimeError(f"C{i:04d}: HTTP {status}")
            return ack

        # warm-up: auth.test, language model, first summary
        warm = asyncio.create_task(fake.ask("expect", "CWARM", 120))
        await asyncio.sleep(0.2)  # the fake is listening for it before the command goes out
        await post_command(
            session, bot.url, texts[0], user="UWARM", channel="CWARM",
            response_url=fake.response_url("CWARM-r"),
        )  # fmt: skip
        if await warm is None:
            raise RuntimeError("the warm-up request got no answer in 120 s")
        await fake.ask("clear")

        bot.measure()
        t0 = time.monotonic()
        acks = await asyncio.gather(*(send(i) for i in range(requests)))
        acked = time.monotonic() - t0
        await fake.ask("wait_answers", requests, 900)  # a shortfall is counted as lost below
        data = await bot.finish()
        lag, batches = data["lag"], data["batches"]
        counts = await fake.ask("counts")
        answers, kinds, answer_times = counts["answers"], counts["kinds"], counts["answer_times"]

        answered = sum(1 for i in range(requests) if answers.get(f"C{i:04d}", 0) >= 1)
        extra = sum(max(0, n - 1) for n in answers.values())
        for text, n in sorted(counts["other_texts"].items()):
            print(f"non-summary answer (x{n}):", text)
        return {
            "summarizer": bot.runner,
            "isolation": isolation,
            "requests": requests,
            "ack_p50_ms": statistics.median(acks) * 1000,
            "ack_p99_ms": pct(acks, 99) * 1000,
            "ack_max_ms": max(acks) * 1000,
            "all_acked_s": acked,
            "last_reply_s": (max(answer_times) - t0) if answer_times else float("nan"),
            "summaries": kinds.get("summary", 0),
            "other_answers": kinds.get("other", 0),
            "lost": requests - answered,
            "duplicate_answers": extra,
            "batches": len(batches),
            "mean_batch": statistics.fmean(batches) if batches else float("nan"),
            "max_batch": max(batches, default=0),
            **lag_stats(lag),
        }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument(
        "--max-queue", type=int, default=None, help="service.max_queue (default: the product's)"
    )
    parser.add_argument(
        "--runner-queue", type=int, default=None,
        help="summarizer.queue_size of the batching runner (default: the product's)",
    )  # fmt: skip
    parser.add_argument(
        "--isolation", choices=["process", "thread"], default="process",
        help="summarizer.isolation: the model in a child process (default) or in the bot's",
    )  # fmt: skip
    parser.add_argument("--profile", default="", help="write a cProfile of the bot's event loop")
    args = parser.parse_args()
    result = main(args.requests, args.max_queue, args.runner_queue, args.isolation, args.profile)
    print_table(asyncio.run(result))
    print(f"\nmachine: {machine()}")
    print("rerun: HF_HUB_OFFLINE=1 python benchmarks/load_slack.py " + " ".join(sys.argv[1:]))
