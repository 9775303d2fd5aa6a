"""Page extraction in worker processes, so trafilatura and the quality gate never hold the
event loop's GIL (a 2 MB page is seconds of pure-Python work; in a thread it would slow every
Slack ack and Discord heartbeat meanwhile).

Extraction is stateless, so one pool serves the whole process, created on first use. A worker
that dies (say, lxml crashing on a hostile page) breaks a `ProcessPoolExecutor` for good: that
request gets an honest "couldn't extract" and the next one gets a fresh pool.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import threading
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, TypeVar

from bot.errors import ExtractError

log = logging.getLogger(__name__)

T = TypeVar("T")

#: Worker processes; spawned on demand, so an idle bot starts none.
WORKERS = 2


class ExtractionPool:
    """A replaceable process pool for picklable, module-level extraction functions."""

    def __init__(self, workers: int = WORKERS) -> None:
        self.workers = workers
        self._lock = threading.Lock()
        self._pool: ProcessPoolExecutor | None = None
        #: Pools replaced after a worker died.
        self.replaced = 0

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        pool = self._current()
        try:
            return await asyncio.get_running_loop().run_in_executor(pool, fn, *args)
        except BrokenProcessPool:
            log.error("an extraction worker died; starting a new pool")
            self._discard(pool)
            raise ExtractError(
                "I couldn't extract this page: the extractor crashed on it."
            ) from None

    def shutdown(self) -> None:
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)

    def _current(self) -> ProcessPoolExecutor:
        with self._lock:
            if self._pool is None:
                context = multiprocessing.get_context("spawn")  # never fork a threaded process
                self._pool = ProcessPoolExecutor(self.workers, mp_context=context)
            return self._pool

    def _discard(self, broken: ProcessPoolExecutor) -> None:
        with self._lock:
            if self._pool is broken:  # another request may have replaced it already
                self._pool = None
                self.replaced += 1
        broken.shutdown(wait=False, cancel_futures=True)


#: The process-wide pool `SummaryService` uses with `service.extraction = "process"`.
SHARED = ExtractionPool()
