"""The core end to end against pages served on 127.0.0.1, with a fake summarizer."""

from __future__ import annotations

import asyncio
import os
import socket

import pytest
from aiohttp.abc import AbstractResolver

import bot.service
from bot.cache import MemoryCache
from bot.config import CacheConfig, Config, FetchConfig, ServiceConfig
from bot.errors import BlockedURLError, BusyError, ExtractError, FetchError, SummarizeError
from bot.fetch import Fetcher
from bot.results import SummaryResult
from bot.service import SummaryService
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


async def test_the_language_detected_at_extraction_reaches_the_summarizer(server, make_service):
    german = (
        "Der Stadtrat von Flusshausen hat am Dienstag den Bau einer neuen Brücke beschlossen. "
        "Die Brücke soll bis zum Sommer 2028 fertig sein und rund 40 Millionen Euro kosten. "
        "Anwohner hatten jahrelang für eine bessere Verbindung zwischen den beiden Ufern gekämpft. "
        "Die Opposition im Rat kritisierte die hohen Kosten und forderte eine Bürgerbefragung. "
        "Der Bürgermeister sagte, die alte Fähre sei im Winter oft ausgefallen. "
        "Pendler verlieren nach Angaben der Stadt jeden Tag fast eine Stunde auf Umwegen. "
        "Das Land will sich mit einem Zuschuss von zwölf Millionen Euro beteiligen. "
        "Die Bauarbeiten sollen im kommenden Frühjahr mit der Sperrung des Uferwegs beginnen. "
        "Umweltverbände prüfen noch, ob die Pfeiler den Lebensraum seltener Fische stören. "
        "Eine Entscheidung über den Namen der Brücke soll im Herbst fallen."
    )
    page = "Neue Brücke für die Stadt\n" + german.replace(". ", ".\n")
    server.add("/de", article_html(page))
    summarizer = FakeSummarizer()
    svc = make_service(summarizer)
    result = await svc.summarize_url(f"{server.base}/de", language="en")
    # detected once, from the page, and passed on; "en" is only the summary's language
    assert summarizer.article_languages == ["de"]
    assert result.language == "de"


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
    # a worker slowed by a busy machine may be retired after its task (never reused at a lower
    # priority), so only "a worker process did it" is certain here
    assert svc.pages.started >= 1
    assert svc.pages.pids or svc.pages.killed
    assert os.getpid() not in svc.pages.pids


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


class NameResolver(AbstractResolver):
    """Answers one fixed address for every name, and records the names asked for."""

    def __init__(self, address: str) -> None:
        self.address = address
        self.calls: list[str] = []

    async def resolve(self, host, port=0, family=socket.AF_INET):
        self.calls.append(host)
        return [
            {"hostname": host, "host": self.address, "port": port, "family": socket.AF_INET,
             "proto": 0, "flags": socket.AI_NUMERICHOST}
        ]  # fmt: skip

    async def close(self):
        pass


class SharedCache(MemoryCache):
    """A cache that outlives each service using it, like Redis or SQLite shared by replicas."""

    async def close(self) -> None:
        pass


async def _service(fetch: FetchConfig, cache, resolver=None) -> SummaryService:
    config = Config(fetch=fetch, cache=CacheConfig(backend="memory"))
    fetcher = Fetcher(fetch, resolver=resolver)
    return SummaryService(config, FakeSummarizer(), cache=cache, fetcher=fetcher)


@pytest.mark.parametrize(
    ("later", "refusal"),
    [
        (FetchConfig(), "only fetch links on ports"),  # the default config
        ("ports only", "private or internal address"),
    ],
)
async def test_a_cached_summary_of_a_literal_ip_obeys_todays_rules(server, later, refusal):
    cache = SharedCache(10)
    url = f"{server.base}/story"  # http://127.0.0.1:PORT/story
    before = await _service(make_config(server.port).fetch, cache)
    try:
        assert (await before.summarize_url(url)).bullets
        assert (await before.summarize_url(url)).cached  # the entry is there and servable
    finally:
        await before.close()
    if later == "ports only":
        later = FetchConfig(allowed_ports=(server.port,))
    after = await _service(later, cache)
    try:
        with pytest.raises(BlockedURLError, match=refusal):
            await after.summarize_url(url)
    finally:
        await after.close()
    assert server.hits["/story"] == 1
    again = await _service(make_config(server.port).fetch, cache)  # the entry is still there
    try:
        assert (await again.summarize_url(url)).cached
    finally:
        await again.close()


async def test_a_cached_summary_is_not_served_when_its_address_is_now_blocked(server):
    cache = SharedCache(10)
    url = f"http://intranet.test:{server.port}/story"
    allowing = make_config(server.port).fetch
    before = await _service(allowing, cache, NameResolver("127.0.0.1"))
    try:
        first = await before.summarize_url(url)
    finally:
        await before.close()
    assert first.bullets and server.hits["/story"] == 1
    # Same ports, no allowed networks: the name still resolves to loopback, which is refused.
    resolver = NameResolver("127.0.0.1")
    after = await _service(FetchConfig(allowed_ports=(server.port,)), cache, resolver)
    try:
        with pytest.raises(BlockedURLError, match="private or internal address"):
            await after.summarize_url(url)
    finally:
        await after.close()
    assert resolver.calls == ["intranet.test"]  # it went to fetch, and the guard refused
    assert server.hits["/story"] == 1
    # under a config that still allows the address, the same entry is served
    again = await _service(allowing, cache, NameResolver("127.0.0.1"))
    try:
        hit = await again.summarize_url(url)
    finally:
        await again.close()
    assert hit.cached and hit.bullets == first.bullets and server.hits["/story"] == 1


async def test_a_cached_summary_without_its_source_address_is_not_served(server):
    cache = MemoryCache(10)
    url = f"{server.base}/story"
    svc = await _service(make_config(server.port).fetch, cache)
    try:
        await svc.summarize_url(url)
        (key,) = {k for _ns, k in cache._data}
        entry = await cache.get(key)
        payload = {k: v for k, v in entry.payload.items() if k != "fetched_from"}
        await cache.put_success(key, payload, ttl=60)  # as an older writer would have left it
        again = await svc.summarize_url(url)
    finally:
        await svc.close()
    assert not again.cached and server.hits["/story"] == 2


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


async def test_a_full_queue_is_a_fast_busy_error_whatever_the_wait(make_service):
    """`max_queue` is the memory guard: past it, "busy" even when the model is quick."""
    svc = make_service(FakeSummarizer(delay=0.5), max_concurrent_summaries=1, max_queue=1)
    tasks = [asyncio.create_task(svc.summarize_text(SAMPLE_TEXT)) for _ in range(3)]
    results = await asyncio.gather(*tasks, return_exceptions=True)
    busy = [r for r in results if isinstance(r, BusyError)]
    done = [r for r in results if isinstance(r, SummaryResult)]
    assert len(busy) == 1 and len(done) == 2


async def test_a_short_paste_needs_no_page_worker_and_a_long_one_gets_the_deadline(make_service):
    """`newsbot summarize FILE` must not pay for starting a worker process."""
    svc = make_service()
    await svc.summarize_text(SAMPLE_TEXT)
    assert svc.pages.started == 0
    long_paste = "\n".join(f"{SAMPLE_TEXT}\nPart {i}." for i in range(20))
    assert len(long_paste) > bot.service.PASTE_IN_THREAD_CHARS
    await svc.summarize_text(long_paste)
    assert svc.pages.started == 1


async def test_a_burst_the_model_clears_in_time_is_queued_not_refused(make_service):
    """100 pastes at once with the product's defaults: all summarized, none told "busy"."""
    svc = make_service(FakeSummarizer(delay=0.01))
    results = await asyncio.gather(
        *(svc.summarize_text(f"{SAMPLE_TEXT}\nVariant {i}.") for i in range(100)),
        return_exceptions=True,
    )
    assert [type(r).__name__ for r in results] == ["SummaryResult"] * 100


async def test_busy_when_the_expected_wait_would_pass_the_timeout(make_service):
    """A slow model gets "busy" as soon as the queue ahead would outlast summarize_timeout."""
    svc = make_service(FakeSummarizer(delay=0.4), max_concurrent_summaries=1, summarize_timeout=1.1)
    await svc.summarize_text(SAMPLE_TEXT)  # the pace is measured: 0.4 s a summary
    assert 0.4 <= svc.expected_wait() < 0.6
    results = await asyncio.gather(
        *(svc.summarize_text(f"{SAMPLE_TEXT}\nVariant {i}.") for i in range(5)),
        return_exceptions=True,
    )
    busy = [r for r in results if isinstance(r, BusyError)]
    done = [r for r in results if isinstance(r, SummaryResult)]
    # waits of 0.4 and 0.8 s fit in 1.1 s; 1.2 s and more would not, so those are refused
    assert (len(done), len(busy)) == (2, 3)


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

    def summarize_many(self, texts, **options):
        self.batch_sizes.append(len(texts))
        return super().summarize_many(texts, **options)


async def test_concurrent_requests_share_one_model_batch_through_the_runner(make_service):
    from summarizer.serving.runner import BatchingRunner

    inner = BatchRecorder()
    runner = BatchingRunner(inner, batch_wait_ms=200, max_batch=16)
    svc = make_service(runner)  # the service closes the runner's worker on close()
    texts = [SAMPLE_TEXT.replace("Porthallow", f"Town{i}") for i in range(6)]
    results = await asyncio.gather(*(svc.summarize_text(t) for t in texts))
    assert sum(inner.batch_sizes) == 6 and max(inner.batch_sizes) >= 5
    for i, result in enumerate(results):  # each caller got its own article's summary back
        assert f"Town{i}" in " ".join(b.text for b in result.bullets)


def test_runner_queue_is_never_smaller_than_the_service_queue(monkeypatch):
    """The service's memory guard decides; the model runner must accept that many."""
    import bot.service_setup
    from bot.config import ServiceConfig
    from summarizer import SummarizerConfig

    monkeypatch.setattr(bot.service_setup, "load_summarizer", lambda config: FakeSummarizer())
    config = Config(
        summarizer=SummarizerConfig(queue_size=8, isolation="thread"),
        service=ServiceConfig(max_queue=100, max_concurrent_summaries=2),
    )
    runner = bot.service_setup.build_summarizer(config)
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

    import bot.service_setup
    from bot.config import LogConfig
    from summarizer import SummarizerConfig
    from summarizer.serving.process import ProcessSummarizer

    caplog.set_level(level)  # the level this process runs at
    config = Config(summarizer=SummarizerConfig(ranker="centrality"), log=LogConfig(format="json"))
    runner = bot.service_setup.build_summarizer(config)
    try:
        assert isinstance(runner.inner, ProcessSummarizer)
        assert runner.inner.pid not in (None, os.getpid())
    finally:
        runner.close()
    err = capfd.readouterr().err
    records = [json.loads(line) for line in err.splitlines() if line[:1] == "{"]
    loaded = [
        r for r in records
        if r["logger"] == "summarizer.serving.process"
        and "loaded the extractive backend" in r["message"]
    ]  # fmt: skip
    assert len(loaded) == (1 if logging.getLevelName(level) <= logging.INFO else 0)
    assert ("loaded the extractive backend" in err) == (level == "INFO")  # in JSON or not at all


async def test_the_bot_reads_every_paste_in_a_page_worker():
    """In `newsbot run` a burst of pastes must not hold the GIL the event loop acks with."""
    from bot.runtime import open_deps

    async with open_deps(Config(cache=CacheConfig(backend="memory")), FakeSummarizer()) as deps:
        result = await deps.service.summarize_text(SAMPLE_TEXT)
        assert result.bullets and deps.service.pages.started == 1


async def test_the_bot_parses_feeds_in_its_page_workers():
    """In `newsbot run` a feed is parsed under the page deadline and memory cap, off the GIL."""
    from bot.config import FeedsConfig
    from bot.runtime import open_deps

    config = Config(cache=CacheConfig(backend="memory"), feeds=FeedsConfig(enabled=True))
    async with open_deps(config, FakeSummarizer()) as deps:
        assert deps.feeds is not None
        assert deps.feeds.poller.work == deps.service.pages.run
        assert deps.feeds.commands.work == deps.service.pages.run
