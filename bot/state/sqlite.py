"""State shared by processes on one host through one SQLite file (WAL)."""

from __future__ import annotations

import os
import sqlite3
import time

from bot.state.base import LockTokens, StateUnavailable, Vote, check_limit, check_vote
from bot.stores import Clock, SQLiteFile, write_transaction

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
        self._tokens = LockTokens()

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
        check_limit(limit, window)
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
        check_vote(vote)

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

        async def attempt(token: str) -> bool:
            def run(conn: sqlite3.Connection) -> bool:
                with write_transaction(conn):
                    conn.execute("DELETE FROM locks WHERE key = ? AND expires_at <= ?", (key, now))
                    cur = conn.execute(
                        "INSERT OR IGNORE INTO locks VALUES (?, ?, ?)", (key, token, now + ttl)
                    )
                    return cur.rowcount == 1

            return await self._db.run(run)

        return await self._tokens.take(key, attempt)

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
