"""Shared state: one behavioural suite over Memory, SQLite and Redis, then replica scenarios."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest

from bot.config import CacheConfig
from bot.state import (
    MemoryStateStore,
    RedisStateStore,
    SQLiteStateStore,
    StateStore,
    StateUnavailable,
    open_state_store,
)
from tests.redis_server import free_port

Advance = Callable[[float], Awaitable[None]]
#: TTLs short enough to wait out on Redis, long enough that a loaded machine stays inside them.
SHORT = 0.5
PAST_SHORT = 0.7
WINDOW = 0.8


@pytest.fixture(params=["memory", "sqlite", "redis"])
def make_store(request, tmp_path, fake_clock) -> Callable[[], tuple[StateStore, Advance]]:
    """Factory for (store, advance). Each call on SQLite/Redis is another replica of one state."""
    redis_url = request.getfixturevalue("redis_url") if request.param == "redis" else None

    async def tick(seconds: float) -> None:
        fake_clock.advance(seconds)

    def make() -> tuple[StateStore, Advance]:
        if request.param == "memory":
            return MemoryStateStore(clock=fake_clock), tick
        if request.param == "sqlite":
            return SQLiteStateStore(tmp_path / "state.sqlite3", clock=fake_clock), tick
        # Redis keeps time itself (TTLs, the rate-limit window), so tests really wait.
        return RedisStateStore(redis_url), asyncio.sleep

    make.backend = request.param  # type: ignore[attr-defined]
    return make


@pytest.fixture
async def state(make_store) -> AsyncIterator[tuple[StateStore, Advance]]:
    store, advance = make_store()
    yield store, advance
    await store.close()


@pytest.fixture
async def replicas(make_store) -> AsyncIterator[tuple[StateStore, StateStore, Advance]]:
    """Two stores over one shared state (skipped for memory, which is one process by design)."""
    if make_store.backend == "memory":
        pytest.skip("MemoryStateStore is single-process")
    (a, advance), (b, _) = make_store(), make_store()
    yield a, b, advance
    await a.close()
    await b.close()


# --- claim ---------------------------------------------------------------------------------------


async def test_claim_is_true_once_within_ttl(state):
    store, advance = state
    assert await store.claim("event:Ev1", ttl=SHORT) is True
    assert await store.claim("event:Ev1", ttl=SHORT) is False
    assert await store.claim("event:Ev2", ttl=SHORT) is True
    await advance(PAST_SHORT)
    assert await store.claim("event:Ev1", ttl=SHORT) is True


async def test_concurrent_claims_have_one_winner(state):
    store, _ = state
    results = await asyncio.gather(*(store.claim("event:Ev9", ttl=60) for _ in range(20)))
    assert results.count(True) == 1


# --- "already summarized here" -------------------------------------------------------------


async def test_remember_and_find_post(state):
    store, advance = state
    assert await store.find_post("slack:T1:C1", "url:abc") is None
    await store.remember_post("slack:T1:C1", "url:abc", "https://chat.example/p/1", ttl=SHORT)
    assert await store.find_post("slack:T1:C1", "url:abc") == "https://chat.example/p/1"
    assert await store.find_post("slack:T1:C2", "url:abc") is None
    assert await store.find_post("slack:T1:C1", "url:abd") is None
    await advance(PAST_SHORT)
    assert await store.find_post("slack:T1:C1", "url:abc") is None


async def test_remember_post_overwrites(state):
    store, _ = state
    await store.remember_post("c", "u", "https://chat.example/p/1", ttl=60)
    await store.remember_post("c", "u", "https://chat.example/p/2", ttl=60)
    assert await store.find_post("c", "u") == "https://chat.example/p/2"


async def test_post_keys_do_not_collide_on_separators(state):
    store, _ = state
    await store.remember_post("a:b", "c", "https://chat.example/p/1", ttl=60)
    assert await store.find_post("a", "b:c") is None


# --- rate limits ---------------------------------------------------------------------------


async def test_rate_limit_allows_limit_hits_per_window(state):
    store, advance = state
    assert await store.hit_rate_limit("user:U1", limit=2, window=WINDOW) == 0.0
    assert await store.hit_rate_limit("user:U1", limit=2, window=WINDOW) == 0.0
    wait = await store.hit_rate_limit("user:U1", limit=2, window=WINDOW)
    assert 0.0 < wait <= WINDOW
    assert await store.hit_rate_limit("user:U2", limit=2, window=WINDOW) == 0.0  # own bucket
    await advance(WINDOW + 0.2)
    assert await store.hit_rate_limit("user:U1", limit=2, window=WINDOW) == 0.0


async def test_rate_limit_wait_counts_down_from_the_oldest_hit(state):
    store, advance = state
    assert await store.hit_rate_limit("b", limit=1, window=2 * WINDOW) == 0.0
    await advance(WINDOW)
    wait = await store.hit_rate_limit("b", limit=1, window=2 * WINDOW)
    assert 0.0 < wait <= WINDOW + 0.01  # the oldest hit is already WINDOW old


async def test_rejected_hits_do_not_extend_the_wait(state):
    store, advance = state
    assert await store.hit_rate_limit("b", limit=1, window=WINDOW) == 0.0
    for _ in range(5):
        assert await store.hit_rate_limit("b", limit=1, window=WINDOW) > 0
    await advance(WINDOW + 0.2)
    assert await store.hit_rate_limit("b", limit=1, window=WINDOW) == 0.0


async def test_rate_limit_rejects_nonsense_limits(state):
    store, _ = state
    with pytest.raises(ValueError):
        await store.hit_rate_limit("b", limit=0, window=1)
    with pytest.raises(ValueError):
        await store.hit_rate_limit("b", limit=1, window=0)


# --- votes ---------------------------------------------------------------------------------


async def test_one_changeable_vote_per_user(state):
    store, _ = state
    assert await store.votes("s1") == (0, 0)
    assert await store.record_vote("s1", "U1", "up") == (1, 0)
    assert await store.record_vote("s1", "U1", "up") == (1, 0)
    assert await store.record_vote("s1", "U2", "down") == (1, 1)
    assert await store.record_vote("s1", "U1", "down") == (0, 2)
    assert await store.votes("s1") == (0, 2)
    assert await store.votes("s2") == (0, 0)


async def test_vote_must_be_up_or_down(state):
    store, _ = state
    with pytest.raises(ValueError):
        await store.record_vote("s1", "U1", "sideways")  # type: ignore[arg-type]
    assert await store.votes("s1") == (0, 0)


async def test_memory_votes_are_bounded_oldest_summary_first():
    store = MemoryStateStore()
    store.MAX_VOTED_SUMMARIES = 3
    for i in range(4):
        await store.record_vote(f"s{i}", "U1", "up")
    await store.record_vote("s1", "U2", "down")  # a known summary evicts nothing
    assert await store.votes("s0") == (0, 0)  # the oldest went when s3 came
    assert [await store.votes(f"s{i}") for i in (1, 2, 3)] == [(1, 1), (1, 0), (1, 0)]


# --- locks ---------------------------------------------------------------------------------


async def test_lock_is_exclusive_until_released(state):
    store, _ = state
    assert await store.acquire_lock("url:abc", ttl=60) is True
    assert await store.acquire_lock("url:abc", ttl=60) is False
    assert await store.acquire_lock("url:other", ttl=60) is True
    assert await store.release_lock("url:abc") is True
    assert await store.release_lock("url:abc") is False
    assert await store.acquire_lock("url:abc", ttl=60) is True


async def test_lock_expires(state):
    store, advance = state
    assert await store.acquire_lock("k", ttl=SHORT) is True
    await advance(PAST_SHORT)
    assert await store.acquire_lock("k", ttl=60) is True


async def test_a_stalled_holder_cannot_release_the_next_holders_lock(state):
    store, advance = state
    assert await store.acquire_lock("k", ttl=SHORT) is True  # first caller, then stalls
    await advance(PAST_SHORT)
    assert await store.acquire_lock("k", ttl=60) is True  # second caller after expiry
    assert await store.release_lock("k") is False  # the first caller's late release
    assert await store.acquire_lock("k", ttl=60) is False  # second caller still holds it
    assert await store.release_lock("k") is True
    assert await store.acquire_lock("k", ttl=60) is True


async def test_releasing_a_lock_never_taken_is_false(state):
    store, _ = state
    assert await store.release_lock("never") is False


# --- several replicas ------------------------------------------------------------------------


async def test_replicas_claim_an_event_exactly_once(replicas):
    a, b, _ = replicas
    results = await asyncio.gather(*(s.claim("event:Ev5", ttl=60) for s in (a, b) * 10))
    assert results.count(True) == 1


async def test_replicas_share_posts_votes_and_rate_limits(replicas):
    a, b, _ = replicas
    await a.remember_post("c", "u", "https://chat.example/p/7", ttl=60)
    assert await b.find_post("c", "u") == "https://chat.example/p/7"
    await a.record_vote("s", "U1", "up")
    assert await b.record_vote("s", "U2", "up") == (2, 0)
    assert await a.hit_rate_limit("chan", limit=1, window=60) == 0.0
    assert await b.hit_rate_limit("chan", limit=1, window=60) > 0


async def test_a_replica_releases_only_its_own_lock(replicas):
    a, b, advance = replicas
    assert await a.acquire_lock("k", ttl=SHORT) is True
    assert await b.acquire_lock("k", ttl=60) is False
    assert await b.release_lock("k") is False  # b never held it
    assert await a.acquire_lock("k", ttl=60) is False  # still held by a
    await advance(PAST_SHORT)
    assert await b.acquire_lock("k", ttl=60) is True  # a's lock expired
    assert await a.release_lock("k") is False  # a's stale token must not free b's lock
    assert await a.acquire_lock("k", ttl=60) is False
    assert await b.release_lock("k") is True
    assert await a.acquire_lock("k", ttl=60) is True


async def test_memory_store_forgets_expired_state(fake_clock):
    store = MemoryStateStore(clock=fake_clock)
    store._SWEEP_EVERY = 1  # sweep on every call instead of every thousandth
    await store.claim("e", ttl=1)
    await store.remember_post("c", "u", "https://chat.example/p/1", ttl=1)
    await store.hit_rate_limit("b", limit=1, window=1)
    fake_clock.advance(2)
    await store.claim("other", ttl=60)
    assert list(store._claims) == ["other"]
    assert store._posts == {} and store._hits == {}


# --- failures and factory --------------------------------------------------------------------


async def test_redis_down_is_state_unavailable():
    store = RedisStateStore(f"redis://127.0.0.1:{free_port()}/0")
    try:
        with pytest.raises(StateUnavailable):
            await store.claim("k", ttl=1)
        with pytest.raises(StateUnavailable):
            await store.acquire_lock("k", ttl=1)
        assert await store.release_lock("k") is False  # the failed acquire left no token
    finally:
        await store.close()


async def test_sqlite_locked_is_state_unavailable(tmp_path):
    path = tmp_path / "state.sqlite3"
    store = SQLiteStateStore(path, busy_timeout=0.1)
    assert await store.claim("warm-up", ttl=60)
    other = sqlite3.connect(path, isolation_level=None)
    try:
        other.execute("BEGIN EXCLUSIVE")
        with pytest.raises(StateUnavailable, match="locked"):
            await store.claim("k", ttl=60)
        other.execute("ROLLBACK")
        assert await store.claim("k", ttl=60) is True
    finally:
        other.close()
        await store.close()


async def test_sqlite_state_survives_a_restart(tmp_path, fake_clock):
    path = tmp_path / "state.sqlite3"
    first = SQLiteStateStore(path, clock=fake_clock)
    await first.claim("event:Ev1", ttl=60)
    await first.record_vote("s", "U1", "down")
    await first.close()
    second = SQLiteStateStore(path, clock=fake_clock)
    try:
        assert await second.claim("event:Ev1", ttl=60) is False
        assert await second.votes("s") == (0, 1)
    finally:
        await second.close()


async def test_open_state_store_follows_the_cache_backend(tmp_path, monkeypatch):
    sqlite_store = open_state_store(CacheConfig(backend="sqlite", data_dir=str(tmp_path)))
    assert isinstance(sqlite_store, SQLiteStateStore)
    assert await sqlite_store.claim("k", ttl=60)
    assert (tmp_path / "state.sqlite3").exists()
    await sqlite_store.close()
    for backend in ("memory", "none"):
        assert isinstance(open_state_store(CacheConfig(backend=backend)), MemoryStateStore)
    monkeypatch.setenv("REDIS_PASSWORD", "s3cret")
    redis_store = open_state_store(CacheConfig(backend="redis", redis_url="redis://127.0.0.1:1/0"))
    assert isinstance(redis_store, RedisStateStore)
    assert redis_store._client.connection_pool.connection_kwargs["password"] == "s3cret"
    await redis_store.close()
