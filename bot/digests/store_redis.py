"""Digest records shared by every replica through one Redis: a sorted set per channel."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.digests.model import MAX_ENTRIES, DigestEntry, entry_from_json, entry_to_json
from bot.stores import adopt_redis, redis_errors

if TYPE_CHECKING:
    import redis.asyncio as aioredis


class RedisDigestStore:
    """Each channel's posts in a sorted set scored by time; a set names the channels."""

    def __init__(
        self,
        client_or_url: aioredis.Redis | str,
        *,
        prefix: str = "newsbot:digest:",
        close_client: bool | None = None,
    ) -> None:
        self._client, self._close_client = adopt_redis(client_or_url, close_client)
        self._prefix = prefix

    def _channel(self, channel_key: str) -> str:
        return f"{self._prefix}posts:{channel_key}"

    async def add(self, entry: DigestEntry) -> None:
        with redis_errors():
            async with self._client.pipeline(transaction=True) as pipe:
                pipe.zadd(self._channel(entry.channel_key), {entry_to_json(entry): entry.posted_at})
                pipe.sadd(f"{self._prefix}channels", entry.channel_key)
                await pipe.execute()

    async def entries(
        self, channel_key: str, since: float, until: float, limit: int = MAX_ENTRIES
    ) -> list[DigestEntry]:
        with redis_errors():
            raw = await self._client.zrevrangebyscore(
                self._channel(channel_key), f"({until}", since, start=0, num=limit
            )
        return [entry_from_json(r) for r in reversed(raw)]

    async def prune(self, before: float) -> int:
        gone = 0
        with redis_errors():
            channels = await self._client.smembers(f"{self._prefix}channels")
            for name in channels:
                key = self._channel(name.decode() if isinstance(name, bytes) else name)
                gone += await self._client.zremrangebyscore(key, "-inf", f"({before}")
                if not await self._client.exists(key):
                    await self._client.srem(f"{self._prefix}channels", name)
        return gone

    async def was_posted(self, key: str) -> bool:
        with redis_errors():
            return bool(await self._client.exists(f"{self._prefix}posted:{key}"))

    async def mark_posted(self, key: str, ttl: float) -> None:
        with redis_errors():
            await self._client.set(f"{self._prefix}posted:{key}", b"1", px=max(1, int(ttl * 1000)))

    async def close(self) -> None:
        if self._close_client:
            await self._client.aclose()
