"""State for a single process: tests and one-replica deployments."""

from __future__ import annotations

import collections
import time

from bot.state.base import LockTokens, Vote, check_limit, check_vote
from bot.stores import Clock


class MemoryStateStore:
    """State for a single process (tests, one-replica deployments)."""

    _SWEEP_EVERY = 1000
    #: Votes are kept for this many summaries at most (the oldest voted-on summary goes first).
    MAX_VOTED_SUMMARIES = 10_000

    def __init__(self, *, clock: Clock = time.monotonic) -> None:
        self._clock = clock
        self._claims: dict[str, float] = {}
        self._posts: dict[tuple[str, str], tuple[str, float]] = {}
        self._hits: dict[str, collections.deque[float]] = {}
        self._votes: dict[str, dict[str, Vote]] = {}
        self._locks: dict[str, tuple[str, float]] = {}
        self._tokens = LockTokens()
        self._longest_window = 0.0
        self._ops = 0

    def _now(self) -> float:
        self._ops += 1
        now = self._clock()
        if self._ops % self._SWEEP_EVERY == 0:
            self._claims = {k: t for k, t in self._claims.items() if t > now}
            self._posts = {k: v for k, v in self._posts.items() if v[1] > now}
            self._locks = {k: v for k, v in self._locks.items() if v[1] > now}
            horizon = now - self._longest_window
            self._hits = {b: h for b, h in self._hits.items() if h and h[-1] > horizon}
        return now

    async def claim(self, key: str, ttl: float) -> bool:
        now = self._now()
        if self._claims.get(key, 0.0) > now:
            return False
        self._claims[key] = now + ttl
        return True

    async def remember_post(
        self, channel_key: str, url_key: str, permalink: str, ttl: float
    ) -> None:
        self._posts[(channel_key, url_key)] = (permalink, self._now() + ttl)

    async def find_post(self, channel_key: str, url_key: str) -> str | None:
        row = self._posts.get((channel_key, url_key))
        return row[0] if row and row[1] > self._now() else None

    async def hit_rate_limit(self, bucket: str, limit: int, window: float) -> float:
        check_limit(limit, window)
        now = self._now()
        self._longest_window = max(self._longest_window, window)
        hits = self._hits.setdefault(bucket, collections.deque())
        while hits and hits[0] <= now - window:
            hits.popleft()
        if len(hits) < limit:
            hits.append(now)
            return 0.0
        return max(hits[0] + window - now, 1e-3)

    async def record_vote(self, summary_id: str, user_id: str, vote: Vote) -> tuple[int, int]:
        check_vote(vote)
        if summary_id not in self._votes and len(self._votes) >= self.MAX_VOTED_SUMMARIES:
            del self._votes[next(iter(self._votes))]  # dicts keep insertion order: the oldest
        self._votes.setdefault(summary_id, {})[user_id] = vote
        return await self.votes(summary_id)

    async def votes(self, summary_id: str) -> tuple[int, int]:
        values = list(self._votes.get(summary_id, {}).values())
        return values.count("up"), values.count("down")

    async def acquire_lock(self, key: str, ttl: float) -> bool:
        now = self._now()
        held = self._locks.get(key)
        if held and held[1] > now:
            return False
        self._locks[key] = (self._tokens.add(key), now + ttl)
        return True

    async def release_lock(self, key: str) -> bool:
        token = self._tokens.pop(key)
        held = self._locks.get(key)
        if token is None or held is None or held[0] != token:
            return False
        del self._locks[key]
        return held[1] > self._now()

    async def close(self) -> None:
        return None
