"""`/digest [today|week|Nd] [private]`: a channel's stories, as a `Feature` of the chat workflow."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from bot.chat import ChatEvent, Conversation, Notice, Outbox, Trigger
from bot.chat.outcomes import Accepted, DigestPost
from bot.config import DigestConfig
from bot.digests.digest import build_digest
from bot.digests.model import MAX_ENTRIES, DigestEntry
from bot.digests.period import USAGE, Period, parse_period
from bot.digests.recorder import is_direct
from bot.digests.store import DigestStore
from bot.digests.stories import Encoder
from bot.errors import UsageError
from bot.results import Digest
from bot.state import StateStore
from bot.stores import Clock

log = logging.getLogger(__name__)

COMMAND = "digest"
WORKING = "Collecting what was shared here…"
NO_CHANNEL = "Digests are per channel; ask in the channel you want a digest of."


@dataclass(frozen=True)
class DigestRequest:
    period: Period
    private: bool


class DigestFeature:
    """Answers the digest command and builds digests for the scheduler and the CLI."""

    def __init__(
        self,
        store: DigestStore,
        state: StateStore | None,
        config: DigestConfig,
        encoder: Callable[[], Encoder | None],
        *,
        clock: Clock = time.time,
    ) -> None:
        self.store = store
        self.state = state
        self.config = config
        self._load_encoder = encoder
        self._encoder: asyncio.Task[Encoder | None] | None = None
        self.clock = clock

    async def wants(self, event: ChatEvent) -> bool:
        return event.trigger is Trigger.COMMAND and event.command == COMMAND

    async def receive(self, event: ChatEvent) -> Conversation:
        words = event.typed_text.split()
        private = event.options.private or "private" in (w.lower() for w in words)
        rest = [w for w in words if w.lower() != "private"]
        if len(rest) > 1:
            return Conversation(event, reply_now=Notice(f"One period at most. {USAGE}", "usage"))
        try:
            period = parse_period(rest[0] if rest else "", self.config.retention_days)
        except UsageError as exc:
            return Conversation(event, reply_now=Notice(exc.message, exc.kind))
        if is_direct(event):
            return Conversation(event, reply_now=Notice(NO_CHANNEL, "usage"))
        return Conversation(event, reply_now=Accepted(WORKING), work=DigestRequest(period, private))

    async def carry_out(self, conversation: Conversation, outbox: Outbox) -> None:
        request = conversation.work
        assert isinstance(request, DigestRequest)
        event = conversation.event
        since, until = request.period.window(self.clock())
        digest = await self.digest_for(event.channel_key, request.period.label, since, until)
        await outbox.send(DigestPost(digest, request.private))

    async def digest_for(self, channel_key: str, label: str, since: float, until: float) -> Digest:
        """The digest of one channel's posts in [since, until), of its newest MAX_ENTRIES
        posts in a channel that shared more (the digest says so)."""
        entries = await self.store.entries(channel_key, since, until, limit=MAX_ENTRIES + 1)
        capped = len(entries) > MAX_ENTRIES
        if capped:
            log.info("digest of %s: %d+ links in %s, reading the newest %d", channel_key,
                     len(entries), label, MAX_ENTRIES)  # fmt: skip
            entries = entries[-MAX_ENTRIES:]
        return await self.digest_of(entries, channel_key=channel_key, label=label,
                                    since=since, until=until, capped=capped)  # fmt: skip

    async def digest_of(
        self, entries: list[DigestEntry], *, channel_key: str, label: str, since: float,
        until: float, capped: bool = False,
    ) -> Digest:  # fmt: skip
        """Group and order `entries` (votes from the state store), off the event loop."""
        votes = await self._votes(entries)
        encoder = await self.encoder() if len(entries) > 1 else None
        return await asyncio.to_thread(
            build_digest, entries, channel_key=channel_key, label=label, since=since,
            until=until, encoder=encoder, votes=votes,
            threshold=self.config.similarity_threshold, max_stories=self.config.max_stories,
            capped=capped,
        )  # fmt: skip

    def preload(self) -> None:
        """Start loading the encoder in a thread now: the load holds the GIL for a few hundred
        ms, which at the first post would slow the acks of whatever arrives with it."""
        if self._encoder is None:
            self._encoder = asyncio.create_task(asyncio.to_thread(self._safe_load))

    async def encoder(self) -> Encoder | None:
        """The sentence encoder, loaded once in a thread; None (URL/text grouping) if it fails."""
        self.preload()
        assert self._encoder is not None
        return await asyncio.shield(self._encoder)

    def _safe_load(self) -> Encoder | None:
        try:
            return self._load_encoder()
        except Exception:  # noqa: BLE001 - digests still group by address and text without it
            log.exception("sentence encoder unavailable; digests group by address only")
            return None

    async def _votes(self, entries: list[DigestEntry]) -> dict[str, tuple[int, int]]:
        keys = sorted({e.vote_key for e in entries if e.vote_key})
        if self.state is None or not keys:
            return {}
        found = await asyncio.gather(*(self.state.votes(k) for k in keys), return_exceptions=True)
        return {k: v for k, v in zip(keys, found, strict=True) if isinstance(v, tuple)}
