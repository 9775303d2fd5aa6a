"""Summary cache: a summary (or a recent failure) per (normalized URL, backend, options).

Successes and failures live in separate namespaces so a transient failure never hides a good
summary; callers give failures a short TTL. A cache that cannot be reached raises
`CacheUnavailable`, which the service treats as a miss.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import sqlite3
import time
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:  # only in annotations; redis-py loads when a Redis store is made
    import redis.asyncio as aioredis

from bot.config import CacheConfig
from bot.stores import CacheUnavailable as CacheUnavailable  # raised by every cache here
from bot.stores import (
    Clock,
    SQLiteFile,
    adopt_redis,
    redis_client,
    redis_errors,
    write_transaction,
)

log = logging.getLogger(__name__)

_OK, _FAIL = "ok", "fail"
KEY_VERSION = "v1"


@dataclass(frozen=True)
class CacheEntry:
    ok: bool
    #: The summary result when `ok`, else {"kind": ..., "message": ...}.
    payload: dict[str, Any]
    created_at: float
    expires_at: float


class SummaryCache(Protocol):
    async def get(self, key: str) -> CacheEntry | None:
        """A live success if there is one, else a live failure, else None."""
        ...

    async def put_success(self, key: str, payload: Mapping[str, Any], ttl: float) -> None: ...

    async def put_failure(self, key: str, kind: str, message: str, ttl: float) -> None: ...

    async def close(self) -> None: ...


def cache_key(normalized_url: str, backend: str, options: Mapping[str, object]) -> str:
    """Stable key: the same URL, backend and options (in any order) give the same key."""
    material = json.dumps(
        {"url": normalized_url, "backend": backend, "options": dict(options)},
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )
    return f"summary:{KEY_VERSION}:{hashlib.sha256(material.encode()).hexdigest()}"


def _success_json(payload: Mapping[str, Any]) -> str:
    bullets = payload.get("bullets")
    if not isinstance(bullets, list | tuple) or not bullets:
        # An empty extraction cached as a "summary" would be served for a whole TTL.
        raise ValueError("refusing to cache a summary without bullets")
    return _dumps(dict(payload))


def _failure_json(kind: str, message: str) -> str:
    return _dumps({"kind": kind, "message": message})


def _dumps(payload: dict[str, Any]) -> str:
    try:
        return json.dumps(payload, ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"cache payload is not JSON-serialisable: {exc}") from None


def _entry(ns: str, payload: str, created_at: float, expires_at: float) -> CacheEntry:
    return CacheEntry(ns == _OK, json.loads(payload), created_at, expires_at)


def _pick(rows: Mapping[str, CacheEntry]) -> CacheEntry | None:
    return rows.get(_OK) or rows.get(_FAIL)


# --- null and memory ---------------------------------------------------------------------------


class NullCache:
    """Caching switched off; still validates payloads so bugs show up the same way."""

    async def get(self, key: str) -> CacheEntry | None:
        return None

    async def put_success(self, key: str, payload: Mapping[str, Any], ttl: float) -> None:
        _success_json(payload)

    async def put_failure(self, key: str, kind: str, message: str, ttl: float) -> None:
        _failure_json(kind, message)

    async def close(self) -> None:
        return None


class MemoryCache:
    """Per-process cache for tests and single-replica use; oldest entries go first."""

    def __init__(self, max_entries: int, *, clock: Clock = time.time) -> None:
        self._max = max_entries
        self._clock = clock
        self._data: OrderedDict[tuple[str, str], tuple[str, float, float]] = OrderedDict()

    async def get(self, key: str) -> CacheEntry | None:
        now = self._clock()
        rows = {}
        for ns in (_OK, _FAIL):
            row = self._data.get((ns, key))
            if row is not None and row[2] > now:
                rows[ns] = _entry(ns, *row)
        return _pick(rows)

    async def put_success(self, key: str, payload: Mapping[str, Any], ttl: float) -> None:
        data = _success_json(payload)
        if ttl > 0:
            self._data.pop((_FAIL, key), None)
            self._put(_OK, key, data, ttl)

    async def put_failure(self, key: str, kind: str, message: str, ttl: float) -> None:
        data = _failure_json(kind, message)
        if ttl > 0:
            self._put(_FAIL, key, data, ttl)

    def _put(self, ns: str, key: str, data: str, ttl: float) -> None:
        now = self._clock()
        self._data.pop((ns, key), None)
        self._data[(ns, key)] = (data, now, now + ttl)
        while len(self._data) > self._max:
            self._data.popitem(last=False)

    async def close(self) -> None:
        self._data.clear()


# --- SQLite ------------------------------------------------------------------------------------


_CACHE_SCHEMA = """
CREATE TABLE IF NOT EXISTS summary_cache (
    key TEXT NOT NULL,
    ns TEXT NOT NULL,
    payload TEXT NOT NULL,
    created_at REAL NOT NULL,
    expires_at REAL NOT NULL,
    PRIMARY KEY (key, ns)
);
CREATE INDEX IF NOT EXISTS summary_cache_created ON summary_cache (created_at);
CREATE INDEX IF NOT EXISTS summary_cache_expires ON summary_cache (expires_at);
"""


class SQLiteCache:
    """File-backed cache shared by processes on one host; survives restarts."""

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        max_entries: int,
        clock: Clock = time.time,
        busy_timeout: float = 2.0,
    ) -> None:
        self._db = SQLiteFile(path, _CACHE_SCHEMA, busy_timeout=busy_timeout)
        self._max = max_entries
        self._clock = clock

    @property
    def path(self) -> Path:
        return self._db.path

    async def get(self, key: str) -> CacheEntry | None:
        now = self._clock()

        def read(conn: sqlite3.Connection) -> CacheEntry | None:
            rows = conn.execute(
                "SELECT ns, payload, created_at, expires_at FROM summary_cache "
                "WHERE key = ? AND expires_at > ?",
                (key, now),
            ).fetchall()
            return _pick({ns: _entry(ns, p, c, e) for ns, p, c, e in rows})

        return await self._db.run(read)

    async def put_success(self, key: str, payload: Mapping[str, Any], ttl: float) -> None:
        data = _success_json(payload)
        if ttl > 0:
            await self._put(_OK, key, data, ttl)

    async def put_failure(self, key: str, kind: str, message: str, ttl: float) -> None:
        data = _failure_json(kind, message)
        if ttl > 0:
            await self._put(_FAIL, key, data, ttl)

    async def _put(self, ns: str, key: str, data: str, ttl: float) -> None:
        now = self._clock()

        def write(conn: sqlite3.Connection) -> None:
            with write_transaction(conn):
                conn.execute(
                    "INSERT OR REPLACE INTO summary_cache VALUES (?, ?, ?, ?, ?)",
                    (key, ns, data, now, now + ttl),
                )
                if ns == _OK:
                    conn.execute(
                        "DELETE FROM summary_cache WHERE key = ? AND ns = ?", (key, _FAIL)
                    )
                conn.execute("DELETE FROM summary_cache WHERE expires_at <= ?", (now,))
                conn.execute(
                    "DELETE FROM summary_cache WHERE rowid IN (SELECT rowid FROM summary_cache "
                    "ORDER BY created_at DESC, rowid DESC LIMIT -1 OFFSET ?)",
                    (self._max,),
                )

        await self._db.run(write)

    async def close(self) -> None:
        await self._db.close()


# --- Redis -------------------------------------------------------------------------------------


class RedisCache:
    """Cache shared by every replica; Redis enforces the TTL (SET ... PX)."""

    def __init__(
        self,
        client_or_url: aioredis.Redis | str,
        *,
        prefix: str = "newsbot:",
        close_client: bool | None = None,
        clock: Clock = time.time,
    ) -> None:
        self._client, self._close_client = adopt_redis(client_or_url, close_client)
        self._prefix = prefix
        self._clock = clock

    def _key(self, ns: str, key: str) -> str:
        return f"{self._prefix}cache:{ns}:{key}"

    async def get(self, key: str) -> CacheEntry | None:
        with redis_errors():
            raw = await self._client.mget(self._key(_OK, key), self._key(_FAIL, key))
        now = self._clock()
        rows = {}
        for ns, value in zip((_OK, _FAIL), raw, strict=True):
            if value is None:
                continue
            try:
                doc = json.loads(value)
                entry = CacheEntry(ns == _OK, doc["payload"], doc["created_at"], doc["expires_at"])
            except (ValueError, KeyError, TypeError):
                log.warning("ignoring a malformed cache entry under %s", self._key(ns, key))
                continue
            if entry.expires_at > now:
                rows[ns] = entry
        return _pick(rows)

    async def put_success(self, key: str, payload: Mapping[str, Any], ttl: float) -> None:
        _success_json(payload)
        if ttl > 0:
            await self._put(_OK, key, dict(payload), ttl)

    async def put_failure(self, key: str, kind: str, message: str, ttl: float) -> None:
        _failure_json(kind, message)
        if ttl > 0:
            await self._put(_FAIL, key, {"kind": kind, "message": message}, ttl)

    async def _put(self, ns: str, key: str, payload: dict[str, Any], ttl: float) -> None:
        now = self._clock()
        doc = _dumps({"payload": payload, "created_at": now, "expires_at": now + ttl})
        with redis_errors():
            async with self._client.pipeline(transaction=True) as pipe:
                pipe.set(self._key(ns, key), doc, px=max(1, round(ttl * 1000)))
                if ns == _OK:
                    pipe.delete(self._key(_FAIL, key))
                await pipe.execute()

    async def close(self) -> None:
        if self._close_client:
            await self._client.aclose()


def open_cache(config: CacheConfig) -> SummaryCache:
    """The cache the config asks for; nothing is opened until first use."""
    if config.backend == "sqlite":
        path = config.cache_dir() / "cache.sqlite3"
        return SQLiteCache(path, max_entries=config.max_entries)
    if config.backend == "redis":
        return RedisCache(redis_client(config.redis_url), close_client=True)
    if config.backend == "memory":
        return MemoryCache(config.max_entries)
    return NullCache()
