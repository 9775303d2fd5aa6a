"""State shared by every replica through one Redis."""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # only in annotations; redis-py loads when a Redis store is made
    import redis.asyncio as aioredis

from bot.state.base import LockTokens, StateUnavailable, Vote, check_limit, check_vote
from bot.stores import adopt_redis, redis_errors

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
        self._client, self._close_client = adopt_redis(client_or_url, close_client)
        self._prefix = prefix
        self._rate_limit = self._client.register_script(_RATE_LIMIT_LUA)
        self._release = self._client.register_script(_RELEASE_LUA)
        self._tokens = LockTokens()

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
        check_limit(limit, window)
        with redis_errors(StateUnavailable):
            wait_ms = await self._rate_limit(
                keys=[self._key("rate", bucket)],
                args=[limit, _ms(window), secrets.token_hex(8)],
            )
        return int(wait_ms) / 1000

    async def record_vote(self, summary_id: str, user_id: str, vote: Vote) -> tuple[int, int]:
        check_vote(vote)
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
        async def attempt(token: str) -> bool:
            with redis_errors(StateUnavailable):
                return bool(
                    await self._client.set(self._key("lock", key), token, nx=True, px=_ms(ttl))
                )

        return await self._tokens.take(key, attempt)

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
