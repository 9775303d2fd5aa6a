"""Shared pieces of the Slack HTTP-mode benchmarks (load_slack.py, soak.py).

The bot runs alone in a spawned process, built the way `newsbot run` builds it
(`bot.runtime.open_deps` → `build_summarizer`, so the batching runner is in front of the
backend), with the real `SlackAdapter` in HTTP mode pointed at a fake Slack Web API that lives
in the parent process together with the load generator. The parent talks to the bot over a
pipe: the bot sends its port and pid, then measures event-loop lag between "measure" and
"done" and sends back the samples and the runner's batch sizes.
"""

from __future__ import annotations

import asyncio
import cProfile
import multiprocessing
import os
import platform
import statistics
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any

import aiohttp

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # for tests.fake_slack / tests.pages
sys.path.insert(0, str(ROOT / "benchmarks"))  # for common

from tests.fake_slack import Call, FakeSlack, command_body, sign  # noqa: E402
from tests.pages import SAMPLE_TEXT  # noqa: E402

SECRET = "bench-signing-secret"


# --- data and statistics ----------------------------------------------------------------------


def articles(n: int, max_chars: int = 30_000) -> list[str]:
    """Distinct real news articles from ../shared/data (read now, never stored in the repo);
    the sample article, numbered, if the data set is not there."""
    try:
        from common import load_articles

        texts = [a.text for a in load_articles("cnndm", "all", limit=n)]
    except (ImportError, OSError):
        texts = []
    while len(texts) < n:
        texts.append(f"{SAMPLE_TEXT}\n\n(Copy {len(texts)}.)")
    return [t[:max_chars] for t in texts[:n]]


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def lag_stats(lag: list[float]) -> dict[str, float]:
    """Event-loop lag percentiles in ms, as both Slack benchmarks report them."""
    return {
        "loop_lag_p50_ms": statistics.median(lag) * 1000,
        "loop_lag_p99_ms": pct(lag, 99) * 1000,
        "loop_lag_max_ms": max(lag) * 1000,
    }


def machine() -> str:
    return (
        f"{os.cpu_count()} CPUs, {platform.processor() or platform.machine()}, "
        f"Python {sys.version.split()[0]}"
    )


def rss_mb(pid: int) -> float:
    """Resident set size of a process (Linux), in MiB."""
    with open(f"/proc/{pid}/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def print_table(result: dict[str, Any]) -> None:
    print(f"{'metric':<22} value")
    for key, value in result.items():
        print(f"{key:<22} {value:.1f}" if isinstance(value, float) else f"{key:<22} {value}")


async def loop_lag(samples: list[float], stop: asyncio.Event, every: float = 0.01) -> None:
    while not stop.is_set():
        started = time.perf_counter()
        await asyncio.sleep(every)
        samples.append(time.perf_counter() - started - every)


# --- the bot process --------------------------------------------------------------------------


@dataclass(frozen=True)
class BotSettings:
    """Picklable knobs for the bot process (spawned, so everything crosses a pipe)."""

    api_url: str
    #: service.max_queue, or None for the product default
    max_queue: int | None = None
    #: summarizer.queue_size / max_batch_requests of the batching runner (None: defaults)
    runner_queue: int | None = None
    max_batch: int | None = None
    #: summarizer.isolation: the model in a child process (the default) or a thread
    isolation: str = "process"
    #: a local page server the bot may fetch from (port), or 0 for none
    page_port: int = 0
    extra_env: dict[str, str] = field(default_factory=dict)
    #: write a cProfile of the bot process's measured phase here ("" = no profiling)
    profile_path: str = ""
    #: lift the per-user and per-channel request limits (a soak's closed-loop clients ask again
    #: as soon as they are answered; under the product's limits most answers would be "wait")
    unlimited_requests: bool = False
    #: a folder for the product's default SQLite stores (summary cache, state, digests), or ""
    #: for in-memory ones (a digest record in memory is kept for its 30-day retention)
    data_dir: str = ""


def bot_process(conn: Connection, settings: BotSettings) -> None:
    """The bot alone in its own process, as in production: Slack is somewhere else."""
    asyncio.run(_bot(conn, settings))


def bot_config(settings: BotSettings) -> Any:
    from bot.config import (
        CacheConfig,
        Config,
        FetchConfig,
        PolicyConfig,
        ServiceConfig,
        SlackConfig,
    )
    from summarizer import SummarizerConfig

    runner: dict[str, Any] = {}
    if settings.runner_queue:
        runner["queue_size"] = settings.runner_queue
    if settings.max_batch:
        runner["max_batch_requests"] = settings.max_batch
    runner["isolation"] = settings.isolation
    service = {"max_queue": settings.max_queue} if settings.max_queue else {}
    fetch = FetchConfig()
    if settings.page_port:
        fetch = FetchConfig(allowed_networks=("127.0.0.1/32",), allowed_ports=(settings.page_port,))
    return Config(
        summarizer=SummarizerConfig(backend="extractive", **runner),
        fetch=fetch,
        cache=CacheConfig(backend="sqlite", data_dir=settings.data_dir)
        if settings.data_dir else CacheConfig(backend="memory"),
        policy=PolicyConfig(
            user_requests_per_minute=10_000, channel_requests_per_minute=10_000
        ) if settings.unlimited_requests else PolicyConfig(),
        service=ServiceConfig(**service),
        slack=SlackConfig(
            enabled=True, mode="http", api_base_url=settings.api_url, http_host="127.0.0.1",
            http_port=0,
        ),
    )  # fmt: skip


async def _bot(conn: Connection, settings: BotSettings) -> None:
    from bot.adapters.slack import SlackAdapter
    from bot.runtime import open_deps

    os.environ.setdefault("SLACK_BOT_TOKEN", "xoxb-test")
    os.environ["SLACK_SIGNING_SECRET"] = SECRET
    os.environ.update(settings.extra_env)
    loop = asyncio.get_running_loop()
    # like `newsbot run`: no summarizer passed in, so open_deps → build_summarizer, which puts
    # the backend behind the batching runner
    async with open_deps(bot_config(settings)) as deps:
        adapter = SlackAdapter(deps.for_adapters, shutdown_grace=600)
        await adapter.start()
        try:
            runner = deps.service.summarizer
            model_pid = getattr(getattr(runner, "inner", None), "pid", None)  # process isolation
            conn.send((adapter.http.port, os.getpid(), model_pid, type(runner).__name__))
            await loop.run_in_executor(None, conn.recv)  # "measure"
            profiler = cProfile.Profile() if settings.profile_path else None
            if profiler is not None:
                profiler.enable()
            lag: list[float] = []
            stop = asyncio.Event()
            monitor = asyncio.create_task(loop_lag(lag, stop))
            await loop.run_in_executor(None, conn.recv)  # "done"
            stop.set()
            await monitor
            if profiler is not None:
                profiler.disable()
                profiler.dump_stats(settings.profile_path)
            batches = list(getattr(deps.service.summarizer, "batches", []))
            conn.send({"lag": lag, "batches": batches})
        finally:
            await adapter.close()


class BotHandle:
    """The spawned bot: `url` of its Slack endpoint; its pid and its model process's for RSS."""

    def __init__(
        self, proc: BaseProcess, conn: Connection, port: int, pids: tuple[int, ...], runner: str
    ) -> None:
        self.proc, self.conn, self.pids, self.runner = proc, conn, pids, runner
        self.url = f"http://127.0.0.1:{port}/slack/events"

    def rss_mb(self) -> float:
        """Resident memory of the bot and its model process together, in MiB."""
        return sum(rss_mb(pid) for pid in self.pids)

    @classmethod
    async def start(cls, settings: BotSettings) -> BotHandle:
        ctx = multiprocessing.get_context("spawn")
        parent, child = ctx.Pipe()
        # not a daemon: the bot starts its own model process, as `newsbot run` does
        proc = ctx.Process(target=bot_process, args=(child, settings))
        proc.start()
        child.close()
        try:
            port, pid, model_pid, runner = await asyncio.get_running_loop().run_in_executor(
                None, parent.recv
            )
        except EOFError:
            proc.join(5)
            raise RuntimeError(
                f"the bot process failed to start (exit code {proc.exitcode})"
            ) from None
        return cls(proc, parent, port, (pid, model_pid) if model_pid else (pid,), runner)

    def kill(self) -> None:
        """Stop the bot process if it is still running (e.g. the benchmark failed midway)."""
        if self.proc.is_alive():
            self.proc.kill()
            self.proc.join(5)

    def measure(self) -> None:
        self.conn.send("measure")

    async def finish(self) -> dict[str, list]:
        """Stop measuring; the lag samples and batch sizes; the bot process exits."""
        loop = asyncio.get_running_loop()
        self.conn.send("done")
        data = await loop.run_in_executor(None, self.conn.recv)
        await loop.run_in_executor(None, self.proc.join)
        return data


# --- the load generator side ------------------------------------------------------------------


def escape(text: str) -> str:
    """What Slack does to `&`, `<`, `>` in a slash command's text."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


async def post_command(
    session: aiohttp.ClientSession,
    url: str,
    text: str,
    *,
    user: str,
    channel: str,
    response_url: str,
) -> tuple[float, int, str]:
    """One signed `/summarize`: (ack latency in s, HTTP status, response body).

    The body is the ack; for some requests (e.g. "already summarized here") it is the answer."""
    request = signed_command(text, user=user, channel=channel, response_url=response_url)
    return await send_signed(session, url, request)


def signed_command(
    text: str, *, user: str, channel: str, response_url: str
) -> tuple[bytes, dict[str, str]]:
    """The form body and headers Slack would send for `/summarize text` (signing is Slack's
    work, so a burst can be prepared before the clock starts)."""
    body = command_body(escape(text), user=user, channel=channel, response_url=response_url)
    headers = {"Content-Type": "application/x-www-form-urlencoded", **sign(SECRET, body)}
    return body.encode(), headers


async def send_signed(
    session: aiohttp.ClientSession, url: str, request: tuple[bytes, dict[str, str]]
) -> tuple[float, int, str]:
    """POST a prepared request: (latency in s, HTTP status, response body)."""
    body, headers = request
    started = time.perf_counter()
    async with session.post(url, data=body, headers=headers) as resp:
        text = await resp.text()
        status = resp.status
    return time.perf_counter() - started, status, text


def answer_kind(call: Call) -> str | None:
    """'summary', 'already', 'other' for a call that answers a user; None otherwise."""
    if call.method not in ("chat.postMessage", "chat.postEphemeral", "respond"):
        return None
    blocks = call.args.get("blocks") or []
    if call.method == "chat.postMessage" and any(b.get("type") == "actions" for b in blocks):
        return "summary"
    if str(call.args.get("text", "")).startswith("Already summarized here"):
        return "already"
    return "other"


def answer_channel(call: Call) -> str:
    """The channel an answer went to; a response_url is named `<channel>-<anything>`."""
    if call.method == "respond":
        return str(call.args.get("_name", "")).split("-", 1)[0]
    return str(call.args.get("channel", ""))


class CountingSlack(FakeSlack):
    """The fake Web API, but answers are counted per channel instead of every call kept
    (a long run would otherwise fill the parent with call records and slow its scans)."""

    def __init__(self) -> None:
        super().__init__()
        self.answers: Counter[str] = Counter()  # channel → answers
        self.kinds: Counter[str] = Counter()
        self.other_texts: Counter[str] = Counter()
        self.answer_times: list[float] = []
        self._waiters: dict[str, asyncio.Future[str]] = {}

    def expect(self, channel: str) -> asyncio.Future[str]:
        """A future for the next answer in `channel` (one outstanding request per channel)."""
        future = asyncio.get_running_loop().create_future()
        self._waiters[channel] = future
        return future

    def forget(self, channel: str) -> None:
        self._waiters.pop(channel, None)

    async def _record(self, call: Call) -> None:
        kind = answer_kind(call)
        if kind is None:
            return
        channel = answer_channel(call)
        self.answers[channel] += 1
        self.kinds[kind] += 1
        self.answer_times.append(call.at)
        if kind == "other":
            self.other_texts[str(call.args.get("text", ""))[:160]] += 1
        self.messages.clear()  # nothing here reads history; keep the parent lean
        waiter = self._waiters.pop(channel, None)
        if waiter is not None and not waiter.done():
            waiter.set_result(kind)

    async def wait_answers(self, total: int, within: float) -> bool:
        deadline = time.monotonic() + within
        while sum(self.answers.values()) < total:
            if time.monotonic() > deadline:
                return False
            await asyncio.sleep(0.1)
        return True


# --- the fake Slack in a process of its own ---------------------------------------------------


def slack_process(conn: Connection) -> None:
    """`CountingSlack` alone in its own process, as Slack is: its work (answering the bot's
    Web API calls) must not delay the load generator's reading of acks."""
    asyncio.run(_slack(conn))


async def _slack(conn: Connection) -> None:
    fake = await CountingSlack().start()
    loop = asyncio.get_running_loop()
    conn.send(fake.base)
    try:
        while True:
            command, *args = await loop.run_in_executor(None, conn.recv)
            if command == "stop":
                return
            if command == "expect":  # (channel, seconds): the kind of its next answer, or None
                channel, within = args
                try:
                    conn.send(await asyncio.wait_for(fake.expect(channel), within))
                except TimeoutError:
                    fake.forget(channel)
                    conn.send(None)
            elif command == "wait_answers":  # (total, seconds)
                conn.send(await fake.wait_answers(*args))
            elif command == "clear":
                for counter in (fake.answers, fake.kinds, fake.other_texts):
                    counter.clear()
                fake.answer_times.clear()
                conn.send(True)
            elif command == "counts":
                conn.send({
                    "answers": dict(fake.answers), "kinds": dict(fake.kinds),
                    "other_texts": dict(fake.other_texts), "answer_times": fake.answer_times,
                })  # fmt: skip
    finally:
        await fake.stop()


class SlackHandle:
    """The spawned fake Slack: `api_url`, `response_url(name)`, and its counts on request."""

    def __init__(self, proc: BaseProcess, conn: Connection, base: str) -> None:
        self.proc, self.conn, self.base = proc, conn, base
        self.api_url = f"{base}/api/"

    @classmethod
    async def start(cls) -> SlackHandle:
        ctx = multiprocessing.get_context("spawn")
        parent, child = ctx.Pipe()
        proc = ctx.Process(target=slack_process, args=(child,), daemon=True)
        proc.start()
        child.close()
        base = await asyncio.get_running_loop().run_in_executor(None, parent.recv)
        return cls(proc, parent, base)

    def response_url(self, name: str) -> str:
        return f"{self.base}/respond/{name}"

    async def ask(self, *command: Any) -> Any:
        """Send one command and wait for its reply off the event loop."""
        self.conn.send(command)
        return await asyncio.get_running_loop().run_in_executor(None, self.conn.recv)

    async def stop(self) -> None:
        if self.proc.is_alive():
            self.conn.send(("stop",))
            await asyncio.get_running_loop().run_in_executor(None, self.proc.join, 10)
        if self.proc.is_alive():
            self.proc.kill()
