"""Serve a loaded backend fast and safely under load.

`BatchingRunner` wraps any Summarizer: concurrent requests arriving within `batch_wait_ms`
become one `summarize_many` call on a single worker thread, a bounded queue turns overload
into a quick BusyError, and every request has a timeout.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field

from summarizer.base import (
    BusyError,
    Pace,
    Summarizer,
    SummarizerError,
    Summary,
    abandoned_error,
)
from summarizer.config import SummarizerConfig

log = logging.getLogger(__name__)


@dataclass
class _Request:
    text: str
    max_bullets: int
    language: str | None
    article_language: str | None
    future: Future = field(default_factory=Future)
    enqueued: float = field(default_factory=time.perf_counter)

    @property
    def options(self) -> tuple[int, str | None, str | None]:
        return self.max_bullets, self.language, self.article_language


class BatchingRunner:
    """A Summarizer that batches concurrent calls to another one; see the module docstring."""

    def __init__(
        self,
        inner: Summarizer,
        *,
        max_batch: int = 16,
        batch_wait_ms: float = 10.0,
        queue_size: int = 32,
        request_timeout: float = 120.0,
        on_batch: Callable[[int], None] | None = None,
    ) -> None:
        self.inner = inner
        self.name = inner.name
        self.max_batch = max_batch
        self.batch_wait = batch_wait_ms / 1000
        self.request_timeout = request_timeout
        self._queue: queue.Queue[_Request | None] = queue.Queue(maxsize=queue_size)
        #: Recent model seconds per request, batching included: what a newcomer's wait is made of.
        self.pace = Pace()
        #: Sizes of the most recent batches, in order: a test (or a metric) can see the batching.
        self.batches: deque[int] = deque(maxlen=1024)
        #: Called with each batch's size (e.g. a metrics histogram); bot code passes it in.
        self.on_batch = on_batch
        self._closed = False
        self._worker = threading.Thread(target=self._serve, name="newsbot-runner", daemon=True)
        self._worker.start()

    @classmethod
    def from_config(
        cls,
        inner: Summarizer,
        config: SummarizerConfig,
        on_batch: Callable[[int], None] | None = None,
    ) -> BatchingRunner:
        return cls(
            inner,
            on_batch=on_batch,
            max_batch=config.max_batch_requests,
            batch_wait_ms=config.batch_wait_ms,
            queue_size=config.queue_size,
            request_timeout=config.request_timeout,
        )

    # The Summarizer protocol (blocking; for worker threads) -------------------------------

    def summarize(
        self,
        text: str,
        *,
        max_bullets: int = 3,
        language: str | None = None,
        article_language: str | None = None,
    ) -> Summary:
        future = self.submit(
            text, max_bullets=max_bullets, language=language, article_language=article_language
        )
        try:
            return future.result(timeout=self.request_timeout)
        except FutureTimeout:
            future.cancel()
            raise self._timeout_error() from None

    def summarize_many(
        self,
        texts: Sequence[str],
        *,
        max_bullets: int = 3,
        language: str | None = None,
        article_language: str | None = None,
    ) -> list[Summary | SummarizerError]:
        options = {"max_bullets": max_bullets, "language": language}
        futures = [self.submit(t, **options, article_language=article_language) for t in texts]
        deadline = time.monotonic() + self.request_timeout
        out: list[Summary | SummarizerError] = []
        for future in futures:
            try:
                out.append(future.result(timeout=max(0.0, deadline - time.monotonic())))
            except FutureTimeout:
                future.cancel()
                out.append(self._timeout_error())
            except SummarizerError as exc:
                out.append(exc)
        return out

    # Async entry point: inference stays off the event loop -------------------------------

    async def asummarize(
        self,
        text: str,
        *,
        max_bullets: int = 3,
        language: str | None = None,
        article_language: str | None = None,
    ) -> Summary:
        future = self.submit(
            text, max_bullets=max_bullets, language=language, article_language=article_language
        )
        try:
            return await asyncio.wait_for(asyncio.wrap_future(future), self.request_timeout)
        except TimeoutError:
            future.cancel()
            raise self._timeout_error() from None

    def submit(
        self,
        text: str,
        *,
        max_bullets: int = 3,
        language: str | None = None,
        article_language: str | None = None,
    ) -> Future:
        """Queue one request; a full queue raises BusyError at once."""
        if self._closed:
            raise SummarizerError("The summarizer is shutting down; try again in a moment.")
        request = _Request(text, max_bullets, language, article_language)
        try:
            self._queue.put_nowait(request)
        except queue.Full:
            raise BusyError(
                "The summarizer is busy with other articles right now; try again in a minute."
            ) from None
        return request.future

    @property
    def seconds_per_item(self) -> float:
        """Recent model time per request (batched), for an expected-wait estimate."""
        return self.pace.per_item

    def close(self) -> None:
        """Stop the worker after the requests already queued, then the model's own resources
        (a model process, an HTTP session)."""
        if self._closed:
            return
        self._closed = True
        self._queue.put(None)
        self._worker.join()
        close_inner = getattr(self.inner, "close", None)
        if close_inner is not None:
            close_inner()

    def _timeout_error(self) -> SummarizerError:
        return abandoned_error(self.request_timeout)

    # Worker ------------------------------------------------------------------------------

    def _serve(self) -> None:
        pending: list[_Request] = []
        while True:
            first = pending.pop(0) if pending else self._queue.get()
            if first is None:
                return
            batch = [first]
            deadline = time.monotonic() + self.batch_wait
            stop = False
            while len(batch) < self.max_batch:
                try:
                    item = self._queue.get(timeout=max(0.0, deadline - time.monotonic()))
                except queue.Empty:
                    break
                if item is None:
                    stop = True
                    break
                # One summarize_many call shares its options.
                if item.options == first.options:
                    batch.append(item)
                else:
                    pending.append(item)
            self._run(batch)
            if stop:
                for item in pending:
                    self._run([item])
                return

    def _run(self, batch: list[_Request]) -> None:
        live = [r for r in batch if r.future.set_running_or_notify_cancel()]
        if not live:
            return
        self.batches.append(len(live))
        if self.on_batch is not None:
            self.on_batch(len(live))
        started = time.perf_counter()
        try:
            first = live[0]
            results = self.inner.summarize_many(
                [r.text for r in live],
                max_bullets=first.max_bullets,
                language=first.language,
                article_language=first.article_language,
            )
        except Exception as exc:  # noqa: BLE001 - every waiting caller must get an answer
            log.exception("batched summarize failed")
            error = (
                exc
                if isinstance(exc, SummarizerError)
                else SummarizerError("The model failed while summarizing; try again later.")
            )
            for request in live:
                request.future.set_exception(error)
            return
        self.pace.observe(time.perf_counter() - started, len(live))
        for request, result in zip(live, results, strict=True):
            if isinstance(result, BaseException):
                request.future.set_exception(result)
            else:
                request.future.set_result(result)


def load_runner(config: SummarizerConfig) -> BatchingRunner:
    """The configured backend, loaded once, behind a batching runner."""
    from summarizer import load_summarizer

    return BatchingRunner.from_config(load_summarizer(config), config)
