"""The core end to end against pages served on 127.0.0.1, with a fake summarizer."""

from __future__ import annotations

import asyncio
import os

import pytest

from bot.cache import MemoryCache
from bot.config import CacheConfig, Config, FetchConfig, ServiceConfig
from bot.errors import BlockedURLError, BusyError, ExtractError, FetchError, SummarizeError
from bot.service import SummaryResult, SummaryService
from summarizer import InputError
from tests.fakes import FakeSummarizer
from tests.pages import PAYWALL_HTML, SAMPLE_TEXT, PageServer, article_html


@pytest.fixture
async def server():
    srv = await PageServer().start()
    srv.add("/story", article_html())
    srv.add("/paywalled", PAYWALL_HTML)
    srv.add("/gone", "gone", status=404, ctype="text/plain")
    yield srv
    await srv.stop()


def make_config(port: int, **service) -> Config:
    return Config(
        fetch=FetchConfig(allowed_networks=("127.0.0.1/32",), allowed_ports=(port,)),
        cache=CacheConfig(backend="memory"),
        service=ServiceConfig(**service),
    )


@pytest.fixture
async def make_service(server):
    services = []

    def make(summarizer=None, cache=None, **service) -> SummaryService:
        svc = SummaryService(
            make_config(server.port, **service),
            summarizer or FakeSummarizer(),
            cache=cache or MemoryCache(100),
        )
        services.append(svc)
        return svc

    yield make
    for svc in services:
        await svc.close()


async def test_url_is_fetched_extracted_summarized_then_cached(server, make_service):
    svc = make_service()
    first = await svc.summarize_url(f"{server.base}/story?utm_source=chat", bullets=2)
    assert first.title.startswith("Harbor town votes to build Europe")
    assert first.site == "Coastal Courier"
    assert len(first.bullets) == 2 and not first.cached
    assert "Residents of the fishing town" in first.bullets[0].text
    assert "cookies" not in " ".join(b.text for b in first.bullets)
    # each bullet keeps its exact source sentence
    assert all(b.source and b.span for b in first.bullets)
    second = await svc.summarize_url(f"{server.base}/story", bullets=2)
    assert second.cached and second.bullets == first.bullets
    assert server.hits["/story"] == 1


@pytest.mark.parametrize(
    ("path", "body", "ctype"),
    [("/page", article_html(), "text/html"), ("/plain", SAMPLE_TEXT, "text/plain")],
)
async def test_pages_are_extracted_off_the_event_loop(
    server, make_service, path, body, ctype
):
    """Extraction scans the whole page (up to the fetch cap): it runs in a worker process."""
    server.add(path, body, ctype=ctype)
    svc = make_service()
    result = await svc.summarize_url(f"{server.base}{path}")
    assert result.bullets
    assert svc.pages.started == 1 and svc.pages.killed == 0
    assert svc.pages.pids and os.getpid() not in svc.pages.pids


async def test_cache_is_keyed_by_options(server, make_service):
    svc = make_service()
    a = await svc.summarize_url(f"{server.base}/story", bullets=2)
    b = await svc.summarize_url(f"{server.base}/story", bullets=3)
    assert len(a.bullets) == 2 and len(b.bullets) == 3 and not b.cached
    assert server.hits["/story"] == 2


async def test_single_flight_twenty_concurrent_requests(server, make_service):
    summarizer = FakeSummarizer(delay=0.2)
    svc = make_service(summarizer)
    url = f"{server.base}/story"
    results = await asyncio.gather(*(svc.summarize_url(url) for _ in range(20)))
    assert server.hits["/story"] == 1
    assert summarizer.calls == 1
    assert len({r.bullets for r in results}) == 1


async def test_failures_are_cached_briefly_and_never_as_success(server, make_service):
    cache = MemoryCache(100)
    svc = make_service(cache=cache)
    with pytest.raises(FetchError, match="404"):
        await svc.summarize_url(f"{server.base}/gone")
    with pytest.raises(FetchError, match="404"):
        await svc.summarize_url(f"{server.base}/gone")
    assert server.hits["/gone"] == 1  # the failure was remembered
    with pytest.raises(FetchError):
        await svc.summarize_url(f"{server.base}/gone", use_cache=False)
    assert server.hits["/gone"] == 2


async def test_paywall_is_an_honest_extract_error(server, make_service):
    summarizer = FakeSummarizer()
    svc = make_service(summarizer)
    with pytest.raises(ExtractError) as err:
        await svc.summarize_url(f"{server.base}/paywalled")
    assert "paywall" in str(err.value).lower() or "subscri" in str(err.value).lower()
    assert summarizer.calls == 0  # never summarize a wall


async def test_default_config_refuses_loopback_and_server_sees_nothing(server):
    svc = SummaryService(Config(cache=CacheConfig(backend="memory")), FakeSummarizer(),
                         cache=MemoryCache(10))
    try:
        with pytest.raises(BlockedURLError):
            await svc.summarize_url(f"{server.base}/story")
    finally:
        await svc.close()
    assert sum(server.hits.values()) == 0


async def test_pasted_text_with_headline(make_service):
    svc = make_service()
    result = await svc.summarize_text(SAMPLE_TEXT, bullets=3)
    assert isinstance(result, SummaryResult)
    assert result.title.startswith("Harbor town votes")
    assert len(result.bullets) == 3 and result.url is None
    assert not result.bullets[0].text.startswith("Harbor town")


async def test_model_timeout_is_a_clear_error(make_service):
    svc = make_service(FakeSummarizer(delay=1.5), summarize_timeout=1.0)
    with pytest.raises(SummarizeError, match="took too long"):
        await svc.summarize_text(SAMPLE_TEXT)


async def test_full_queue_is_a_fast_busy_error(make_service):
    svc = make_service(FakeSummarizer(delay=0.5), max_concurrent_summaries=1, max_queue=1)
    tasks = [asyncio.create_task(svc.summarize_text(SAMPLE_TEXT)) for _ in range(3)]
    results = await asyncio.gather(*tasks, return_exceptions=True)
    busy = [r for r in results if isinstance(r, BusyError)]
    done = [r for r in results if isinstance(r, SummaryResult)]
    assert len(busy) == 1 and len(done) == 2


async def test_summarizer_input_error_becomes_summarize_error(make_service):
    svc = make_service(FakeSummarizer(error=InputError("There is no text to summarize.")))
    with pytest.raises(SummarizeError, match="no text"):
        await svc.summarize_text(SAMPLE_TEXT)


class BrokenCache(MemoryCache):
    async def get(self, key):
        raise ConnectionError("cache down")

    async def put_success(self, key, payload, ttl):
        raise ConnectionError("cache down")


async def test_broken_cache_degrades_to_no_cache(server, make_service):
    svc = make_service(cache=BrokenCache(10))
    result = await svc.summarize_url(f"{server.base}/story")
    assert result.bullets and not result.cached


async def _two_replicas_fetch_once(server, cache_a, cache_b, state_a, state_b):
    summarizers = [FakeSummarizer(delay=0.3), FakeSummarizer(delay=0.3)]
    config = make_config(server.port)
    replicas = [
        SummaryService(config, summarizers[0], cache=cache_a, state=state_a),
        SummaryService(config, summarizers[1], cache=cache_b, state=state_b),
    ]
    try:
        url = f"{server.base}/story"
        results = await asyncio.gather(*(replicas[i % 2].summarize_url(url) for i in range(10)))
    finally:
        for svc in replicas:
            await svc.close()
        for state in {id(state_a): state_a, id(state_b): state_b}.values():
            await state.close()
    assert server.hits["/story"] == 1
    assert sum(s.calls for s in summarizers) == 1
    assert len({r.bullets for r in results}) == 1


async def test_replicas_sharing_state_fetch_a_url_once(server):
    from bot.state import MemoryStateStore

    shared_cache, shared_state = MemoryCache(100), MemoryStateStore()
    await _two_replicas_fetch_once(server, shared_cache, shared_cache, shared_state, shared_state)


async def test_replicas_sharing_redis_fetch_a_url_once(server, redis_url):
    from bot.cache import RedisCache
    from bot.state import RedisStateStore

    await _two_replicas_fetch_once(
        server,
        RedisCache(redis_url),
        RedisCache(redis_url),
        RedisStateStore(redis_url),
        RedisStateStore(redis_url),
    )


async def test_short_pasted_text_gets_a_best_effort_bullet(make_service):
    svc = make_service()
    result = await svc.summarize_text("The mayor resigned on Monday.")
    assert [b.text for b in result.bullets] == ["The mayor resigned on Monday."]


class BatchRecorder(FakeSummarizer):
    """Records the size of every summarize_many call it serves."""

    def __init__(self) -> None:
        super().__init__(delay=0.0)
        self.batch_sizes: list[int] = []

    def summarize_many(self, texts, *, max_bullets=3, language=None):
        self.batch_sizes.append(len(texts))
        return super().summarize_many(texts, max_bullets=max_bullets, language=language)


async def test_concurrent_requests_share_one_model_batch_through_the_runner(make_service):
    from summarizer.runner import BatchingRunner

    inner = BatchRecorder()
    runner = BatchingRunner(inner, batch_wait_ms=200, max_batch=16)
    svc = make_service(runner)  # the service closes the runner's worker on close()
    texts = [SAMPLE_TEXT.replace("Porthallow", f"Town{i}") for i in range(6)]
    results = await asyncio.gather(*(svc.summarize_text(t) for t in texts))
    assert sum(inner.batch_sizes) == 6 and max(inner.batch_sizes) >= 5
    for i, result in enumerate(results):  # each caller got its own article's summary back
        assert f"Town{i}" in " ".join(b.text for b in result.bullets)


def test_runner_queue_is_never_smaller_than_the_service_queue(monkeypatch):
    """Overload is decided by [service] max_queue: the model runner must accept that many."""
    import bot.runtime
    from bot.config import ServiceConfig
    from summarizer import SummarizerConfig

    monkeypatch.setattr(bot.runtime, "load_summarizer", lambda config: FakeSummarizer())
    config = Config(
        summarizer=SummarizerConfig(queue_size=8, isolation="thread"),
        service=ServiceConfig(max_queue=100, max_concurrent_summaries=2),
    )
    runner = bot.runtime.build_summarizer(config)
    try:
        assert runner._queue.maxsize == 102
    finally:
        runner.close()


@pytest.mark.parametrize("level", ["INFO", "WARNING"])
def test_model_process_logs_like_the_bot(capfd, caplog, level):
    """`newsbot run` keeps the model in a child process that logs in the bot's format and at
    the bot's level (so `newsbot summarize`'s quieter level holds there too)."""
    import json
    import logging

    import bot.runtime
    from bot.config import LogConfig
    from summarizer import SummarizerConfig
    from summarizer.isolation import ProcessSummarizer

    caplog.set_level(level)  # the level this process runs at
    config = Config(summarizer=SummarizerConfig(ranker="centrality"), log=LogConfig(format="json"))
    runner = bot.runtime.build_summarizer(config)
    try:
        assert isinstance(runner.inner, ProcessSummarizer)
        assert runner.inner.pid not in (None, os.getpid())
    finally:
        runner.close()
    err = capfd.readouterr().err
    records = [json.loads(line) for line in err.splitlines() if line[:1] == "{"]
    loaded = [
        r for r in records
        if r["logger"] == "summarizer.isolation" and "loaded the extractive backend" in r["message"]
    ]  # fmt: skip
    assert len(loaded) == (1 if logging.getLevelName(level) <= logging.INFO else 0)
    assert ("loaded the extractive backend" in err) == (level == "INFO")  # in JSON or not at all
