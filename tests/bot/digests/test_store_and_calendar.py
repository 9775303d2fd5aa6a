"""The digest store (SQLite, the default), schedule validation and story URL folding."""

from __future__ import annotations

import asyncio

import pytest

from bot.chat.posts import message_id_of
from bot.config import InvalidConfig, config_from_dict
from bot.digests.model import DigestEntry
from bot.digests.store import SQLiteDigestStore
from bot.digests.stories import story_url


def entry(channel: str, at: float, url: str = "https://example.com/a") -> DigestEntry:
    return DigestEntry(channel, url, "Title", "Example", ("One bullet.",), "u", at, "p://1")


async def test_sqlite_store_keeps_channels_apart_windows_and_prunes(tmp_path):
    store = SQLiteDigestStore(tmp_path / "d.sqlite3")
    for at in (100.0, 200.0, 300.0):
        await store.add(entry("slack:T1:C1", at))
    await store.add(entry("slack:T2:C1", 250.0))  # same channel id, another workspace
    got = await store.entries("slack:T1:C1", 150.0, 300.0)
    assert [e.posted_at for e in got] == [200.0]
    assert got[0].bullets == ("One bullet.",)
    assert await store.prune(250.0) == 2
    assert [e.posted_at for e in await store.entries("slack:T1:C1", 0, 1e12)] == [300.0]
    assert not await store.was_posted("k")
    await store.mark_posted("k", 60)
    assert await store.was_posted("k")
    await store.close()
    reopened = SQLiteDigestStore(tmp_path / "d.sqlite3")
    assert await reopened.was_posted("k")  # marks survive a restart
    await reopened.close()


def test_bad_schedules_are_config_errors_naming_the_key():
    with pytest.raises(InvalidConfig) as info:
        config_from_dict({"digest": {"schedules": [
            {"channel": "slack:T1:C1", "cron": "0 9 * * 1-5", "timezone": "Europe/Berlin"},
            {"channel": "slack:T1:C2", "cron": "0 25 * * *"},
            {"channel": "slack:T1:C3", "cron": "0 9 * * *", "timezone": "Mars/Olympus"},
            {"channel": "slack:T1:C4", "cron": "0 9 * * *", "period": "fortnight"},
        ]}})  # fmt: skip
    problems = info.value.problems
    assert len(problems) == 3
    assert problems[0].startswith("digest.schedules[1].cron must be a five-field cron")
    assert problems[1].startswith("digest.schedules[2].timezone must be an IANA time zone")
    assert problems[2].startswith("digest.schedules[3].period")


@pytest.mark.parametrize(
    "variant",
    ["https://www.example.com/news/story-1/", "https://example.com/news/story-1/amp",
     "https://amp.example.com/news/story-1", "http://example.com/news/story-1?utm_source=x#top",
     "https://example.com/amp/news/story-1", "https://m.example.com/news/story-1?outputType=amp"],
)  # fmt: skip
def test_amp_mobile_and_tracked_addresses_fold_to_one_story_url(variant):
    assert story_url(variant) == story_url("https://example.com/news/story-1")


def test_story_urls_keep_different_articles_apart():
    assert story_url("https://example.com/news/1") != story_url("https://example.com/news/2")
    assert story_url("https://example.com/a?id=1") != story_url("https://example.com/a?id=2")


def test_vote_keys_come_from_the_posted_message():
    slack = "https://t.slack.com/archives/C1/p1700000000123456"
    assert message_id_of("slack", slack) == "1700000000.123456"
    assert message_id_of("discord", "https://discord.com/channels/1/2/3") == "3"


# --- recording and background pruning -----------------------------------------------------------


def summary_post(private: bool = False):
    from bot.chat import SummaryPost
    from bot.results import ResultBullet, SummaryResult

    result = SummaryResult((ResultBullet("A bullet."),), "fake", "Title", "https://e.com/a")
    return SummaryPost(result, "https://e.com/a", private)


@pytest.mark.parametrize(
    ("platform", "workspace", "channel", "private", "kept"),
    [("slack", "T1", "C1", False, True), ("slack", "T1", "D1", False, False),
     ("discord", "", "55", False, False), ("discord", "9", "55", True, False)],
)  # fmt: skip
async def test_only_public_channel_posts_are_recorded(platform, workspace, channel, private, kept):
    from bot.chat import ChatEvent, Trigger
    from bot.digests.recorder import DigestRecorder
    from bot.digests.store import MemoryDigestStore

    store = MemoryDigestStore()
    event = ChatEvent(platform, workspace, channel, "U1", "x", Trigger.MENTION)
    permalink = "https://t.slack.com/archives/C1/p1700000000000100"
    await DigestRecorder(store, clock=lambda: 50.0)(event, summary_post(private), permalink)
    got = await store.entries(event.channel_key, 0, 100)
    assert bool(got) is kept
    if kept:
        (one,) = got
        assert one.vote_key == "post:slack:T1:C1:1700000000.000100"
        assert (one.title, one.bullets, one.poster) == ("Title", ("A bullet.",), "slack:T1:U1")


async def test_a_quiet_feed_story_is_recorded_without_a_chat_post():
    """A feed followed quietly has no message in the channel: the story is in the digest,
    with no "first shared here" link and no votes."""
    import dataclasses

    from bot.chat import ChatEvent, Trigger
    from bot.digests.recorder import DigestRecorder
    from bot.digests.store import MemoryDigestStore

    store = MemoryDigestStore()
    event = ChatEvent("slack", "T1", "C1", "feed", "x", Trigger.AUTO, is_bot=True)
    quiet = dataclasses.replace(summary_post(False), quiet=True)
    recorder = DigestRecorder(store, clock=lambda: 50.0)
    await recorder(event, summary_post(False), "")  # an ordinary post with no permalink: skipped
    assert await store.entries(event.channel_key, 0, 100) == []
    await recorder(event, quiet, "")
    (one,) = await store.entries(event.channel_key, 0, 100)
    assert (one.title, one.permalink, one.vote_key) == ("Title", "", "")


async def test_old_posts_are_pruned_in_the_background():
    import dataclasses
    import time

    from bot.chat import ChatWorkflow
    from bot.config import Config, DigestConfig
    from bot.digests.setup import open_digests
    from bot.digests.store import MemoryDigestStore
    from bot.state import MemoryStateStore

    store = MemoryDigestStore()
    now = time.time()
    await store.add(entry("slack:T1:C1", now - 31 * 86_400))
    await store.add(entry("slack:T1:C1", now - 29 * 86_400))
    config = dataclasses.replace(Config(), digest=DigestConfig(retention_days=30))
    state = MemoryStateStore()
    chat = ChatWorkflow(None, None, state)  # type: ignore[arg-type] - only features are used
    async with open_digests(config, state, chat, store=store) as digests:
        assert chat.features == [digests.feature]
        for _ in range(100):
            if len(await store.entries("slack:T1:C1", 0, now)) == 1:
                break
            await asyncio.sleep(0.01)
        assert [e.posted_at for e in await store.entries("slack:T1:C1", 0, now)] == [
            now - 29 * 86_400
        ]


async def test_the_encoder_loads_when_the_bot_starts_not_at_its_first_post(monkeypatch):
    from bot.chat import ChatWorkflow
    from bot.config import Config
    from bot.digests import setup
    from bot.digests.store import MemoryDigestStore
    from bot.state import MemoryStateStore

    loads: list[object] = []
    monkeypatch.setattr(setup, "load_encoder", lambda config: loads.append(config) or "encoder")
    config = Config()
    state = MemoryStateStore()
    chat = ChatWorkflow(None, None, state)  # type: ignore[arg-type] - only features are used
    async with setup.open_digests(config, state, chat, store=MemoryDigestStore()) as digests:
        for _ in range(200):  # no post, no digest asked for: only the start
            if loads:
                break
            await asyncio.sleep(0.01)
        assert loads == [config.summarizer]
        assert await digests.feature.encoder() == "encoder"
        assert len(loads) == 1
