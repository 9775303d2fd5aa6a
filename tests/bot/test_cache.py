"""Summary cache: one behavioural suite over every backend, then backend-specific guarantees."""

from __future__ import annotations

import asyncio
import sqlite3
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest

from bot.cache import (
    CacheUnavailable,
    MemoryCache,
    NullCache,
    RedisCache,
    SQLiteCache,
    SummaryCache,
    cache_key,
    open_cache,
)
from bot.config import CacheConfig
from bot.stores import adopt_redis
from tests.redis_server import free_port

SUMMARY = {"title": "Bridge to be restored", "bullets": ["Council votes 9–4 for repairs."]}
Advance = Callable[[float], Awaitable[None]]
#: TTLs short enough to wait out on Redis, long enough that a loaded machine stays inside them.
SHORT = 0.5
PAST_SHORT = 0.7


# --- keys ----------------------------------------------------------------------------------------


def test_cache_key_is_stable_and_ignores_option_order():
    a = cache_key("https://courier.example/a", "extractive", {"bullets": 3, "lang": "en"})
    b = cache_key("https://courier.example/a", "extractive", {"lang": "en", "bullets": 3})
    assert a == b
    prefix, version, digest = a.split(":")
    assert (prefix, version) == ("summary", "v1")
    assert len(digest) == 64 and int(digest, 16) >= 0


@pytest.mark.parametrize(
    ("url", "backend", "options"),
    [
        ("https://courier.example/b", "extractive", {"bullets": 3, "lang": "en"}),
        ("https://courier.example/a", "seq2seq", {"bullets": 3, "lang": "en"}),
        ("https://courier.example/a", "extractive", {"bullets": 5, "lang": "en"}),
        ("https://courier.example/a", "extractive", {"bullets": 3}),
    ],
)
def test_cache_key_changes_with_each_input(url, backend, options):
    base = cache_key("https://courier.example/a", "extractive", {"bullets": 3, "lang": "en"})
    assert cache_key(url, backend, options) != base


# --- the same behaviour on every backend -----------------------------------------------------


@pytest.fixture(params=["memory", "sqlite", "redis"])
def make_cache(request, tmp_path, fake_clock) -> Callable[[], tuple[SummaryCache, Advance]]:
    """Factory for (cache, advance): advance moves the fake clock, or sleeps for Redis."""
    redis_url = request.getfixturevalue("redis_url") if request.param == "redis" else None

    async def tick(seconds: float) -> None:
        fake_clock.advance(seconds)

    def make() -> tuple[SummaryCache, Advance]:
        if request.param == "memory":
            return MemoryCache(100, clock=fake_clock), tick
        if request.param == "sqlite":
            return SQLiteCache(tmp_path / "c.sqlite3", max_entries=100, clock=fake_clock), tick
        return RedisCache(redis_url), asyncio.sleep

    return make


@pytest.fixture
async def cache(make_cache) -> AsyncIterator[tuple[SummaryCache, Advance]]:
    store, advance = make_cache()
    yield store, advance
    await store.close()


async def test_miss(cache):
    store, _ = cache
    assert await store.get("summary:v1:nothing") is None


async def test_success_round_trip(cache):
    store, _ = cache
    await store.put_success("k", SUMMARY, ttl=60)
    entry = await store.get("k")
    assert entry is not None and entry.ok
    assert entry.payload == SUMMARY
    assert entry.expires_at - entry.created_at == pytest.approx(60)


async def test_failure_round_trip(cache):
    store, _ = cache
    await store.put_failure("k", "extract", "This page looks paywalled.", ttl=60)
    entry = await store.get("k")
    assert entry is not None and not entry.ok
    assert entry.payload == {"kind": "extract", "message": "This page looks paywalled."}


async def test_failure_never_shadows_a_live_success(cache):
    store, advance = cache
    await store.put_success("k", SUMMARY, ttl=SHORT)
    await store.put_failure("k", "fetch", "Timed out.", ttl=60)
    entry = await store.get("k")
    assert entry.ok and entry.payload == SUMMARY
    await advance(PAST_SHORT)
    entry = await store.get("k")  # success gone: the later failure shows
    assert not entry.ok and entry.payload["kind"] == "fetch"


async def test_success_replaces_an_earlier_failure(cache):
    store, advance = cache
    await store.put_failure("k", "fetch", "Timed out.", ttl=60)
    await store.put_success("k", SUMMARY, ttl=SHORT)
    assert (await store.get("k")).ok
    await advance(PAST_SHORT)
    assert await store.get("k") is None


async def test_ttl_is_enforced(cache):
    store, advance = cache
    await store.put_failure("k", "fetch", "Timed out.", ttl=SHORT)
    assert await store.get("k") is not None
    await advance(PAST_SHORT)
    assert await store.get("k") is None


async def test_keys_are_independent(cache):
    store, _ = cache
    await store.put_success("a", SUMMARY, ttl=60)
    await store.put_failure("b", "fetch", "x", ttl=60)
    assert (await store.get("a")).ok
    assert not (await store.get("b")).ok
    assert await store.get("c") is None


@pytest.mark.parametrize(
    "payload",
    [{"title": "t", "bullets": []}, {"title": "t"}, {"bullets": "not a list"}],
)
async def test_refuses_a_summary_without_bullets(cache, payload):
    store, _ = cache
    with pytest.raises(ValueError, match="without bullets"):
        await store.put_success("k", payload, ttl=60)
    assert await store.get("k") is None


async def test_refuses_a_payload_that_is_not_json(cache):
    store, _ = cache
    with pytest.raises(ValueError, match="JSON"):
        await store.put_success("k", {"bullets": ["a"], "when": object()}, ttl=60)
    assert await store.get("k") is None


async def test_zero_ttl_stores_nothing(cache):
    store, _ = cache
    await store.put_success("k", SUMMARY, ttl=0)
    await store.put_failure("k2", "fetch", "x", ttl=0)
    assert await store.get("k") is None and await store.get("k2") is None


async def test_null_cache_stores_nothing_but_still_validates():
    store = NullCache()
    await store.put_success("k", SUMMARY, ttl=60)
    assert await store.get("k") is None
    with pytest.raises(ValueError):
        await store.put_success("k", {"bullets": []}, ttl=60)
    await store.close()


async def test_memory_cache_is_bounded(fake_clock):
    store = MemoryCache(2, clock=fake_clock)
    for key in ("a", "b", "c"):
        await store.put_success(key, SUMMARY, ttl=60)
    assert await store.get("a") is None
    assert await store.get("b") is not None and await store.get("c") is not None


# --- SQLite ----------------------------------------------------------------------------------


async def test_sqlite_survives_a_restart_and_creates_its_directory(tmp_path, fake_clock):
    path = tmp_path / "data" / "nested" / "cache.sqlite3"
    first = SQLiteCache(path, max_entries=10, clock=fake_clock)
    await first.put_success("k", SUMMARY, ttl=60)
    await first.close()
    second = SQLiteCache(path, max_entries=10, clock=fake_clock)
    try:
        entry = await second.get("k")
        assert entry is not None and entry.payload == SUMMARY
    finally:
        await second.close()
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    conn.close()


async def test_sqlite_evicts_the_oldest_beyond_max_entries(tmp_path, fake_clock):
    store = SQLiteCache(tmp_path / "c.sqlite3", max_entries=3, clock=fake_clock)
    try:
        for key in ("a", "b", "c", "d"):
            await store.put_success(key, SUMMARY, ttl=60)
            fake_clock.advance(1)
        assert await store.get("a") is None
        assert [bool(await store.get(k)) for k in ("b", "c", "d")] == [True, True, True]
    finally:
        await store.close()


async def test_sqlite_concurrent_connections_all_land(tmp_path):
    path = tmp_path / "c.sqlite3"
    stores = [SQLiteCache(path, max_entries=1000) for _ in range(3)]
    try:
        await asyncio.gather(
            *(s.put_success(f"{i}-{n}", SUMMARY, ttl=60) for n in range(30)
              for i, s in enumerate(stores))
        )
        found = [await stores[0].get(f"{i}-{n}") for n in range(30) for i in range(3)]
        assert all(e is not None and e.ok for e in found)
    finally:
        for s in stores:
            await s.close()


WRITER = """
import asyncio, sys
from bot.cache import SQLiteCache

async def main():
    store = SQLiteCache(sys.argv[1], max_entries=100_000)
    for n in range(40):
        await store.put_success(f"child-{n}", {"bullets": ["x"]}, ttl=60)
    await store.close()

asyncio.run(main())
"""


async def test_sqlite_concurrent_processes_all_land(tmp_path):
    path = tmp_path / "c.sqlite3"
    child = await asyncio.create_subprocess_exec(sys.executable, "-c", WRITER, str(path))
    store = SQLiteCache(path, max_entries=100_000)
    try:
        # Keep writing until the child is done, so the two processes' writes overlap.
        written = 0
        while child.returncode is None and written < 5_000:
            await store.put_success(f"parent-{written}", SUMMARY, ttl=60)
            written += 1
        assert await asyncio.wait_for(child.wait(), 60) == 0
        assert all([await store.get(f"parent-{n}") for n in range(written)])
        assert all([await store.get(f"child-{n}") for n in range(40)])
    finally:
        if child.returncode is None:
            child.kill()
            await child.wait()
        await store.close()


async def test_sqlite_write_lock_held_elsewhere_is_cache_unavailable(tmp_path):
    path = tmp_path / "c.sqlite3"
    store = SQLiteCache(path, max_entries=10, busy_timeout=0.1)
    await store.put_success("k", SUMMARY, ttl=60)
    other = sqlite3.connect(path, isolation_level=None)
    try:
        other.execute("BEGIN EXCLUSIVE")
        with pytest.raises(CacheUnavailable, match="locked"):
            await store.put_success("k2", SUMMARY, ttl=60)
        # WAL: readers are not blocked by a writer, so lookups keep working.
        assert (await store.get("k")).ok
        other.execute("ROLLBACK")
        await store.put_success("k2", SUMMARY, ttl=60)  # recovers once the lock is gone
        assert (await store.get("k2")).ok
    finally:
        other.close()
        await store.close()


async def test_sqlite_file_locked_exclusively_is_cache_unavailable_then_recovers(tmp_path):
    path = tmp_path / "c.sqlite3"
    setup = SQLiteCache(path, max_entries=10)
    await setup.put_success("k", SUMMARY, ttl=60)
    await setup.close()
    other = sqlite3.connect(path, isolation_level=None)
    store = SQLiteCache(path, max_entries=10, busy_timeout=0.1)
    try:
        other.execute("PRAGMA locking_mode=EXCLUSIVE")
        other.execute("BEGIN EXCLUSIVE")
        with pytest.raises(CacheUnavailable, match="locked"):
            await store.get("k")
        other.execute("COMMIT")
        other.close()
        assert (await store.get("k")).payload == SUMMARY
    finally:
        other.close()
        await store.close()


async def test_sqlite_after_close_is_unavailable(tmp_path):
    store = SQLiteCache(tmp_path / "c.sqlite3", max_entries=10)
    await store.close()
    with pytest.raises(CacheUnavailable):
        await store.get("k")


# --- Redis -----------------------------------------------------------------------------------


async def test_redis_down_is_cache_unavailable():
    store = RedisCache(f"redis://127.0.0.1:{free_port()}/0")
    try:
        with pytest.raises(CacheUnavailable):
            await store.get("k")
        with pytest.raises(CacheUnavailable):
            await store.put_success("k", SUMMARY, ttl=60)
    finally:
        await store.close()


async def test_redis_expiry_is_set_on_the_key_and_namespaces_differ(redis_url):
    store = RedisCache(redis_url, prefix="t:")
    try:
        await store.put_success("k", SUMMARY, ttl=30)
        await store.put_failure("k2", "fetch", "x", ttl=5)
        client = store._client
        keys = sorted(k.decode() for k in await client.keys("t:*"))
        assert keys == ["t:cache:fail:k2", "t:cache:ok:k"]
        assert 29_000 < await client.pttl("t:cache:ok:k") <= 30_000
        assert 4_000 < await client.pttl("t:cache:fail:k2") <= 5_000
    finally:
        await store.close()


async def test_redis_cache_leaves_a_borrowed_client_open(redis_url):
    import redis.asyncio as aioredis

    client = aioredis.from_url(redis_url)
    try:
        store = RedisCache(client)
        await store.put_success("k", SUMMARY, ttl=30)
        await store.close()
        assert await client.ping()
    finally:
        await client.aclose()


# --- factory ---------------------------------------------------------------------------------


async def test_open_cache_picks_the_backend(tmp_path, monkeypatch):
    sqlite_cache = open_cache(CacheConfig(backend="sqlite", data_dir=str(tmp_path / "d")))
    assert isinstance(sqlite_cache, SQLiteCache)
    assert sqlite_cache.path == Path(tmp_path / "d" / "cache.sqlite3")
    await sqlite_cache.close()
    assert isinstance(open_cache(CacheConfig(backend="memory")), MemoryCache)
    assert isinstance(open_cache(CacheConfig(backend="none")), NullCache)

    monkeypatch.setenv("REDIS_PASSWORD", "s3cret")
    redis_cache = open_cache(CacheConfig(backend="redis", redis_url="redis://127.0.0.1:1/0"))
    assert isinstance(redis_cache, RedisCache)
    assert redis_cache._client.connection_pool.connection_kwargs["password"] == "s3cret"
    await redis_cache.close()


async def test_a_redis_store_closes_only_the_client_it_made():
    made, closes = adopt_redis("redis://127.0.0.1:1/0", None)  # lazy: nothing connects
    kept, closes_kept = adopt_redis("redis://127.0.0.1:1/0", False)
    try:
        assert closes is True
        assert kept is not made and closes_kept is False
        assert adopt_redis(made, None) == (made, False)
        assert adopt_redis(made, True) == (made, True)
    finally:
        await made.aclose()
        await kept.aclose()
