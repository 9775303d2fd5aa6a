"""Plumbing the summary cache and the state stores share: one SQLite file driven from worker
threads, a Redis client, and the one error type both raise when their store is unreachable.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    # redis-py is imported where a Redis store is made: the SQLite and memory paths skip it.
    import redis.asyncio as aioredis

log = logging.getLogger(__name__)

T = TypeVar("T")
Clock = Callable[[], float]


class CacheUnavailable(Exception):
    """The store is locked, unreachable or closed; treat the lookup as a miss and carry on."""


# --- SQLite ------------------------------------------------------------------------------------


class SQLiteFile:
    """One sqlite3 connection driven from worker threads: WAL, busy timeout, typed errors.

    An asyncio lock queues callers on the event loop (so a locked file ties up one worker
    thread, not all of them); a thread lock guards the connection if a caller was cancelled
    while its thread still runs. Every sqlite3 error becomes `error` (default CacheUnavailable).
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        schema: str,
        *,
        busy_timeout: float = 2.0,
        error: type[Exception] = CacheUnavailable,
    ) -> None:
        self.path = Path(path)
        self._schema = schema
        self._busy_timeout = busy_timeout
        self._error = error
        self._conn: sqlite3.Connection | None = None
        self._closed = False
        self._alock = asyncio.Lock()
        self._tlock = threading.Lock()

    async def run(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        async with self._alock:
            return await asyncio.to_thread(self._call, fn)

    async def close(self) -> None:
        async with self._alock:
            await asyncio.to_thread(self._close)

    def _call(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        with self._tlock:
            if self._closed:
                raise self._error(f"{self.path} is closed")
            try:
                return fn(self._connection())
            except sqlite3.Error as exc:
                raise self._error(f"SQLite store {self.path} unavailable: {exc}") from exc

    def _connection(self) -> sqlite3.Connection:
        if self._conn is not None:
            return self._conn
        self.path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(
            self.path, timeout=self._busy_timeout, isolation_level=None, check_same_thread=False
        )
        try:
            self._enable_wal(conn)
            conn.execute("PRAGMA synchronous=NORMAL")
            # IMMEDIATE so a second process creating the same tables waits instead of failing.
            conn.executescript(f"BEGIN IMMEDIATE;\n{self._schema}\nCOMMIT;")
        except BaseException:
            conn.close()
            raise
        self._conn = conn
        return conn

    def _enable_wal(self, conn: sqlite3.Connection) -> None:
        # Switching a new file to WAL can fail with "locked" at once, without the busy handler,
        # when several connections open it together; retry for as long as busy_timeout allows.
        deadline = time.monotonic() + self._busy_timeout
        while True:
            try:
                mode = conn.execute("PRAGMA journal_mode=WAL").fetchone()[0]
                break
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or time.monotonic() >= deadline:
                    raise
                time.sleep(0.01)
        if mode != "wal":
            log.warning("%s: WAL unavailable (journal_mode=%s); writers will block readers",
                        self.path, mode)

    def _close(self) -> None:
        with self._tlock:
            self._closed = True
            if self._conn is not None:
                self._conn.close()
                self._conn = None


@contextlib.contextmanager
def write_transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """BEGIN IMMEDIATE: take the write lock up front so concurrent writers wait, not deadlock."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise


# --- Redis -------------------------------------------------------------------------------------


@contextlib.contextmanager
def redis_errors(error: type[Exception] = CacheUnavailable) -> Iterator[None]:
    """Turn any redis-py failure (down, timeout, auth) into `error`, which callers absorb."""
    from redis.exceptions import RedisError

    try:
        yield
    except RedisError as exc:
        raise error(f"Redis unavailable: {exc}") from exc


def adopt_redis(
    client_or_url: aioredis.Redis | str, close_client: bool | None
) -> tuple[aioredis.Redis, bool]:
    """(client, close it with the store?): by default a store closes only a client it made."""
    if isinstance(client_or_url, str):
        return redis_client(client_or_url), True if close_client is None else close_client
    return client_or_url, bool(close_client)


def redis_client(url: str) -> aioredis.Redis:
    """A client for `url` with the password from REDIS_PASSWORD (never from config files)."""
    import redis.asyncio as aioredis

    return aioredis.from_url(
        url,
        password=os.environ.get("REDIS_PASSWORD") or None,
        socket_connect_timeout=2.0,
        socket_timeout=2.0,
        health_check_interval=30,
    )
