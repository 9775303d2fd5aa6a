"""Digests through the in-memory chat platform: the real workflow, core and digest feature.

Links are posted (and summarized by the deterministic `FakeSummarizer` from pages served on
127.0.0.1), then `/digest` is asked for or a schedule fires on a fake clock.
"""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from bot.adapters.memory import MemoryAdapter
from bot.chat import Accepted, Notice, RequestOptions, SummaryPost
from bot.chat.outcomes import DigestPost
from bot.config import (
    CacheConfig,
    Config,
    DigestConfig,
    DigestSchedule,
    FetchConfig,
    PolicyConfig,
)
from bot.digests.setup import open_digests
from bot.runtime import open_deps
from tests.fakes import FakeSummarizer
from tests.pages import PageServer, article_html

AUTO = "CAUTO"
HARBOR = """Harbor plant closes after forty years

The fish processing plant on the north quay will close in March, its owner Nordfisk said on Monday.
About 120 workers will lose their jobs when the plant shuts, the union said.
The town council plans to turn the site into a marina and housing.
Nordfisk blamed falling catches and the cost of energy for the decision to close the plant.
Workers were told of the closure at a meeting on the quay early on Monday morning.
The union has asked the council to help the workers find new jobs in the region.
Some of the workers have spent their whole careers at the plant, which opened in 1986.
The mayor said the town would fight to keep fishing jobs on the north quay.
A consultation on the plans for the marina will open in the spring, the council said.
"""
BRIDGE = """Council approves new bridge over the Vell

The regional council approved funding for a second bridge across the river Vell on Tuesday.
Construction by Baltec is due to start next spring and take three years.
Commuters have waited a decade for relief from the single crossing.
The new bridge will carry two lanes of traffic as well as a cycle path and a footpath.
Baltec won the contract after a tender that drew bids from four engineering firms.
The old bridge will close for repairs once the new one opens to traffic.
Local shops hope the second crossing will bring more visitors into the town centre.
Opponents had argued that the money would be better spent on buses and trains.
The council said the bridge would be paid for from the regional transport budget.
"""


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


BERLIN = ZoneInfo("Europe/Berlin")
MONDAY_8 = datetime(2026, 12, 7, 8, 0, tzinfo=BERLIN).timestamp()


@pytest.fixture
async def pages() -> AsyncIterator[PageServer]:
    srv = await PageServer().start()
    srv.add("/harbor", article_html(HARBOR))
    srv.add("/amp/harbor", article_html(HARBOR))
    srv.add("/bridge", article_html(BRIDGE))
    yield srv
    await srv.stop()


@pytest.fixture
async def chat(pages) -> AsyncIterator:
    """`await chat(clock, **digest)` → (platform, digests) on a fresh core and digest store."""
    async with AsyncExitStack() as stack:

        async def make(clock: Clock, **digest) -> tuple[MemoryAdapter, object]:
            config = Config(
                fetch=FetchConfig(allowed_networks=("127.0.0.1/32",), allowed_ports=(pages.port,)),
                cache=CacheConfig(backend="memory"),
                policy=PolicyConfig(channels={f"memory:W1:{AUTO}": "auto"}),
                digest=DigestConfig(enabled=False),
            )
            deps = await stack.enter_async_context(open_deps(config, FakeSummarizer()))
            wanted = dataclasses.replace(config, digest=DigestConfig(**digest))
            digests = await stack.enter_async_context(
                open_digests(wanted, deps.state, deps.chat, clock=clock)
            )
            platform = MemoryAdapter(deps.for_adapters)
            await platform.start()
            stack.push_async_callback(platform.close)
            return platform, digests

        yield make


def digest_of(delivered) -> tuple[DigestPost, object]:
    (ack, post) = delivered
    assert isinstance(ack.outcome, Accepted)
    assert isinstance(post.outcome, DigestPost), post.outcome
    return post.outcome, post


async def test_a_digest_merges_one_article_under_two_addresses_and_orders_by_shares(chat, pages):
    clock = Clock(MONDAY_8)
    platform, _ = await chat(clock)
    await platform.post(AUTO, f"{pages.base}/bridge")
    clock.now += 60
    first = await platform.post(AUTO, f"{pages.base}/harbor?utm_source=news")
    clock.now += 60
    await platform.post(AUTO, f"@newsbot {pages.base}/amp/harbor", user="U2")
    clock.now += 60
    outcome, shown = digest_of(await platform.command(AUTO, "today", command="digest"))
    assert shown.to_user is None and shown.message_id  # posted in the channel
    digest = outcome.digest
    assert [s.title for s in digest.stories] == [
        "Harbor plant closes after forty years",
        "Council approves new bridge over the Vell",
    ]
    harbor = digest.stories[0]
    assert harbor.shares == 2 and len(harbor.urls) == 2
    assert harbor.first_permalink == platform.permalink(AUTO, first[0].message_id)
    assert harbor.gist.startswith("The fish processing plant")
    assert digest.links == 3


async def test_votes_on_the_posts_order_stories_shared_equally(chat, pages):
    clock = Clock(MONDAY_8)
    platform, _ = await chat(clock)
    harbor = (await platform.post(AUTO, f"{pages.base}/harbor"))[0]
    clock.now += 60
    await platform.post(AUTO, f"{pages.base}/bridge")
    clock.now += 60
    outcome, _ = digest_of(await platform.command(AUTO, "1d", command="digest"))
    assert outcome.digest.stories[0].title.startswith("Council")  # newer first on a tie
    summary_id = harbor.outcome.result.summary_id
    await platform.vote(harbor.message_id, summary_id, "up", user="U7")
    outcome, _ = digest_of(await platform.command(AUTO, "1d", command="digest"))
    assert outcome.digest.stories[0].title.startswith("Harbor")
    assert outcome.digest.stories[0].ups == 1


async def test_private_summaries_and_other_channels_stay_out_of_a_digest(chat, pages):
    clock = Clock(MONDAY_8)
    platform, _ = await chat(clock)
    private = RequestOptions(private=True)
    got = await platform.command(AUTO, f"{pages.base}/harbor", options=private)
    assert isinstance(got[-1].outcome, SummaryPost) and got[-1].to_user == "U1"
    await platform.post("COTHER", f"@newsbot {pages.base}/bridge")
    outcome, _ = digest_of(await platform.command(AUTO, "week", command="digest"))
    assert outcome.digest.stories == () and outcome.digest.links == 0


async def test_private_digest_goes_to_the_requester_only(chat, pages):
    clock = Clock(MONDAY_8)
    platform, _ = await chat(clock)
    await platform.post(AUTO, f"{pages.base}/harbor")
    clock.now += 60
    outcome, shown = digest_of(await platform.command(AUTO, "week private", command="digest"))
    assert outcome.private and shown.to_user == "U1" and not shown.message_id
    assert len(outcome.digest.stories) == 1


@pytest.mark.parametrize(
    ("text", "says"),
    [("fortnight", "I don't know the period 'fortnight'"), ("40d", "at most 30d"),
     ("today week", "One period at most")],
)  # fmt: skip
async def test_bad_periods_get_a_private_note(chat, text, says):
    platform, _ = await chat(Clock(MONDAY_8))
    (note,) = await platform.command(AUTO, text, command="digest")
    assert isinstance(note.outcome, Notice) and says in note.outcome.text
    assert note.to_user == "U1"


async def test_old_posts_leave_the_digest_and_are_pruned_after_the_retention(chat, pages):
    clock = Clock(MONDAY_8)
    platform, digests = await chat(clock, retention_days=2)
    await platform.post(AUTO, f"{pages.base}/harbor")
    clock.now += 3 * 86_400
    outcome, _ = digest_of(await platform.command(AUTO, "2d", command="digest"))
    assert outcome.digest.stories == ()
    assert await digests.store.prune(clock.now - 2 * 86_400) == 1


# --- schedules ---------------------------------------------------------------------------------


def weekday_9am(**fields) -> DigestConfig:
    schedule = DigestSchedule(f"memory:W1:{AUTO}", "0 9 * * 1-5", "Europe/Berlin", "1d")
    return DigestConfig(schedules=(dataclasses.replace(schedule, **fields),))


async def test_a_schedule_posts_once_at_its_time_and_only_the_latest_missed_one(chat, pages):
    clock = Clock(MONDAY_8)
    platform, digests = await chat(clock, **vars(weekday_9am()))
    await platform.post(AUTO, f"{pages.base}/harbor")
    scheduler = digests.scheduler(platform.outbox_for)
    # Friday 9:00 was more than a day ago: stale, not posted
    assert await scheduler.tick() == []
    clock.now = MONDAY_8 + 3600  # Monday 9:00
    (key,) = await scheduler.tick()
    assert await scheduler.tick() == []  # once per period
    posts = [d for d in platform.transcript if isinstance(d.outcome, DigestPost)]
    assert len(posts) == 1 and posts[0].to_user is None
    assert [s.title for s in posts[0].outcome.digest.stories] == [
        "Harbor plant closes after forty years"
    ]
    # down from Monday 10:00 to Thursday 12:00: only Thursday 9:00 is posted, once, late
    await platform.post(AUTO, f"{pages.base}/bridge")
    clock.now = MONDAY_8 + 3 * 86_400 + 4 * 3600
    (late,) = await scheduler.tick()
    assert late != key and late.endswith(f":{MONDAY_8 + 3 * 86_400 + 3600:.0f}")
    assert await scheduler.tick() == []


async def test_a_channel_the_bot_left_pauses_its_schedule_until_its_next_fire(
    chat, pages, caplog
):
    clock = Clock(MONDAY_8)
    platform, digests = await chat(clock, **vars(weekday_9am()))
    await platform.post(AUTO, f"{pages.base}/harbor")
    platform.gone.add(AUTO)
    scheduler = digests.scheduler(platform.outbox_for)
    clock.now = MONDAY_8 + 3600
    assert await scheduler.tick() == []
    assert list(scheduler.paused) == [f"memory:W1:{AUTO}"]
    assert "its digest schedule is paused" in caplog.text
    clock.now += 3600
    assert await scheduler.tick() == []  # still this fire: not tried again
    platform.gone.discard(AUTO)  # the bot is invited back, and a story is shared
    await platform.post(AUTO, f"{pages.base}/bridge")
    clock.now = MONDAY_8 + 86_400 + 3600  # Tuesday 9:00
    (key,) = await scheduler.tick()
    assert key.endswith(f":{MONDAY_8 + 86_400 + 3600:.0f}")
    (post,) = [d for d in platform.transcript if isinstance(d.outcome, DigestPost)]
    assert len(post.outcome.digest.stories) == 1


async def test_the_scheduler_loop_posts_when_due_and_stops_on_request(chat, pages):
    import asyncio

    from bot.runtime import outbox_router

    clock = Clock(MONDAY_8)
    platform, digests = await chat(clock, **vars(weekday_9am()))
    await platform.post(AUTO, f"{pages.base}/harbor")
    clock.now = MONDAY_8 + 3600 + 5
    scheduler = digests.scheduler(outbox_router([object(), platform]))
    stop = asyncio.Event()
    task = asyncio.create_task(scheduler.run(stop))
    for _ in range(200):
        if any(isinstance(d.outcome, DigestPost) for d in platform.transcript):
            break
        await asyncio.sleep(0.01)
    stop.set()
    await asyncio.wait_for(task, 5)
    assert [d.channel for d in platform.transcript if isinstance(d.outcome, DigestPost)] == [AUTO]
