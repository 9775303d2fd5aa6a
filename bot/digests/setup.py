"""Digests wired into a running bot: the store, the `/digest` feature, the post recorder, the
background pruning, and (once adapters can post) the scheduler."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from bot.chat import ChatWorkflow
from bot.config import Config, DigestConfig
from bot.digests.calendar import calendar_of
from bot.digests.feature import DigestFeature
from bot.digests.recorder import DigestRecorder
from bot.digests.schedule import DigestScheduler, OutboxFor
from bot.digests.store import DigestStore, open_digest_store
from bot.state import StateStore
from bot.stores import CacheUnavailable, Clock
from summarizer import load_encoder

log = logging.getLogger(__name__)


@dataclass
class Digests:
    """What the runtime holds for digests."""

    config: DigestConfig
    store: DigestStore
    feature: DigestFeature
    state: StateStore
    clock: Clock = time.time

    def scheduler(self, outbox_for: OutboxFor) -> DigestScheduler | None:
        """The scheduler for `[[digest.schedules]]` (None when there are none)."""
        if not self.config.schedules:
            return None
        calendars = [calendar_of(s, self.config.retention_days) for s in self.config.schedules]
        return DigestScheduler(self.feature, self.state, calendars, outbox_for, clock=self.clock)


@asynccontextmanager
async def open_digests(
    config: Config,
    state: StateStore,
    chat: ChatWorkflow,
    *,
    store: DigestStore | None = None,
    clock: Clock = time.time,
) -> AsyncIterator[Digests | None]:
    """Register digests on `chat` and prune in the background; closed on exit."""
    if not config.digest.enabled:
        yield None
        return
    store = store or open_digest_store(config.cache)
    feature = DigestFeature(
        store, state, config.digest, lambda: load_encoder(config.summarizer), clock=clock
    )
    chat.features.append(feature)
    chat.on_posted(DigestRecorder(store, clock=clock, encoder=feature.encoder))
    feature.preload()  # while the bot starts, not when its first posts and requests arrive
    pruner = asyncio.create_task(prune_forever(store, config.digest, clock), name="digest-prune")
    try:
        yield Digests(config.digest, store, feature, state, clock)
    finally:
        pruner.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await pruner
        await store.close()


async def prune_forever(store: DigestStore, config: DigestConfig, clock: Clock) -> None:
    """Forget posts older than the retention, now and every `prune_interval_seconds`."""
    while True:
        try:
            gone = await store.prune(clock() - config.retention_days * 86_400)
            if gone:
                log.info("digests: forgot %d posts older than %d days", gone,
                         config.retention_days)  # fmt: skip
        except CacheUnavailable as exc:
            log.warning("digests: pruning skipped: %s", exc)
        await asyncio.sleep(config.prune_interval_seconds)
