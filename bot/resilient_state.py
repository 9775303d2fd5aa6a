"""Keep the bot answering when the shared store (Redis, SQLite) goes away.

While the primary store is unavailable, calls go to a local in-memory store: dedupe, rate
limits and locks then hold per replica only, which is the safe degradation (a duplicate reply
across replicas is possible, a lost or crashed request is not). The primary is retried after
a short back-off, so the bot recovers by itself when Redis returns.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from bot.state import MemoryStateStore, StateStore, Vote
from bot.stores import CacheUnavailable

log = logging.getLogger(__name__)
T = TypeVar("T")

#: Seconds between attempts to go back to the primary store after it failed.
RETRY_AFTER = 5.0


class FallbackStateStore:
    """A `StateStore` that prefers `primary` and falls back to memory while it is down."""

    def __init__(
        self,
        primary: StateStore,
        *,
        fallback: StateStore | None = None,
        retry_after: float = RETRY_AFTER,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.primary = primary
        self.fallback = fallback or MemoryStateStore()
        self.retry_after = retry_after
        self._clock = clock
        self._down_until = 0.0
        self._lock_owner: dict[str, StateStore] = {}

    @property
    def degraded(self) -> bool:
        return self._clock() < self._down_until

    async def _call(self, name: str, *args: Any) -> Any:
        if not self.degraded:
            try:
                result = await getattr(self.primary, name)(*args)
            except (CacheUnavailable, ConnectionError, OSError) as exc:
                if not self._down_until:
                    log.warning("shared state unavailable (%s); using local state", exc)
                self._down_until = self._clock() + self.retry_after
            else:
                if self._down_until:
                    log.warning("shared state is back")
                    self._down_until = 0.0
                return result
        return await getattr(self.fallback, name)(*args)

    async def claim(self, key: str, ttl: float) -> bool:
        return await self._call("claim", key, ttl)

    async def remember_post(self, channel_key: str, url_key: str, permalink: str, ttl: float):
        await self._call("remember_post", channel_key, url_key, permalink, ttl)

    async def find_post(self, channel_key: str, url_key: str) -> str | None:
        return await self._call("find_post", channel_key, url_key)

    async def hit_rate_limit(self, bucket: str, limit: int, window: float) -> float:
        return await self._call("hit_rate_limit", bucket, limit, window)

    async def record_vote(self, summary_id: str, user_id: str, vote: Vote) -> tuple[int, int]:
        return await self._call("record_vote", summary_id, user_id, vote)

    async def votes(self, summary_id: str) -> tuple[int, int]:
        return await self._call("votes", summary_id)

    async def acquire_lock(self, key: str, ttl: float) -> bool:
        got = await self._call("acquire_lock", key, ttl)
        # _call may have switched to the fallback part-way: remember who really holds it
        self._lock_owner[key] = self.fallback if self.degraded else self.primary
        return got

    async def release_lock(self, key: str) -> bool:
        owner = self._lock_owner.pop(key, None)
        if owner is self.fallback:
            return await self.fallback.release_lock(key)
        return await self._call("release_lock", key)

    async def close(self) -> None:
        await _close_both(self.primary.close, self.fallback.close)


async def _close_both(*closers: Callable[[], Awaitable[None]]) -> None:
    for close in closers:
        try:
            await close()
        except Exception:  # noqa: BLE001 - close the rest whatever happens
            log.exception("error while closing a state store")
