"""Small shared-state primitives that keep several bot replicas from stepping on each other.

Event dedupe (`claim`), the "already summarized here" index, rate limits, votes and
single-flight locks. Memory is for one process; SQLite for processes on one host; Redis for
replicas anywhere. All three behave the same (tests/bot/test_state.py runs one suite on each).
"""

from __future__ import annotations

import collections
import os
import secrets
import sqlite3
import time
from pathlib import Path
from typing import Literal, Protocol

import redis.asyncio as aioredis

from bot.cache import (
    CacheUnavailable,
    Clock,
    SQLiteFile,
    redis_client,
    redis_errors,
    write_transaction,
)
from bot.config import CacheConfig

Vote = Literal["up", "down"]


class StateUnavailable(CacheUnavailable):
    """The shared store is locked or unreachable; the caller picks a safe default."""


class StateStore(Protocol):
    async def claim(self, key: str, ttl: float) -> bool:
        """True for the first caller within `ttl` (e.g. per Slack event_id), False after."""
        ...

    async def remember_post(
        self, channel_key: str, url_key: str, permalink: str, ttl: float
    ) -> None: ...

    async def find_post(self, channel_key: str, url_key: str) -> str | None: ...

    async def hit_rate_limit(self, bucket: str, limit: int, window: float) -> float:
        """Record a hit; 0.0 if allowed, else seconds until the next hit would be allowed."""
        ...

    async def record_vote(self, summary_id: str, user_id: str, vote: Vote) -> tuple[int, int]:
        """Set this user's vote (replacing an earlier one); returns (ups, downs)."""
        ...

    async def votes(self, summary_id: str) -> tuple[int, int]: ...

    async def acquire_lock(self, key: str, ttl: float) -> bool:
        """Non-blocking, non-reentrant lock that expires after `ttl` if never released."""
        ...

    async def release_lock(self, key: str) -> bool:
        """Release a lock this store holds; False if it expired or another holder has it."""
        ...

    async def close(self) -> None: ...


def _check_vote(vote: str) -> None:
    if vote not in ("up", "down"):
        raise ValueError(f"vote must be 'up' or 'down', got {vote!r}")


def _check_limit(limit: int, window: float) -> None:
    if limit < 1 or window <= 0:
        raise ValueError("rate limit needs limit >= 1 and window > 0")


class _LockTokens:
    """Tokens of the locks this replica took, oldest first per key.

    A holder that stalls past its TTL and then releases pops its own (stale) token, so it
    cannot free the lock a later caller in the same replica has taken since.
    """

    _MAX_PER_KEY = 16

    def __init__(self) -> None:
        self._tokens: dict[str, collections.deque[str]] = {}

    def add(self, key: str) -> str:
        token = secrets.token_hex(16)
        self._tokens.setdefault(key, collections.deque(maxlen=self._MAX_PER_KEY)).append(token)
        return token

    def discard(self, key: str, token: str) -> None:
        tokens = self._tokens.get(key)
        if tokens and token in tokens:
            tokens.remove(token)
            if not tokens:
                del self._tokens[key]

    def pop(self, key: str) -> str | None:
        tokens = self._tokens.get(key)
        if not tokens:
            return None
        token = tokens.popleft()
        if not tokens:
            del self._tokens[key]
        return token


# Rejected rate-limit hits are not recorded: a user who keeps trying is not locked out longer.


# --- memory ------------------------------------------------------------------------------------


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
        self._tokens = _LockTokens()
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
        _check_limit(limit, window)
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
        _check_vote(vote)
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


# --- SQLite ------------------------------------------------------------------------------------

_STATE_SCHEMA = """
CREATE TABLE IF NOT EXISTS claims (key TEXT PRIMARY KEY, expires_at REAL NOT NULL);
CREATE INDEX IF NOT EXISTS claims_expires ON claims (expires_at);
CREATE TABLE IF NOT EXISTS posts (
    channel_key TEXT NOT NULL, url_key TEXT NOT NULL, permalink TEXT NOT NULL,
    expires_at REAL NOT NULL, PRIMARY KEY (channel_key, url_key)
);
CREATE INDEX IF NOT EXISTS posts_expires ON posts (expires_at);
CREATE TABLE IF NOT EXISTS hits (bucket TEXT NOT NULL, ts REAL NOT NULL, expires_at REAL NOT NULL);
CREATE INDEX IF NOT EXISTS hits_bucket ON hits (bucket, ts);
CREATE INDEX IF NOT EXISTS hits_expires ON hits (expires_at);
CREATE TABLE IF NOT EXISTS votes (
    summary_id TEXT NOT NULL, user_id TEXT NOT NULL, vote TEXT NOT NULL,
    PRIMARY KEY (summary_id, user_id)
);
CREATE TABLE IF NOT EXISTS locks (
    key TEXT PRIMARY KEY, token TEXT NOT NULL, expires_at REAL NOT NULL
);
"""


class SQLiteStateStore:
    """State shared by processes on one host through one SQLite file (WAL)."""

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        clock: Clock = time.time,
        busy_timeout: float = 2.0,
    ) -> None:
        self._db = SQLiteFile(
            path, _STATE_SCHEMA, busy_timeout=busy_timeout, error=StateUnavailable
        )
        self._clock = clock
        self._tokens = _LockTokens()

    async def claim(self, key: str, ttl: float) -> bool:
        now = self._clock()

        def run(conn: sqlite3.Connection) -> bool:
            with write_transaction(conn):
                conn.execute("DELETE FROM claims WHERE expires_at <= ?", (now,))
                cur = conn.execute(
                    "INSERT OR IGNORE INTO claims VALUES (?, ?)", (key, now + ttl)
                )
                return cur.rowcount == 1

        return await self._db.run(run)

    async def remember_post(
        self, channel_key: str, url_key: str, permalink: str, ttl: float
    ) -> None:
        now = self._clock()

        def run(conn: sqlite3.Connection) -> None:
            with write_transaction(conn):
                conn.execute("DELETE FROM posts WHERE expires_at <= ?", (now,))
                conn.execute(
                    "INSERT OR REPLACE INTO posts VALUES (?, ?, ?, ?)",
                    (channel_key, url_key, permalink, now + ttl),
                )

        await self._db.run(run)

    async def find_post(self, channel_key: str, url_key: str) -> str | None:
        now = self._clock()

        def run(conn: sqlite3.Connection) -> str | None:
            row = conn.execute(
                "SELECT permalink FROM posts WHERE channel_key = ? AND url_key = ? "
                "AND expires_at > ?",
                (channel_key, url_key, now),
            ).fetchone()
            return row[0] if row else None

        return await self._db.run(run)

    async def hit_rate_limit(self, bucket: str, limit: int, window: float) -> float:
        _check_limit(limit, window)
        now = self._clock()

        def run(conn: sqlite3.Connection) -> float:
            with write_transaction(conn):
                conn.execute("DELETE FROM hits WHERE expires_at <= ?", (now,))
                count, oldest = conn.execute(
                    "SELECT count(*), min(ts) FROM hits WHERE bucket = ? AND ts > ?",
                    (bucket, now - window),
                ).fetchone()
                if count < limit:
                    conn.execute("INSERT INTO hits VALUES (?, ?, ?)", (bucket, now, now + window))
                    return 0.0
                return max(oldest + window - now, 1e-3)

        return await self._db.run(run)

    async def record_vote(self, summary_id: str, user_id: str, vote: Vote) -> tuple[int, int]:
        _check_vote(vote)

        def run(conn: sqlite3.Connection) -> tuple[int, int]:
            with write_transaction(conn):
                conn.execute(
                    "INSERT OR REPLACE INTO votes VALUES (?, ?, ?)", (summary_id, user_id, vote)
                )
                return _count_votes(conn, summary_id)

        return await self._db.run(run)

    async def votes(self, summary_id: str) -> tuple[int, int]:
        return await self._db.run(lambda conn: _count_votes(conn, summary_id))

    async def acquire_lock(self, key: str, ttl: float) -> bool:
        now = self._clock()
        token = self._tokens.add(key)

        def run(conn: sqlite3.Connection) -> bool:
            with write_transaction(conn):
                conn.execute("DELETE FROM locks WHERE key = ? AND expires_at <= ?", (key, now))
                cur = conn.execute(
                    "INSERT OR IGNORE INTO locks VALUES (?, ?, ?)", (key, token, now + ttl)
                )
                return cur.rowcount == 1

        acquired = False
        try:
            acquired = await self._db.run(run)
        finally:
            if not acquired:
                self._tokens.discard(key, token)
        return acquired

    async def release_lock(self, key: str) -> bool:
        token = self._tokens.pop(key)
        if token is None:
            return False
        now = self._clock()

        def run(conn: sqlite3.Connection) -> bool:
            with write_transaction(conn):
                cur = conn.execute(
                    "DELETE FROM locks WHERE key = ? AND token = ? AND expires_at > ?",
                    (key, token, now),
                )
                return cur.rowcount == 1

        return await self._db.run(run)

    async def close(self) -> None:
        await self._db.close()


def _count_votes(conn: sqlite3.Connection, summary_id: str) -> tuple[int, int]:
    ups, downs = conn.execute(
        "SELECT coalesce(sum(vote = 'up'), 0), coalesce(sum(vote = 'down'), 0) "
        "FROM votes WHERE summary_id = ?",
        (summary_id,),
    ).fetchone()
    return ups, downs


# --- Redis -------------------------------------------------------------------------------------

# Sliding-window log in a sorted set. Redis's own clock (TIME) is used so replicas with skewed
# clocks still agree. Returns 0 when allowed, else milliseconds until the oldest hit leaves.
_RATE_LIMIT_LUA = """
local limit = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
if redis.call('ZCARD', KEYS[1]) < limit then
  redis.call('ZADD', KEYS[1], now, ARGV[3])
  redis.call('PEXPIRE', KEYS[1], window)
  return 0
end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return math.max(tonumber(oldest[2]) + window - now, 1)
"""

# Delete the lock only if it still carries our token: after our TTL ran out another replica
# may hold it, and a plain DEL would free their lock.
_RELEASE_LUA = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
"""

#: Votes outlive any summary message people still look at; this only bounds growth.
VOTE_TTL_SECONDS = 90 * 86_400


class RedisStateStore:
    """State shared by every replica through one Redis."""

    def __init__(
        self,
        client_or_url: aioredis.Redis | str,
        *,
        prefix: str = "newsbot:",
        close_client: bool | None = None,
    ) -> None:
        created = isinstance(client_or_url, str)
        self._client = redis_client(client_or_url) if created else client_or_url
        self._close_client = created if close_client is None else close_client
        self._prefix = prefix
        self._rate_limit = self._client.register_script(_RATE_LIMIT_LUA)
        self._release = self._client.register_script(_RELEASE_LUA)
        self._tokens = _LockTokens()

    def _key(self, kind: str, *parts: str) -> str:
        # Length-prefix all but the last part so ("a:b", "c") and ("a", "b:c") differ.
        head = "".join(f"{len(p)}:{p}:" for p in parts[:-1])
        return f"{self._prefix}{kind}:{head}{parts[-1]}"

    async def claim(self, key: str, ttl: float) -> bool:
        with redis_errors(StateUnavailable):
            return bool(await self._client.set(self._key("claim", key), b"1", nx=True, px=_ms(ttl)))

    async def remember_post(
        self, channel_key: str, url_key: str, permalink: str, ttl: float
    ) -> None:
        with redis_errors(StateUnavailable):
            await self._client.set(self._key("post", channel_key, url_key), permalink, px=_ms(ttl))

    async def find_post(self, channel_key: str, url_key: str) -> str | None:
        with redis_errors(StateUnavailable):
            value = await self._client.get(self._key("post", channel_key, url_key))
        return value.decode() if isinstance(value, bytes) else value

    async def hit_rate_limit(self, bucket: str, limit: int, window: float) -> float:
        _check_limit(limit, window)
        with redis_errors(StateUnavailable):
            wait_ms = await self._rate_limit(
                keys=[self._key("rate", bucket)],
                args=[limit, _ms(window), secrets.token_hex(8)],
            )
        return int(wait_ms) / 1000

    async def record_vote(self, summary_id: str, user_id: str, vote: Vote) -> tuple[int, int]:
        _check_vote(vote)
        key = self._key("votes", summary_id)
        with redis_errors(StateUnavailable):
            async with self._client.pipeline(transaction=True) as pipe:
                pipe.hset(key, user_id, vote)
                pipe.expire(key, VOTE_TTL_SECONDS)
                pipe.hvals(key)
                *_, values = await pipe.execute()
        return _tally(values)

    async def votes(self, summary_id: str) -> tuple[int, int]:
        with redis_errors(StateUnavailable):
            values = await self._client.hvals(self._key("votes", summary_id))
        return _tally(values)

    async def acquire_lock(self, key: str, ttl: float) -> bool:
        token = self._tokens.add(key)
        ok = False
        try:
            with redis_errors(StateUnavailable):
                ok = bool(
                    await self._client.set(self._key("lock", key), token, nx=True, px=_ms(ttl))
                )
        finally:
            if not ok:
                self._tokens.discard(key, token)
        return ok

    async def release_lock(self, key: str) -> bool:
        token = self._tokens.pop(key)
        if token is None:
            return False
        with redis_errors(StateUnavailable):
            return bool(await self._release(keys=[self._key("lock", key)], args=[token]))

    async def close(self) -> None:
        if self._close_client:
            await self._client.aclose()


def _ms(seconds: float) -> int:
    return max(1, round(seconds * 1000))


def _tally(values: list[bytes | str]) -> tuple[int, int]:
    votes = [v.decode() if isinstance(v, bytes) else v for v in values]
    return votes.count("up"), votes.count("down")


def open_state_store(config: CacheConfig) -> StateStore:
    """Redis or SQLite when the cache uses them (so replicas share state), else memory."""
    if config.backend == "redis":
        return RedisStateStore(redis_client(config.redis_url), close_client=True)
    if config.backend == "sqlite":
        return SQLiteStateStore(Path(config.data_dir) / "state.sqlite3")
    return MemoryStateStore()
