"""Who follows which feed, and each feed's polling state, in a store every replica shares.

Three small hash tables (memory, SQLite or Redis, like the state store): `subs` keyed by
channel and feed URL, `feeds` keyed by feed URL (validators, failures, backoff). Values are
JSON, so the three backends stay one-liners each.
"""

from __future__ import annotations

import dataclasses
import json
import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from bot.config import CacheConfig
from bot.stores import SQLiteFile, adopt_redis, redis_errors

if TYPE_CHECKING:
    import redis.asyncio as aioredis


@dataclass(frozen=True)
class Subscription:
    """A channel following a feed. `paused` says why the bot stopped posting it ("" = live)."""

    channel_key: str  # "platform:workspace:channel"
    url: str  # the feed's own URL (after autodiscovery)
    title: str = ""
    added_by: str = ""  # user key, or "config"
    added_at: float = 0.0
    #: False until the first poll has marked the backlog seen (all but the latest few items).
    primed: bool = False
    paused: str = ""
    #: New stories go only into the channel's digest, never posted (`/feed add <url> quiet`).
    quiet: bool = False


@dataclass(frozen=True)
class FeedState:
    """How polling one feed URL is going, shared by every channel that follows it."""

    etag: str | None = None
    last_modified: str | None = None
    #: Consecutive failed polls, and when the first of them happened (0 = not failing).
    failures: int = 0
    failing_since: float = 0.0
    last_error: str = ""
    #: Not before this time (a Retry-After or backoff), seconds since the epoch.
    next_poll: float = 0.0


class _Hashes(Protocol):
    async def get(self, table: str, key: str) -> str | None: ...
    async def put(self, table: str, key: str, value: str) -> None: ...
    async def delete(self, table: str, key: str) -> bool: ...
    async def all(self, table: str) -> dict[str, str]: ...
    async def close(self) -> None: ...


class FeedStore:
    """Subscriptions and feed states over one of the hash backends below."""

    def __init__(self, hashes: _Hashes) -> None:
        self._h = hashes

    async def add(self, sub: Subscription) -> bool:
        """Store `sub`; False if the channel already follows that feed."""
        key = _sub_key(sub.channel_key, sub.url)
        if await self._h.get("subs", key) is not None:
            return False
        await self.update(sub)
        return True

    async def update(self, sub: Subscription) -> None:
        value = json.dumps(dataclasses.asdict(sub))
        await self._h.put("subs", _sub_key(sub.channel_key, sub.url), value)
        # the same row keyed by feed too, so a poll reads its own followers, not everyone's
        await self._h.put(_by_feed(sub.url), sub.channel_key, value)

    async def remove(self, channel_key: str, url: str) -> bool:
        await self._h.delete(_by_feed(url), channel_key)
        return await self._h.delete("subs", _sub_key(channel_key, url))

    async def followers(self, url: str) -> list[Subscription]:
        """The subscriptions to one feed (what each poll needs), oldest first."""
        subs = [Subscription(**json.loads(v)) for v in (await self._h.all(_by_feed(url))).values()]
        return sorted(subs, key=lambda s: (s.added_at, s.channel_key))

    async def subscriptions(self, channel_key: str | None = None) -> list[Subscription]:
        """Every subscription (or one channel's), oldest first."""
        subs = [Subscription(**json.loads(v)) for v in (await self._h.all("subs")).values()]
        if channel_key is not None:
            subs = [s for s in subs if s.channel_key == channel_key]
        return sorted(subs, key=lambda s: (s.added_at, s.channel_key, s.url))

    async def state(self, url: str) -> FeedState:
        raw = await self._h.get("feeds", url)
        return FeedState(**json.loads(raw)) if raw else FeedState()

    async def save_state(self, url: str, state: FeedState) -> None:
        await self._h.put("feeds", url, json.dumps(dataclasses.asdict(state)))

    async def close(self) -> None:
        await self._h.close()


def _sub_key(channel_key: str, url: str) -> str:
    return f"{channel_key}\t{url}"


def _by_feed(url: str) -> str:
    return f"followers\t{url}"


class MemoryHashes:
    def __init__(self) -> None:
        self._tables: dict[str, dict[str, str]] = {}

    async def get(self, table: str, key: str) -> str | None:
        return self._tables.get(table, {}).get(key)

    async def put(self, table: str, key: str, value: str) -> None:
        self._tables.setdefault(table, {})[key] = value

    async def delete(self, table: str, key: str) -> bool:
        return self._tables.get(table, {}).pop(key, None) is not None

    async def all(self, table: str) -> dict[str, str]:
        return dict(self._tables.get(table, {}))

    async def close(self) -> None:
        pass


class SQLiteHashes:
    _SCHEMA = """CREATE TABLE IF NOT EXISTS feed_hashes (
        tbl TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (tbl, key));"""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self._db = SQLiteFile(path, self._SCHEMA)

    async def get(self, table: str, key: str) -> str | None:
        sql = "SELECT value FROM feed_hashes WHERE tbl = ? AND key = ?"
        row = await self._db.run(lambda c: c.execute(sql, (table, key)).fetchone())
        return row[0] if row else None

    async def put(self, table: str, key: str, value: str) -> None:
        sql = "INSERT OR REPLACE INTO feed_hashes (tbl, key, value) VALUES (?, ?, ?)"
        await self._db.run(lambda c: c.execute(sql, (table, key, value)))

    async def delete(self, table: str, key: str) -> bool:
        sql = "DELETE FROM feed_hashes WHERE tbl = ? AND key = ?"
        return await self._db.run(lambda c: c.execute(sql, (table, key)).rowcount > 0)

    async def all(self, table: str) -> dict[str, str]:
        sql = "SELECT key, value FROM feed_hashes WHERE tbl = ?"
        return dict(await self._db.run(lambda c: c.execute(sql, (table,)).fetchall()))

    async def close(self) -> None:
        await self._db.close()


class RedisHashes:
    def __init__(self, client_or_url: aioredis.Redis | str, *, prefix: str = "newsbot:") -> None:
        self._client, self._close = adopt_redis(client_or_url, None)
        self._prefix = prefix + "feeds:"

    async def get(self, table: str, key: str) -> str | None:
        with redis_errors():
            value = await self._client.hget(self._prefix + table, key)
        return value.decode() if value is not None else None

    async def put(self, table: str, key: str, value: str) -> None:
        with redis_errors():
            await self._client.hset(self._prefix + table, key, value)

    async def delete(self, table: str, key: str) -> bool:
        with redis_errors():
            return bool(await self._client.hdel(self._prefix + table, key))

    async def all(self, table: str) -> dict[str, str]:
        with redis_errors():
            raw = await self._client.hgetall(self._prefix + table)
        return {k.decode(): v.decode() for k, v in raw.items()}

    async def close(self) -> None:
        if self._close:
            await self._client.aclose()


def open_feed_store(config: CacheConfig) -> FeedStore:
    """Beside the state store: Redis or SQLite when the cache uses them, else memory."""
    if config.backend == "redis":
        return FeedStore(RedisHashes(config.redis_url))
    if config.backend == "sqlite":
        return FeedStore(SQLiteHashes(config.state_dir() / "feeds.sqlite3"))
    return FeedStore(MemoryHashes())
