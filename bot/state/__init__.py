"""Small shared-state primitives that keep several bot replicas from stepping on each other.

Event dedupe (`claim`), the "already summarized here" index, rate limits, votes and
single-flight locks. Memory is for one process; SQLite for processes on one host; Redis for
replicas anywhere. All three behave the same (tests/bot/test_state.py runs one suite on each).
"""

from __future__ import annotations

from bot.config import CacheConfig
from bot.state.base import StateStore, StateUnavailable, Vote
from bot.state.memory import MemoryStateStore
from bot.state.redis import VOTE_TTL_SECONDS, RedisStateStore
from bot.state.sqlite import SQLiteStateStore
from bot.stores import redis_client

__all__ = [
    "VOTE_TTL_SECONDS",
    "MemoryStateStore",
    "RedisStateStore",
    "SQLiteStateStore",
    "StateStore",
    "StateUnavailable",
    "Vote",
    "open_state_store",
]


def open_state_store(config: CacheConfig) -> StateStore:
    """Redis or SQLite when the cache uses them (so replicas share state), else memory."""
    if config.backend == "redis":
        return RedisStateStore(redis_client(config.redis_url), close_client=True)
    if config.backend == "sqlite":
        return SQLiteStateStore(config.state_dir() / "state.sqlite3")
    return MemoryStateStore()
