"""Soak: Slack HTTP mode, N closed-loop clients for M minutes, pasted text and links mixed.

Each client loops: one signed `/summarize` (a pasted CNN/DM article, or a link to a page on a
local page server), then waits for its answer before sending the next. The bot (real
`AsyncApp` + aiohttp server, extractive backend behind the batching runner, built like
`newsbot run`) runs in its own process; the fake Slack Web API, the page server and the
clients share the parent. Reports throughput, ack latency, lost and duplicate answers, the
bot's RSS at minute 1 vs the end, and event-loop lag in the bot.

    HF_HUB_OFFLINE=1 python benchmarks/soak.py [--minutes 5] [--clients 100] [--link-share 0.3]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import re
import statistics
import sys
import time
from collections import Counter
from contextlib import AsyncExitStack
from tempfile import TemporaryDirectory

import aiohttp
from slack_harness import (
    BotHandle,
    BotSettings,
    CountingSlack,
    articles,
    lag_stats,
    machine,
    pct,
    post_command,
    print_table,
)

from tests.pages import PageServer, article_html

#: An answer that has not come after this long is counted as late (and lost if it never does).
ANSWER_TIMEOUT = 180.0
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def page_for(text: str, k: int) -> str:
    """A news page around a data-set article: paragraphs of three sentences."""
    sentences = _SENTENCE_END.split(text.strip())
    paragraphs = [" ".join(sentences[i : i + 3]) for i in range(0, len(sentences), 3)]
    return article_html("\n".join([f"Story {k}", *paragraphs]), title=f"Story {k}")


async def main(minutes: float, clients: int, link_share: float, pages_n: int, seed: int) -> dict:
    # slack_bolt's parse_body treats any form body containing the substring "payload" as an
    # interactivity payload, finds no `payload` field and answers 404 (no listener runs), so
    # such pastes can never be answered; they are left out here and reported instead
    pastes = [t for t in articles(300) if "payload" not in t]
    page_texts = articles(300 + pages_n)[300:]
    async with AsyncExitStack() as stack:
        fake = await CountingSlack().start()
        stack.push_async_callback(fake.stop)
        pages = await PageServer().start()
        stack.push_async_callback(pages.stop)
        for k, text in enumerate(page_texts):
            pages.add(f"/story/{k}", page_for(text, k))
        # queues sized for every client at once (summarizer.queue_size defaults to 32, which would
        # turn part of 100 clients' requests into "busy" answers)
        bot = await BotHandle.start(
            BotSettings(
                fake.api_url, max_queue=200, runner_queue=200, page_port=pages.port,
                unlimited_requests=True, data_dir=stack.enter_context(TemporaryDirectory()),
            )  # fmt: skip
        )
        stack.callback(bot.kill)
        session = await stack.enter_async_context(
            aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0))
        )

        sent: Counter[str] = Counter()
        kinds_sent: Counter[str] = Counter()
        acks: list[tuple[float, float]] = []  # (sent at, ack seconds)
        late = 0
        http_errors: Counter[int] = Counter()

        async def request(channel: str, user: str, seq: int, text: str) -> bool:
            """One request and its answer; False if the answer did not come in time."""
            sent[channel] += 1
            answer = fake.expect(channel)
            at = time.monotonic()
            ack, status, body = await post_command(
                session, bot.url, text, user=user, channel=channel,
                response_url=fake.response_url(f"{channel}-{seq}"),
            )  # fmt: skip
            acks.append((at, ack))
            if status != 200:  # Slack would show the user "dispatch_failed": no answer
                http_errors[status] += 1
                fake.forget(channel)
                return True
            if "Summarizing" not in body:  # answered in the ack itself (e.g. "already here")
                fake.forget(channel)
                fake.answers[channel] += 1
                fake.kinds["in_ack"] += 1
                return True
            try:
                await asyncio.wait_for(answer, ANSWER_TIMEOUT)
            except TimeoutError:
                return False
            return True

        def pick(rng: random.Random, i: int, seq: int) -> tuple[str, str]:
            if rng.random() < link_share:
                return "link", f"{pages.base}/story/{rng.randrange(pages_n)}"
            body = pastes[rng.randrange(len(pastes))]
            return "paste", f"Soak paste {i}.{seq}\n{body}"

        # warm-up (not measured): auth.test, language model, one paste, one link
        await request("CWARM", "UWARM", 0, pastes[0])
        await request("CWARM", "UWARM", 1, f"{pages.base}/story/0")
        for counter in (fake.answers, fake.kinds, sent):
            counter.clear()
        fake.answer_times.clear()
        acks.clear()

        bot.measure()
        t0 = time.monotonic()
        end = t0 + minutes * 60

        async def client(i: int) -> None:
            nonlocal late
            rng = random.Random(seed * 1000 + i)
            seq = 0
            while time.monotonic() < end:
                seq += 1
                kind, text = pick(rng, i, seq)
                kinds_sent[kind] += 1
                if not await request(f"C{i:04d}", f"U{i:04d}", seq, text):
                    late += 1

        rss: list[tuple[float, float]] = []

        async def sample_rss() -> None:
            while True:
                rss.append((time.monotonic() - t0, bot.rss_mb()))
                await asyncio.sleep(5)

        sampler = asyncio.create_task(sample_rss())
        runs = [asyncio.create_task(client(i)) for i in range(clients)]
        await asyncio.sleep(max(0.0, end - time.monotonic()))
        sampler.cancel()
        rss_end = bot.rss_mb()
        await asyncio.gather(*runs)  # clients finish their last request
        drained = time.monotonic() - t0
        total = sum(sent.values())
        await fake.wait_answers(total, 30)  # a straggler after a timeout still counts
        data = await bot.finish()
        lag, batches = data["lag"], data["batches"]

        lost = sum(max(0, n - fake.answers[ch]) for ch, n in sent.items())
        duplicates = sum(max(0, fake.answers[ch] - sent[ch]) for ch in fake.answers)
        in_window = sum(1 for t in fake.answer_times if t <= end)
        rss_1 = min(rss, key=lambda s: abs(s[0] - 60))[1]
        steady = [a for at, a in acks if at - t0 >= 60]
        for text, n in fake.other_texts.most_common():
            print(f"non-summary answer (x{n}):", text)
        print("RSS samples (s, MiB):", " ".join(f"{t:.0f}:{m:.0f}" for t, m in rss[::6]))
        return {
            "summarizer": bot.runner,
            "clients": clients,
            "minutes": minutes,
            "requests": total,
            "pastes / links": f"{kinds_sent['paste']} / {kinds_sent['link']}",
            "replies_per_s": in_window / (end - t0),
            "drained_after_s": drained,
            "summaries": fake.kinds["summary"],
            "already_here": fake.kinds["already"],
            "answered_in_ack": fake.kinds["in_ack"],
            "other_answers": fake.kinds["other"],
            "lost": lost,
            "http_errors": dict(http_errors),
            "duplicate_answers": duplicates,
            "late_answers": late,
            "ack_p50_ms": statistics.median(a for _, a in acks) * 1000,
            "ack_p99_ms": pct([a for _, a in acks], 99) * 1000,
            "ack_max_ms": max(a for _, a in acks) * 1000,
            "ack_p99_after_1min_ms": pct(steady, 99) * 1000,
            "rss_1min_mb": rss_1,
            "rss_end_mb": rss_end,
            "rss_growth_pct": (rss_end / rss_1 - 1) * 100,
            "mean_batch": statistics.fmean(batches) if batches else float("nan"),
            **lag_stats(lag),
        }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=5.0)
    parser.add_argument("--clients", type=int, default=100)
    parser.add_argument("--link-share", type=float, default=0.3, help="share of link requests")
    parser.add_argument("--pages", type=int, default=100, help="distinct pages to link to")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    result = asyncio.run(main(args.minutes, args.clients, args.link_share, args.pages, args.seed))
    print_table(result)
    print(f"\nmachine: {machine()}")
    print("rerun: HF_HUB_OFFLINE=1 python benchmarks/soak.py " + " ".join(sys.argv[1:]))
