"""Scheduled digests: each `[[digest.schedules]]` posted once per fire time, across replicas.

For each schedule the latest fire time at or before now is due. A replica posts it only if
no replica marked it posted (the digest store) and it wins a lease on it (`state.claim`, so a
claimer that dies is replaced once the lease expires); it marks it posted after the post.
After downtime only the latest missed fire is posted (late); one older than its period is
stale and skipped. The one window for a duplicate is a crash between the post and the mark.
A channel the bot can no longer post in pauses its schedule, and says so in the log, until its
next fire time: then it is tried again (the bot may have been invited back).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable

from bot.chat import Outbox
from bot.chat.outcomes import DigestPost
from bot.digests.calendar import Calendar
from bot.digests.feature import DigestFeature
from bot.errors import ChannelUnavailable, PostFailed
from bot.state import StateStore
from bot.stores import Clock

log = logging.getLogger(__name__)

#: How long a claimer may take to post before another replica takes over.
LEASE_SECONDS = 300.0
#: The scheduler wakes at least this often (clock jumps, a lease that expired elsewhere).
MAX_SLEEP = 60.0

OutboxFor = Callable[[str], Outbox]  # raises ChannelUnavailable where no platform posts


class DigestScheduler:
    """Posts each schedule's due digest once; `tick` does one round, `run` loops until stopped."""

    def __init__(
        self,
        feature: DigestFeature,
        state: StateStore,
        calendars: list[Calendar],
        outbox_for: OutboxFor,
        *,
        clock: Clock = time.time,
        lease_seconds: float = LEASE_SECONDS,
    ) -> None:
        self.feature = feature
        self.store = feature.store
        self.state = state
        self.calendars = calendars
        self.outbox_for = outbox_for
        self.clock = clock
        self.lease_seconds = lease_seconds
        #: Channel → when its schedule was paused (fires due by then are skipped).
        self.paused: dict[str, float] = {}

    async def tick(self) -> list[str]:
        """Post what is due now; returns the keys of the digests this replica posted."""
        posted = []
        for calendar in self.calendars:
            try:
                key = await self._maybe_post(calendar)
            except Exception:  # noqa: BLE001 - one schedule's failure must not stop the others
                log.exception("scheduled digest for %s failed", calendar.channel)
                continue
            if key:
                posted.append(key)
        return posted

    async def run(self, stop: asyncio.Event) -> None:
        """Tick at each fire time (and at least every MAX_SLEEP s) until `stop` is set."""
        while not stop.is_set():
            await self.tick()
            now = self.clock()
            upcoming = [c.next_fire(now) for c in self.calendars]
            delay = min([MAX_SLEEP, *(t - now for t in upcoming)])
            try:
                await asyncio.wait_for(stop.wait(), timeout=max(1.0, delay))
            except TimeoutError:
                pass

    async def _maybe_post(self, calendar: Calendar) -> str | None:
        now = self.clock()
        due = calendar.latest_fire(now)
        if due <= self.paused.get(calendar.channel, -1.0):
            return None  # paused after this fire; the next one tries the channel again
        period = calendar.period
        if now - due > max(period.seconds, 86_400.0):
            return None  # stale: the bot was down for longer than the period it would cover
        key = f"{calendar.channel}:{period.seconds:.0f}:{due:.0f}"
        if await self.store.was_posted(key):
            return None
        if not await self.state.claim(f"digest:lease:{key}", self.lease_seconds):
            return None  # another replica is posting it (or did, and is marking it)
        try:
            outbox = self.outbox_for(calendar.channel)
        except ChannelUnavailable as exc:
            log.warning("no enabled platform posts to %s (%s); its digest schedule is paused",
                        calendar.channel, exc)  # fmt: skip
            self.paused[calendar.channel] = now
            return None
        digest = await self.feature.digest_for(
            calendar.channel, period.label, due - period.seconds, due
        )
        if digest.stories:
            try:
                await outbox.send(DigestPost(digest))
            except ChannelUnavailable as exc:
                log.warning("can't post in %s (%s); its digest schedule is paused",
                            calendar.channel, exc)  # fmt: skip
                self.paused[calendar.channel] = now
                return None
            except PostFailed as exc:  # not marked posted: tried again once the lease expires
                log.warning("digest for %s not posted yet: %s", calendar.channel, exc.message)
                return None
        else:
            log.info("nothing shared in %s for the digest due %.0f; nothing posted",
                     calendar.channel, due)  # fmt: skip
        ttl = max(period.seconds, 86_400.0) * 2
        await self.store.mark_posted(key, ttl)
        return key
