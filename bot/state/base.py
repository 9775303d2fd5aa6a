"""What every state store offers (`StateStore`) and the checks and lock tokens they share."""

from __future__ import annotations

import collections
import secrets
from collections.abc import Awaitable, Callable
from typing import Literal, Protocol

from bot.stores import CacheUnavailable

Vote = Literal["up", "down"]


class StateUnavailable(CacheUnavailable):
    """The shared store is locked or unreachable; the caller picks a safe default."""


class StateStore(Protocol):
    async def claim(self, key: str, ttl: float) -> bool:
        """True for the first caller within `ttl` (e.g. per Slack event_id), False after."""
        ...

    async def remember_post(
        self, channel_key: str, url_key: str, permalink: str, ttl: float
    ) -> None: ...

    async def find_post(self, channel_key: str, url_key: str) -> str | None: ...

    async def hit_rate_limit(self, bucket: str, limit: int, window: float) -> float:
        """Record a hit; 0.0 if allowed, else seconds until the next hit would be allowed.

        Rejected hits are not recorded: a user who keeps trying is not locked out longer.
        """
        ...

    async def record_vote(self, summary_id: str, user_id: str, vote: Vote) -> tuple[int, int]:
        """Set this user's vote (replacing an earlier one); returns (ups, downs)."""
        ...

    async def votes(self, summary_id: str) -> tuple[int, int]: ...

    async def acquire_lock(self, key: str, ttl: float) -> bool:
        """Non-blocking, non-reentrant lock that expires after `ttl` if never released."""
        ...

    async def release_lock(self, key: str) -> bool:
        """Release a lock this store holds; False if it expired or another holder has it."""
        ...

    async def close(self) -> None: ...


def check_vote(vote: str) -> None:
    if vote not in ("up", "down"):
        raise ValueError(f"vote must be 'up' or 'down', got {vote!r}")


def check_limit(limit: int, window: float) -> None:
    if limit < 1 or window <= 0:
        raise ValueError("rate limit needs limit >= 1 and window > 0")


class LockTokens:
    """Tokens of the locks this replica took, oldest first per key.

    A holder that stalls past its TTL and then releases pops its own (stale) token, so it
    cannot free the lock a later caller in the same replica has taken since.
    """

    _MAX_PER_KEY = 16

    def __init__(self) -> None:
        self._tokens: dict[str, collections.deque[str]] = {}

    def add(self, key: str) -> str:
        token = secrets.token_hex(16)
        self._tokens.setdefault(key, collections.deque(maxlen=self._MAX_PER_KEY)).append(token)
        return token

    async def take(self, key: str, attempt: Callable[[str], Awaitable[bool]]) -> bool:
        """Run `attempt(token)` with a fresh token; the token is kept only if it took the lock
        (a refusal or an error forgets it, so `release_lock` cannot pop it later)."""
        token = self.add(key)
        taken = False
        try:
            taken = await attempt(token)
        finally:
            if not taken:
                self.discard(key, token)
        return taken

    def discard(self, key: str, token: str) -> None:
        tokens = self._tokens.get(key)
        if tokens and token in tokens:
            tokens.remove(token)
            if not tokens:
                del self._tokens[key]

    def pop(self, key: str) -> str | None:
        tokens = self._tokens.get(key)
        if not tokens:
            return None
        token = tokens.popleft()
        if not tokens:
            del self._tokens[key]
        return token
