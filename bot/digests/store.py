"""Where digests read from: every public summary post per channel, kept for the retention.

One protocol, three backends like the state store: memory (one process), SQLite (the
default; processes on one host) and Redis (`store_redis`, replicas anywhere). The store also
keeps "this scheduled digest was posted" marks, so replicas post each period once.
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
import time
from typing import Protocol

from bot.config import CacheConfig
from bot.digests.model import MAX_ENTRIES, DigestEntry, entry_from_json, entry_to_json
from bot.stores import Clock, SQLiteFile, write_transaction


class DigestStore(Protocol):
    async def add(self, entry: DigestEntry) -> None:
        """Record one public summary post."""
        ...

    async def entries(
        self, channel_key: str, since: float, until: float, limit: int = MAX_ENTRIES
    ) -> list[DigestEntry]:
        """Posts in `channel_key` with since <= posted_at < until, the newest `limit`, oldest
        first."""
        ...

    async def prune(self, before: float) -> int:
        """Forget posts older than `before`; returns how many went."""
        ...

    async def was_posted(self, key: str) -> bool: ...

    async def mark_posted(self, key: str, ttl: float) -> None: ...

    async def close(self) -> None: ...


class MemoryDigestStore:
    """Digest records in this process only (tests, `cache.backend = "memory"`): at most the
    newest 2 x MAX_ENTRIES a channel, so a busy channel's records stay bounded in memory."""

    def __init__(self, *, clock: Clock = time.time) -> None:
        self._clock = clock
        self._entries: dict[str, list[DigestEntry]] = {}
        self._marks: dict[str, float] = {}

    async def add(self, entry: DigestEntry) -> None:
        items = self._entries.setdefault(entry.channel_key, [])
        items.append(entry)
        if len(items) > 2 * MAX_ENTRIES:  # a digest reads the newest MAX_ENTRIES + 1 at most
            items.sort(key=lambda e: e.posted_at)
            del items[: -(MAX_ENTRIES + 1)]

    async def entries(
        self, channel_key: str, since: float, until: float, limit: int = MAX_ENTRIES
    ) -> list[DigestEntry]:
        found = [e for e in self._entries.get(channel_key, ()) if since <= e.posted_at < until]
        found.sort(key=lambda e: e.posted_at)
        return found[-limit:] if limit else []

    async def prune(self, before: float) -> int:
        gone = 0
        for key, items in list(self._entries.items()):
            kept = [e for e in items if e.posted_at >= before]
            gone += len(items) - len(kept)
            self._entries[key] = kept
        return gone

    async def was_posted(self, key: str) -> bool:
        return self._marks.get(key, 0.0) > self._clock()

    async def mark_posted(self, key: str, ttl: float) -> None:
        self._marks[key] = self._clock() + ttl

    async def close(self) -> None:
        self._entries.clear()


_SCHEMA = """
CREATE TABLE IF NOT EXISTS digest_posts (
    channel_key TEXT NOT NULL, posted_at REAL NOT NULL, entry TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS digest_posts_channel ON digest_posts (channel_key, posted_at);
CREATE INDEX IF NOT EXISTS digest_posts_time ON digest_posts (posted_at);
CREATE TABLE IF NOT EXISTS digest_marks (key TEXT PRIMARY KEY, expires_at REAL NOT NULL);
"""


class SQLiteDigestStore:
    """Digest records in one SQLite file (WAL), shared by processes on one host."""

    def __init__(self, path: str | os.PathLike[str], *, clock: Clock = time.time) -> None:
        self._db = SQLiteFile(path, _SCHEMA)
        self._clock = clock

    async def add(self, entry: DigestEntry) -> None:
        row = (entry.channel_key, entry.posted_at, entry_to_json(entry))

        def insert(conn: sqlite3.Connection) -> None:
            conn.execute("INSERT INTO digest_posts VALUES (?, ?, ?)", row)

        await self._db.run(insert)

    async def entries(
        self, channel_key: str, since: float, until: float, limit: int = MAX_ENTRIES
    ) -> list[DigestEntry]:
        def select(conn: sqlite3.Connection) -> list[str]:
            rows = conn.execute(
                "SELECT entry FROM digest_posts WHERE channel_key = ? AND posted_at >= ? "
                "AND posted_at < ? ORDER BY posted_at DESC LIMIT ?",
                (channel_key, since, until, limit),
            ).fetchall()
            return [r[0] for r in rows]

        raw = await self._db.run(select)
        return await asyncio.to_thread(lambda: [entry_from_json(r) for r in reversed(raw)])

    async def prune(self, before: float) -> int:
        now = self._clock()

        def delete(conn: sqlite3.Connection) -> int:
            with write_transaction(conn):
                gone = conn.execute("DELETE FROM digest_posts WHERE posted_at < ?", (before,))
                conn.execute("DELETE FROM digest_marks WHERE expires_at <= ?", (now,))
                return gone.rowcount

        return await self._db.run(delete)

    async def was_posted(self, key: str) -> bool:
        now = self._clock()

        def select(conn: sqlite3.Connection) -> bool:
            row = conn.execute(
                "SELECT 1 FROM digest_marks WHERE key = ? AND expires_at > ?", (key, now)
            ).fetchone()
            return row is not None

        return await self._db.run(select)

    async def mark_posted(self, key: str, ttl: float) -> None:
        expires = self._clock() + ttl

        def upsert(conn: sqlite3.Connection) -> None:
            conn.execute(
                "INSERT INTO digest_marks VALUES (?, ?) "
                "ON CONFLICT (key) DO UPDATE SET expires_at = excluded.expires_at",
                (key, expires),
            )

        await self._db.run(upsert)

    async def close(self) -> None:
        await self._db.close()


def open_digest_store(config: CacheConfig) -> DigestStore:
    """Redis when the bot shares state through Redis, SQLite by default, else memory."""
    if config.backend == "redis":
        from bot.digests.store_redis import RedisDigestStore
        from bot.stores import redis_client

        return RedisDigestStore(redis_client(config.redis_url), close_client=True)
    if config.backend == "sqlite":
        return SQLiteDigestStore(config.state_dir() / "digests.sqlite3")
    return MemoryDigestStore()
