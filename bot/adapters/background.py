"""Background work of a chat adapter: tracked, so shutdown can wait for it, then cut it off."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any

from bot.logs import request_context

log = logging.getLogger(__name__)


class BackgroundTasks:
    """Listeners answer fast and hand slow work (summaries) to `spawn`; `drain` ends it."""

    def __init__(self, name: str) -> None:
        self.name = name
        #: Set by `drain`: no new work is taken, and cancelled work knows it was cut off.
        self.closing = False
        self._tasks: set[asyncio.Task[None]] = set()

    def __len__(self) -> int:
        return len(self._tasks)

    def spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        if self.closing:  # shutting down: take no new work
            coro.close()
            return
        with request_context():  # the task copies this context: its logs carry one request id
            task = asyncio.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._done)

    async def wait(self, grace: float | None = None) -> None:
        """Wait for the work in hand (and work it starts); cancel what outlives `grace` s."""
        while self._tasks:
            tasks = set(self._tasks)
            _, pending = await asyncio.wait(tasks, timeout=grace)
            for task in pending:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

    async def drain(self, grace: float) -> None:
        """Shutdown: stop taking work, let in-flight work finish for `grace` s, cancel the rest."""
        self.closing = True
        await self.wait(grace)

    def _done(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("%s: background task failed", self.name, exc_info=task.exception())
