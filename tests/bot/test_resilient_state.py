"""The bot keeps working when Redis disappears mid-run, and recovers when it returns."""

from __future__ import annotations

import pytest

from bot.resilient_state import FallbackStateStore
from bot.state import RedisStateStore
from tests.redis_server import RedisServer, redis_server_path


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@pytest.mark.skipif(redis_server_path() is None, reason="redis-server is not installed")
async def test_redis_goes_away_and_comes_back():
    server = RedisServer(redis_server_path())
    server.start()
    clock = Clock()
    store = FallbackStateStore(RedisStateStore(server.url), retry_after=5.0, clock=clock)
    try:
        assert await store.claim("event:1", 60) is True
        assert await store.claim("event:1", 60) is False  # answered by Redis
        port = server.port
        server._terminate()  # the process dies; its temp dir stays for the restart

        # Redis is gone: the store degrades to local state instead of raising
        assert await store.claim("event:2", 60) is True
        assert store.degraded
        assert await store.claim("event:2", 60) is False  # local dedupe still works
        assert await store.hit_rate_limit("user:U1", 1, 60) == 0.0
        assert await store.hit_rate_limit("user:U1", 1, 60) > 0
        assert await store.acquire_lock("flight:x", 30) is True
        assert await store.release_lock("flight:x") is True

        # Redis returns on the same port; after the back-off the store uses it again
        server._spawn(port)  # returns once the new server answers PING
        clock.now += 6
        assert await store.claim("event:3", 60) is True
        assert not store.degraded
        assert await store.claim("event:3", 60) is False
    finally:
        await store.close()
        server.stop()
