"""Two workers on one real Redis: each scheduled digest is posted once per period, and a
claimer that dies before posting is replaced once its lease expires."""

from __future__ import annotations

import asyncio
from datetime import datetime

import pytest

from bot.chat.outcomes import DigestPost, Outcome
from bot.config import DigestConfig, DigestSchedule
from bot.digests.calendar import calendar_of
from bot.digests.feature import DigestFeature
from bot.digests.model import DigestEntry
from bot.digests.schedule import DigestScheduler
from bot.digests.store_redis import RedisDigestStore
from bot.state import RedisStateStore
from tests.bot.digests.test_digest_chat import BERLIN, MONDAY_8, Clock

CHANNEL = "slack:T1:C1"
SCHEDULE = DigestSchedule(CHANNEL, "0 9 * * 1-5", "Europe/Berlin", "1d")


class Wall:
    """One Slack channel both workers post into."""

    def __init__(self) -> None:
        self.posts: list[DigestPost] = []

    async def send(self, outcome: Outcome) -> str | None:
        assert isinstance(outcome, DigestPost)
        self.posts.append(outcome)
        return "ts"


class Worker:
    def __init__(self, redis_url: str, clock: Clock, wall: Wall, *, lease: float = 300) -> None:
        self.state = RedisStateStore(redis_url)
        self.store = RedisDigestStore(redis_url)
        config = DigestConfig(schedules=(SCHEDULE,))
        feature = DigestFeature(self.store, self.state, config, lambda: None, clock=clock)
        calendars = [calendar_of(SCHEDULE, config.retention_days)]
        self.dead = False

        def outbox_for(channel: str) -> Wall:
            if self.dead:
                raise RuntimeError("worker died before posting")
            return wall

        self.scheduler = DigestScheduler(
            feature, self.state, calendars, outbox_for, clock=clock, lease_seconds=lease
        )

    async def close(self) -> None:
        await self.store.close()
        await self.state.close()


def entry(at: float, n: int) -> DigestEntry:
    bullet = f"Something number {n} happened in the harbor today."
    url = f"https://news.example/{n}"
    return DigestEntry(CHANNEL, url, f"Story {n}", "", (bullet,), "u", at, "")


@pytest.fixture
async def workers(redis_url):
    made: list[Worker] = []

    def make(clock: Clock, wall: Wall, **kw) -> Worker:
        made.append(Worker(redis_url, clock, wall, **kw))
        return made[-1]

    yield make
    for worker in made:
        await worker.close()


async def test_two_workers_post_one_digest_per_period(workers):
    clock, wall = Clock(MONDAY_8), Wall()
    a, b = workers(clock, wall), workers(clock, wall)
    await a.store.add(entry(MONDAY_8 - 3600, 1))
    for day in range(3):  # Monday, Tuesday, Wednesday at 9:00, then a minute later
        clock.now = MONDAY_8 + 3600 + day * 86_400
        for _ in range(2):
            results = await asyncio.gather(a.scheduler.tick(), b.scheduler.tick(),
                                           a.scheduler.tick(), b.scheduler.tick())  # fmt: skip
            assert sum(len(r) for r in results) <= 1
            clock.now += 60
        await b.store.add(entry(clock.now, 10 + day))
    days = [datetime.fromtimestamp(p.digest.until, BERLIN).day for p in wall.posts]
    assert days == [7, 8, 9]
    assert [[s.title for s in p.digest.stories] for p in wall.posts] == [
        ["Story 1"], ["Story 10"], ["Story 11"]
    ]


async def test_a_claimer_that_dies_before_posting_is_replaced_after_its_lease(workers):
    clock, wall = Clock(MONDAY_8 + 3600), Wall()
    a, b = workers(clock, wall, lease=0.5), workers(clock, wall, lease=0.5)
    await a.store.add(entry(MONDAY_8, 1))
    a.dead = True
    assert await a.scheduler.tick() == []  # claimed, then died
    assert await b.scheduler.tick() == [] and not wall.posts  # the lease still holds
    await asyncio.sleep(0.7)  # Redis expires the lease
    (key,) = await b.scheduler.tick()
    assert len(wall.posts) == 1
    a.dead = False
    await asyncio.sleep(0.7)
    assert await a.scheduler.tick() == [] and len(wall.posts) == 1  # marked posted


async def test_redis_store_windows_channels_and_prunes(workers):
    w = workers(Clock(0), Wall())
    store = w.store
    for at in (100.0, 200.0, 300.0):
        await store.add(entry(at, int(at)))
    await store.add(DigestEntry("slack:T2:C1", "u", "Other", "", (), "u", 150.0, "p"))
    assert [e.posted_at for e in await store.entries(CHANNEL, 150.0, 300.0)] == [200.0]
    assert [e.title for e in await store.entries(CHANNEL, 0, 1e9, limit=2)] == [
        "Story 200", "Story 300"
    ]
    assert await store.prune(250.0) == 3
    assert [e.posted_at for e in await store.entries(CHANNEL, 0, 1e9)] == [300.0]
