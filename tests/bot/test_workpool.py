"""Page reading in killable worker processes: deadlines, memory caps, replacement, shutdown."""

from __future__ import annotations

import asyncio
import functools
import os
import time

import pytest

from bot.cache import MemoryCache
from bot.config import CacheConfig, Config, FetchConfig, ServiceConfig
from bot.errors import ExtractError
from bot.pagegate import PageRejected
from bot.pagework import MAX_TAGS, page_article
from bot.runtime import open_deps
from bot.service import PASTE_IN_THREAD_CHARS, SummaryService
from bot.service_setup import open_service
from bot.workpool import WorkPool
from tests.fakes import FakeSummarizer
from tests.hostile_pages import many_paragraphs, shared_stream_pdf
from tests.pages import PAYWALL_HTML, SAMPLE_TEXT, PageServer, article_html

#: Just under the tag cap, yet the extractor needs about 6 s for it: three times the test's
#: 2 s deadline, so a faster machine still runs past it.
SLOW_PAGE = many_paragraphs(MAX_TAGS // 2 - 10)
#: Three pages sharing one 50k-operation stream: ~15 s of pypdf for a 5 KB file.
SLOW_PDF = shared_stream_pdf(3, 50_000)
#: Five pages sharing a 100k-operation stream: close to a minute for a 9 KB file.
STUCK_PDF = shared_stream_pdf(5, 100_000)


def sleep_for(seconds: float) -> str:
    """A task that is stuck for as long as asked (runs in the worker)."""
    time.sleep(seconds)
    return "woke"


def allocate(megabytes: int) -> int:
    """A task that needs `megabytes` of memory at once (runs in the worker)."""
    return len(bytearray(megabytes * 1024 * 1024))


def extractor_loaded() -> bool:
    """In a worker: is the extractor (trafilatura and its settings) already loaded?"""
    import sys

    from bot import extract

    return "trafilatura" in sys.modules and extract._trafilatura.cache_info().currsize == 1


def worker_pid() -> int:
    return os.getpid()


@pytest.fixture
async def server():
    srv = await PageServer().start()
    srv.add("/story", article_html())
    srv.add("/many-paragraphs", SLOW_PAGE)
    srv.add("/shared-stream.pdf", SLOW_PDF, ctype="application/pdf")
    srv.add("/stuck.pdf", STUCK_PDF, ctype="application/pdf")
    yield srv
    await srv.stop()


def make_config(port: int, **service) -> Config:
    return Config(
        fetch=FetchConfig(allowed_networks=("127.0.0.1/32",), allowed_ports=(port,)),
        cache=CacheConfig(backend="memory"),
        service=ServiceConfig(**service),
    )


@pytest.fixture
async def service(server):
    svc = SummaryService(
        make_config(server.port, page_timeout=2.0), FakeSummarizer(), cache=MemoryCache(100)
    )
    yield svc
    await svc.close()


def gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


async def until(condition) -> None:
    """Poll `condition` (pool state has no event to wait on) for up to 30 s."""
    for _ in range(1500):
        if condition():
            return
        await asyncio.sleep(0.02)
    raise AssertionError("condition never became true")


@pytest.mark.parametrize("path", ["/many-paragraphs", "/shared-stream.pdf"])
async def test_hostile_page_times_out_while_a_normal_summary_completes(service, server, path):
    hostile = asyncio.create_task(service.summarize_url(f"{server.base}{path}"))
    await until(lambda: service.pages.busy == 1)  # the hostile page holds a worker
    normal = await service.summarize_url(f"{server.base}/story", bullets=2)
    assert "Residents of the fishing town" in normal.bullets[0].text
    with pytest.raises(ExtractError, match="took too long to read"):
        await hostile
    # the hostile page's worker was killed (a busy machine may also retire the normal page's
    # worker after its task, if that ran past the 1 s after which it is demoted)
    assert service.pages.killed >= 1
    # the failure is remembered: asking again neither fetches nor parses the page again
    with pytest.raises(ExtractError, match="took too long to read"):
        await service.summarize_url(f"{server.base}{path}")
    assert server.hits[path] == 1


async def test_a_warmed_pool_reads_the_first_page_with_the_worker_it_started():
    pool = WorkPool(2, timeout=30.0, memory_mb=512)
    try:
        await pool.warm()
        (pid,) = pool.pids
        await pool.warm()  # already warm: no second worker
        assert pool.started == 1
        assert await pool.run(worker_pid) == pid
        assert pool.started == 1
    finally:
        await pool.close()


async def test_workers_fork_with_the_extractor_already_loaded():
    """The forkserver reads a page before forking, so no new worker (a second one, or one
    replacing a killed worker) spends its first page importing trafilatura (~0.4 s)."""
    pool = WorkPool(1, timeout=3.0, memory_mb=512)
    try:
        assert await pool.run(extractor_loaded)
        with pytest.raises(ExtractError, match="took too long to read"):
            await pool.run(sleep_for, 60)
        assert await pool.run(extractor_loaded)  # its replacement too
        assert pool.started == 2
    finally:
        await pool.close()


async def test_a_killed_worker_is_replaced_and_the_next_page_is_read():
    pool = WorkPool(1, timeout=5.0, memory_mb=512)
    try:
        first = await pool.run(worker_pid)
        with pytest.raises(ExtractError, match="took too long to read"):
            await pool.run(sleep_for, 60)
        assert first not in pool.pids  # the stuck worker is gone
        await until(lambda: gone(first))
        article = await pool.run(page_article, article_html(), "https://courier.example/a", "html")
        assert article.title.startswith("Harbor town votes")
        assert pool.started >= 2 and pool.killed >= 1
        assert await pool.run(worker_pid) not in (first, os.getpid())
    finally:
        await pool.close()


async def test_close_kills_a_stuck_task_instead_of_waiting_for_it():
    pool = WorkPool(2, timeout=600.0, memory_mb=512)
    stuck = asyncio.create_task(pool.run(sleep_for, 600))
    await until(lambda: pool.busy == 1)
    (pid,) = pool.pids
    await asyncio.wait_for(pool.close(), timeout=10)  # the task would take ten minutes
    with pytest.raises(ExtractError, match="restarting"):
        await asyncio.wait_for(stuck, timeout=10)
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)
    with pytest.raises(RuntimeError, match="closed"):
        await pool.run(worker_pid)


async def test_runtime_shutdown_does_not_wait_for_a_stuck_extraction(server):
    """`newsbot run` closes through `open_service`: a stuck page must not hold up exit."""
    config = make_config(server.port, page_timeout=300.0)
    async with open_service(config, FakeSummarizer()) as svc:
        hostile = asyncio.create_task(svc.summarize_url(f"{server.base}/stuck.pdf"))
        await until(lambda: svc.pages.busy == 1)
        (pid,) = svc.pages.pids
        started = time.monotonic()
    assert time.monotonic() - started < 10  # the PDF alone would take about a minute
    await until(lambda: gone(pid))
    with pytest.raises((asyncio.CancelledError, ExtractError)):
        await hostile


async def test_a_page_over_the_memory_limit_is_refused_and_the_worker_survives():
    pool = WorkPool(1, timeout=30.0, memory_mb=64)
    try:
        pid = await pool.run(worker_pid)
        with pytest.raises(ExtractError, match="too big for me to read"):
            await pool.run(allocate, 256)
        assert await pool.run(allocate, 16) == 16 * 1024 * 1024
        assert await pool.run(worker_pid) == pid  # a MemoryError is an answer, not a crash
    finally:
        await pool.close()


def test_a_page_with_more_tags_than_the_cap_is_refused_before_parsing():
    html = many_paragraphs(MAX_TAGS // 2 + 1)  # <p> and </p>: just over the cap
    with pytest.raises(ExtractError, match="too much markup"):
        page_article(html, "https://courier.example/a", "html")


async def test_errors_keep_their_class_and_details_across_the_process_boundary():
    pool = WorkPool(1, timeout=30.0, memory_mb=512)
    try:
        with pytest.raises(PageRejected) as caught:
            await pool.run(page_article, PAYWALL_HTML, "https://ledger.example/a", "html")
        assert caught.value.reason == "paywall"
        assert "paywalled" in caught.value.message
    finally:
        await pool.close()


async def test_workers_start_on_first_use_only():
    pool = WorkPool(2, timeout=30.0, memory_mb=512)
    try:
        assert (pool.started, pool.pids) == (0, [])
        await pool.run(worker_pid)
        await pool.run(worker_pid)
        assert pool.started == 1  # an idle worker is reused
    finally:
        await pool.close()


async def test_a_waiting_page_stops_a_long_running_one_instead_of_waiting_out_its_deadline():
    pool = WorkPool(1, timeout=120.0, memory_mb=512, demote_after=0.2)
    try:
        stuck = asyncio.create_task(pool.run(sleep_for, 120))
        await until(lambda: pool.busy == 1)
        (stuck_pid,) = pool.pids
        # without preemption this would wait for the 120 s deadline, then answer "busy"
        pid = await asyncio.wait_for(pool.run(worker_pid), timeout=30)
        with pytest.raises(ExtractError, match="took too long to read while other pages"):
            await stuck
        assert pid not in (stuck_pid, os.getpid())
        await until(lambda: gone(stuck_pid))
    finally:
        await pool.close()


async def test_a_task_within_its_guaranteed_time_is_not_stopped_for_a_waiting_one():
    pool = WorkPool(1, timeout=120.0, memory_mb=512, demote_after=60.0)
    try:
        first = asyncio.create_task(pool.run(sleep_for, 0.5))
        await until(lambda: pool.busy == 1)
        await pool.run(worker_pid)
        assert await first == "woke" and pool.killed == 0
    finally:
        await pool.close()


async def test_a_running_bot_reads_every_paste_in_a_page_worker():
    """Paste preparation has the page deadline too: `newsbot run` sends even a short one."""
    config = Config(cache=CacheConfig(backend="memory"))
    async with open_deps(config, FakeSummarizer()) as deps:
        assert deps.service.pages.started == 0
        result = await deps.service.summarize_text(SAMPLE_TEXT[:600])
        assert result.bullets and deps.service.pages.started == 1


async def test_a_cli_run_reads_a_short_paste_in_a_thread_and_a_long_one_in_a_worker():
    long = (SAMPLE_TEXT + "\n\n") * (PASTE_IN_THREAD_CHARS // len(SAMPLE_TEXT) + 1)
    async with open_service(Config(cache=CacheConfig(backend="memory")), FakeSummarizer()) as svc:
        await svc.summarize_text(SAMPLE_TEXT[:600])
        assert svc.pages.started == 0  # `newsbot summarize FILE` starts no worker for it
        result = await svc.summarize_text(long)
        assert result.bullets and svc.pages.started == 1


async def test_a_task_arriving_during_the_warm_up_takes_the_warmed_worker():
    pool = WorkPool(2, timeout=30.0, memory_mb=512)
    try:
        warming = asyncio.create_task(pool.warm())
        await asyncio.sleep(0)  # the warm-up has handed its start to a thread
        pid = await pool.run(worker_pid)
        await warming
        assert pool.started == 1 and pool.pids == [pid]
    finally:
        await pool.close()


async def test_a_cancelled_warm_up_leaves_no_worker_behind():
    import multiprocessing

    def page_workers() -> list[int]:
        return [p.pid for p in multiprocessing.active_children() if p.name == "newsbot-pages"]

    before = set(page_workers())
    # each worker sleeps a second before it says it is ready: the start is surely cut short
    pool = WorkPool(1, timeout=30.0, memory_mb=512, child_setup=functools.partial(time.sleep, 1))
    try:
        warming = asyncio.create_task(pool.warm())
        await asyncio.sleep(0.1)
        warming.cancel()
        with pytest.raises(asyncio.CancelledError):
            await warming
        assert pool.pids == []
        await asyncio.sleep(2.0)  # the start in its thread has finished by now
        await until(lambda: set(page_workers()) <= before)
    finally:
        await pool.close()


async def test_a_link_not_in_the_cache_starts_one_worker_while_it_downloads(server):
    """`newsbot summarize URL`: the worker starts with the fetch (one worker, not two); a
    cached summary starts none."""
    from bot.fetch import Fetcher

    config = make_config(server.port)

    class SlowLink(Fetcher):
        pool: WorkPool | None = None

        async def fetch(self, url, *args, **kwargs):  # type: ignore[no-untyped-def]
            assert self.pool is not None
            pool = self.pool
            await until(lambda: bool(pool.pids))  # a worker came up while "downloading"
            return await super().fetch(url, *args, **kwargs)

    slow = SlowLink(config.fetch)
    async with open_service(config, FakeSummarizer(), fetcher=slow) as first:
        slow.pool = first.pages
        assert (await first.summarize_url(f"{server.base}/story")).bullets
        assert first.pages.started == 1
        async with open_service(config, FakeSummarizer()) as second:
            second.cache = first.cache  # what a later CLI run finds in the SQLite cache
            assert (await second.summarize_url(f"{server.base}/story")).cached
            assert second.pages.started == 0


async def test_a_background_warm_up_that_fails_is_logged_and_the_next_task_starts_a_worker(
    caplog: pytest.LogCaptureFixture,
):
    pool = WorkPool(1, timeout=30.0, memory_mb=512)
    real_start = pool._start

    def crash() -> None:
        raise ExtractError("the worker could not start")

    pool._start = crash  # type: ignore[method-assign]
    try:
        pool.warm_soon()
        assert pool._warm_task is not None
        await pool._warm_task  # handled inside: no "exception was never retrieved"
        assert "page workers did not start yet: the worker could not start" in caplog.text
        pool._start = real_start  # type: ignore[method-assign]
        assert await pool.run(worker_pid) in pool.pids
    finally:
        await pool.close()
