"""The platform-free core: URL or text in, `SummaryResult` out (or a typed `BotError`).

policy ► cache ► fetch ► extract ► summarizer ► cache. The CLI and both chat adapters call
this and nothing below it. Model work runs in worker threads behind a bounded queue and a
timeout, page reading in killable worker processes (`bot.workpool`) with a deadline, so the event
loop never blocks and overload becomes a quick "busy".
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, Protocol

from bot.cache import SummaryCache, cache_key
from bot.config import Config
from bot.errors import (
    BlockedURLError,
    BotError,
    BusyError,
    ExtractError,
    FetchError,
    SummarizeError,
    UsageError,
)
from bot.extract import Article
from bot.pagework import page_article, paste_article
from bot.results import PAYLOAD_VERSION, ResultBullet, SummaryResult
from bot.state import StateStore
from bot.urls import normalize_url
from bot.workpool import WorkPool
from summarizer import BusyError as ModelBusy
from summarizer import Pace, Summarizer, SummarizerError, Summary

if TYPE_CHECKING:
    from bot.fetch import Fetcher

log = logging.getLogger(__name__)

#: The article text kept with a summary is bounded: questions are answered from its start.
ARTICLE_KEEP_CHARS = 60_000
#: How long one replica may hold the per-URL lock; others poll the cache meanwhile.
FLIGHT_LOCK_TTL = 90.0
FLIGHT_POLL_SECONDS = 0.25
#: Pastes up to this size are prepared in a thread: linear work of a few ms, no process needed
#: (a one-shot CLI run). A bot passes 0: there a burst of pastes in threads would hold the GIL
#: for ~4 ms each while the event loop is acking the burst.
PASTE_IN_THREAD_CHARS = 20_000
BUSY = "I'm busy summarizing other articles right now; try again in a minute."


class CoreMetrics(Protocol):
    """What the core records: `bot.observability.Metrics` for a bot, nothing for a CLI run."""

    def observe_timings(self, timings: dict[str, float]) -> None: ...
    def cache_lookup(self, hit: bool) -> None: ...
    def track_queue_depth(self, depth: Callable[[], float]) -> None: ...


class _Unrecorded:
    """A one-shot CLI command has no /metrics endpoint: nothing to record (nor to import)."""

    def observe_timings(self, timings: dict[str, float]) -> None:
        pass

    def cache_lookup(self, hit: bool) -> None:
        pass

    def track_queue_depth(self, depth: Callable[[], float]) -> None:
        pass


class SummaryService:
    """Shared by every front end; owns the worker pools and the in-flight table."""

    def __init__(
        self,
        config: Config,
        summarizer: Summarizer,
        *,
        cache: SummaryCache,
        fetcher: Fetcher | None = None,
        state: StateStore | None = None,
        pages: WorkPool | None = None,
        metrics: CoreMetrics | None = None,
        paste_in_thread_chars: int = PASTE_IN_THREAD_CHARS,
    ) -> None:
        self.config = config
        self.paste_in_thread_chars = paste_in_thread_chars
        self.metrics = metrics or _Unrecorded()
        self.summarizer = summarizer
        self.cache = cache
        #: Shared with other replicas (Redis): lets only one of them fetch a given URL.
        self.state = state
        self._fetcher = fetcher
        limits = config.service
        self._model_pool = ThreadPoolExecutor(limits.max_concurrent_summaries, "newsbot-model")
        #: Page reading (given by the runtime, which closes it; else our own).
        self._owns_pages = pages is None
        self.pages = pages or WorkPool.from_config(limits)
        self._waiting = 0
        self._pace = Pace()
        self._inflight: dict[str, asyncio.Task[SummaryResult]] = {}
        self.metrics.track_queue_depth(lambda: self._waiting)

    @property
    def fetcher(self) -> Fetcher:
        """The SSRF-safe fetcher, made at the first link: a text summary never needs it."""
        if self._fetcher is None:
            from bot.fetch import Fetcher

            self._fetcher = Fetcher(self.config.fetch)
        if self._fetcher.offload is None:  # PDF text and big-body decoding: same deadline
            self._fetcher.offload = self.pages.run
        return self._fetcher

    # --- public API ---------------------------------------------------------------------------

    async def summarize_url(
        self,
        url: str,
        *,
        bullets: int | None = None,
        language: str | None = None,
        use_cache: bool = True,
    ) -> SummaryResult:
        """Summary of the article at `url`; concurrent calls for one URL share one fetch."""
        canonical = normalize_url(url)
        # The rules that need no network hold for a cached summary too: a summary made under
        # a config that allowed this link must not outlive a config that refuses it.
        self.fetcher.check_url(url)
        n = self._bullets(bullets)
        key = cache_key(canonical, self.summarizer.name, {"bullets": n, "language": language})
        if use_cache:
            hit = await self._cache_get(key)
            if hit is not None:
                return hit
        task = self._inflight.get(key)
        if task is None:
            task = asyncio.create_task(self._summarize_url_uncached(key, url, n, language))
            self._inflight[key] = task
            task.add_done_callback(lambda _t: self._inflight.pop(key, None))
        # shield: one caller giving up must not cancel the work the others wait on
        return await asyncio.shield(task)

    async def summarize_text(
        self,
        text: str,
        *,
        bullets: int | None = None,
        language: str | None = None,
        title: str | None = None,
    ) -> SummaryResult:
        """Summary of pasted text (not cached: it is private to whoever pasted it)."""
        n = self._bullets(bullets)
        self._check_capacity()
        # off the event loop; a long paste goes where a deadline can stop it, a short one to a
        # thread, so `newsbot summarize FILE` needs no worker process at all
        if len(text) > self.paste_in_thread_chars:
            article = await self.pages.run(paste_article, text, title)
        else:
            article = await asyncio.to_thread(paste_article, text, title)
        return await self._summarize_article(article, n, language, "")

    async def close(self) -> None:
        for task in list(self._inflight.values()):
            task.cancel()
        if self._fetcher is not None:
            await self._fetcher.close()
        await self.cache.close()
        self._model_pool.shutdown(wait=False, cancel_futures=True)
        close_model = getattr(self.summarizer, "close", None)
        if close_model is not None:  # e.g. the batching runner's worker thread
            await asyncio.to_thread(close_model)
        if self._owns_pages:
            await self.pages.close()

    # --- steps --------------------------------------------------------------------------------

    async def _summarize_url_uncached(
        self, key: str, url: str, bullets: int, language: str | None
    ) -> SummaryResult:
        lock = f"flight:{key}"
        if not await self._acquire_flight(lock):
            # another replica is on it: wait for its result in the shared cache
            result = await self._await_other_replica(key)
            if result is not None:
                return result
        try:
            return await self._fetch_and_summarize(key, url, bullets, language)
        finally:
            if self.state is not None:
                await _quietly(self.state.release_lock(lock), "lock release")

    async def _acquire_flight(self, lock: str) -> bool:
        if self.state is None:
            return True
        got = await _quietly(self.state.acquire_lock(lock, FLIGHT_LOCK_TTL), "lock")
        return got is not False  # a broken store (None) must not stop the work

    async def _await_other_replica(self, key: str) -> SummaryResult | None:
        deadline = time.monotonic() + FLIGHT_LOCK_TTL
        while time.monotonic() < deadline:
            await asyncio.sleep(FLIGHT_POLL_SECONDS)
            hit = await self._cache_get(key)
            if hit is not None:
                return hit
        return None  # the other replica died or gave up: do the work here

    async def _fetch_and_summarize(
        self, key: str, url: str, bullets: int, language: str | None
    ) -> SummaryResult:
        try:
            started = time.perf_counter()
            self.pages.warm_soon()  # a CLI run's first worker starts while the page downloads
            page = await self.fetcher.fetch(url)
            fetched = time.perf_counter()
            # scans the whole page (up to the fetch cap): in a worker process, with a deadline
            article = await self.pages.run(page_article, page.text, page.url, page.kind)
            timings = {"fetch": fetched - started, "extract": time.perf_counter() - fetched}
            result = await self._summarize_article(article, bullets, language, key, timings)
        except (FetchError, ExtractError) as exc:
            await self._cache_failure(key, exc)
            raise
        await self._cache_put(key, result, page.url, page.peer)
        return result

    async def _summarize_article(
        self,
        article: Article,
        bullets: int,
        language: str | None,
        key: str,
        timings: dict[str, float] | None = None,
    ) -> SummaryResult:
        started = time.perf_counter()
        summary = await self._run_model(article.text, bullets, language, article.language)
        timings = {**(timings or {}), "summarize": time.perf_counter() - started}
        text = article.text
        result_bullets = tuple(
            ResultBullet(b.text, text[b.span[0] : b.span[1]], b.span)
            if b.span
            else ResultBullet(b.text)
            for b in summary.bullets
        )
        if not result_bullets:
            raise SummarizeError("I couldn't find anything worth summarizing in that text.")
        self.metrics.observe_timings(timings)
        return SummaryResult(
            bullets=result_bullets,
            backend=summary.backend,
            title=article.title,
            url=article.url,
            site=article.site_name,
            language=summary.language or article.language,
            reading_minutes=article.reading_minutes,
            summary_id=_summary_id(key or text),
            truncated=summary.truncated,
            timings=timings,
            article_text=text[:ARTICLE_KEEP_CHARS],
        )

    async def _run_model(
        self, text: str, bullets: int, language: str | None, article_language: str | None
    ) -> Summary:
        """Run the blocking summarizer in the model pool, bounded and with a timeout.

        `language` is the summary's requested language; `article_language` the detected one.
        """
        limits = self.config.service
        self._check_capacity()
        self._waiting += 1
        try:
            batching = getattr(self.summarizer, "asummarize", None)
            if batching is not None:  # a BatchingRunner: concurrent requests share a batch
                work = batching(
                    text, max_bullets=bullets, language=language, article_language=article_language
                )
            else:
                call = lambda: self._timed_summary(  # noqa: E731
                    text, max_bullets=bullets, language=language, article_language=article_language
                )
                work = self._in_pool(self._model_pool, call)
            return await asyncio.wait_for(work, timeout=limits.summarize_timeout)
        except TimeoutError:
            raise SummarizeError(
                "Summarizing took too long, so I gave up. Try again later or with a shorter text."
            ) from None
        except ModelBusy:
            raise BusyError(BUSY) from None
        except SummarizerError as exc:
            raise SummarizeError(str(exc)) from exc
        finally:
            self._waiting -= 1

    def _timed_summary(self, text: str, **options: Any) -> Summary:
        started = time.perf_counter()
        summary = self.summarizer.summarize(text, **options)
        self._pace.observe(time.perf_counter() - started)
        return summary

    def _check_capacity(self) -> None:
        """Refuse work only when its expected wait would outlast `summarize_timeout`.

        Overload becomes a fast, polite "busy" instead of a long wait and a timeout; a burst the
        model clears in time is queued. `max_queue` is only a memory guard far above any burst.
        """
        limits = self.config.service
        if self._waiting >= limits.max_queue + limits.max_concurrent_summaries:
            raise BusyError(BUSY)
        if self.expected_wait() > limits.summarize_timeout:
            raise BusyError(BUSY)

    def expected_wait(self) -> float:
        """Seconds a new summary would wait: the requests ahead of it × recent time per item."""
        per_item = getattr(self.summarizer, "seconds_per_item", None)
        if per_item is None:  # no batching runner: our own workers' recent pace
            per_item = self._pace.per_item / self.config.service.max_concurrent_summaries
        return (self._waiting + 1) * per_item

    async def _in_pool(self, pool: ThreadPoolExecutor, fn: Callable[..., Any], *args: Any) -> Any:
        return await asyncio.get_running_loop().run_in_executor(pool, fn, *args)

    # --- cache --------------------------------------------------------------------------------

    async def _cache_get(self, key: str) -> SummaryResult | None:
        entry = await _quietly(self.cache.get(key), "cache read")
        self.metrics.cache_lookup(hit=entry is not None and entry.ok)
        if entry is None:
            return None
        if not entry.ok:
            err = {"fetch": FetchError, "blocked": BlockedURLError, "extract": ExtractError}.get(
                entry.payload.get("kind", ""), FetchError
            )
            raise err(entry.payload.get("message", "That link failed a moment ago."))
        if entry.payload.get("version") != PAYLOAD_VERSION:
            return None
        payload = dict(entry.payload)
        origin = payload.pop("fetched_from", None) or {}
        if not self._may_serve(origin):
            # Made under a config that allowed its source: fetch again under today's rules.
            log.info("not serving a cached summary whose source is now refused")
            return None
        return SummaryResult.from_payload(payload, cached=True)

    def _may_serve(self, origin: dict[str, Any]) -> bool:
        """True if the page's final URL and the address it was read from pass today's rules."""
        try:
            self.fetcher.check_url(origin.get("url") or "")
        except BotError:
            return False
        return self.fetcher.address_allowed(origin.get("address"))

    async def _cache_put(
        self, key: str, result: SummaryResult, url: str, address: str | None
    ) -> None:
        ttl = self.config.cache.ttl_seconds
        if ttl and result.bullets:
            payload = {**result.to_payload(), "fetched_from": {"url": url, "address": address}}
            await _quietly(self.cache.put_success(key, payload, ttl), "cache write")

    async def _cache_failure(self, key: str, exc: BotError) -> None:
        ttl = self.config.cache.failure_ttl_seconds
        if ttl:
            await _quietly(self.cache.put_failure(key, exc.kind, exc.message, ttl), "cache write")

    def _bullets(self, bullets: int | None) -> int:
        n = bullets if bullets is not None else self.config.summarizer.bullets
        if not 1 <= n <= 10:
            raise UsageError("Ask for between 1 and 10 bullets.")
        return n


async def _quietly(awaitable: Awaitable[Any], what: str) -> Any:
    """A broken cache must not break summaries: log and carry on without it."""
    try:
        return await awaitable
    except (BotError, ValueError):
        raise
    except Exception as exc:  # noqa: BLE001 - any backend failure degrades to "no cache"
        log.warning("%s failed, continuing without cache: %s", what, exc.__class__.__name__)
        return None


def _summary_id(seed: str) -> str:
    return hashlib.sha256(seed.encode("utf-8", "replace")).hexdigest()[:16]
