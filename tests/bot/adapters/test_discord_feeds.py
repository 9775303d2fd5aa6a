"""`/feed` end to end: `runtime.run` against the fake Discord gateway/REST and a feed server."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
from collections.abc import AsyncIterator

import pytest

from bot.config import (
    CacheConfig,
    Config,
    DiscordConfig,
    FeedsConfig,
    FetchConfig,
    OpsConfig,
    config_from_dict,
)
from bot.feeds.store import FeedStore, Subscription
from bot.runtime import run
from tests import fake_discord as fd
from tests.fakes import FakeSummarizer
from tests.feed_server import FeedServer

CHANNEL = f"/channels/{fd.CHANNEL_ID}/messages"
FOLLOWUP = f"/webhooks/{fd.APP_ID}/interaction-token-{{}}"
CALLBACK = "/interactions/{0}/interaction-token-{0}/callback"


@pytest.fixture
async def feeds_server() -> AsyncIterator[FeedServer]:
    srv = await FeedServer().start()
    yield srv
    await srv.stop()


@pytest.fixture
async def discord_api() -> AsyncIterator[fd.FakeDiscord]:
    fake = await fd.FakeDiscord().start()
    yield fake
    await fake.stop()


@pytest.fixture(autouse=True)
def token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DISCORD_TOKEN", "fake-token-for-tests")


def feed_interaction(iid: int, sub: str, **options: str) -> dict:
    opts = [{"name": k, "type": 3, "value": v} for k, v in options.items()]
    data = {
        "id": "960000000000000009", "name": "feed", "type": 1,
        "options": [{"name": sub, "type": 1, "options": opts}],
    }  # fmt: skip
    return fd._interaction(iid, 2, data)


def feed_posts(api: fd.FakeDiscord) -> list[str]:
    return [
        call.body["embeds"][0]["url"]
        for call in api.calls_to("POST", CHANNEL)
        if call.body.get("embeds")
    ]


async def test_feed_add_through_run_posts_latest_then_new_stories(
    feeds_server: FeedServer, discord_api: fd.FakeDiscord
) -> None:
    feed = feeds_server.add_feed("world", "World News", 4)
    config = Config(
        ops=OpsConfig(health_port=0),
        fetch=FetchConfig(allowed_networks=("127.0.0.1/32",), allowed_ports=(feeds_server.port,)),
        cache=CacheConfig(backend="memory"),
        discord=DiscordConfig(enabled=True, api_base_url=discord_api.api_base_url),
        feeds=FeedsConfig(poll_interval=0.3, poll_jitter=0.0, initial_items=2),
    )
    stop = asyncio.Event()
    runner = asyncio.create_task(run(config, stop, summarizer=FakeSummarizer()))
    try:
        await discord_api.wait_until(lambda: discord_api.identify is not None)
        await discord_api.dispatch("GUILD_CREATE", fd.guild_create())
        url = feeds_server.feed_url("world")
        await discord_api.dispatch("INTERACTION_CREATE", feed_interaction(3001, "add", url=url))
        deferred = await discord_api.wait_for_call("POST", CALLBACK.format(3001))
        assert deferred.body == {"type": 5, "data": {"flags": 64}}  # private "thinking…"
        reply = await discord_api.wait_for_call("POST", FOLLOWUP.format(3001))
        assert "now follows World News" in reply.body["content"]
        assert reply.body["flags"] & 64

        await discord_api.wait_until(lambda: len(feed_posts(discord_api)) == 2, within=60)
        assert feed_posts(discord_api) == [feeds_server.article(f"world-{i}") for i in (3, 4)]
        post = next(c for c in discord_api.calls_to("POST", CHANNEL) if c.body.get("embeds"))
        assert "message_reference" not in post.body  # a new message, not a reply
        assert post.body["embeds"][0]["footer"]["text"].startswith("World News")

        feed.add(feeds_server.item("world", 5))
        await discord_api.wait_until(lambda: len(feed_posts(discord_api)) == 3, within=30)
        await asyncio.sleep(1.0)  # a few more polls: nothing is posted twice
        assert feed_posts(discord_api) == [feeds_server.article(f"world-{i}") for i in (3, 4, 5)]
        assert feeds_server.not_modified["/feeds/world.xml"] >= 1
    finally:
        stop.set()
        assert await asyncio.wait_for(runner, 10) == 0


async def test_a_configured_feed_in_a_channel_that_forbids_posts_is_paused(
    feeds_server: FeedServer, discord_api: fd.FakeDiscord
) -> None:
    feed = feeds_server.add_feed("world", "World News", 1)
    discord_api.forbidden_channels.add(fd.CHANNEL_ID)
    channel_key = f"discord:{fd.GUILD_ID}:{fd.CHANNEL_ID}"
    config = config_from_dict(
        {
            "ops": {"health_port": 0},
            "fetch": {"allowed_networks": ["127.0.0.1/32"], "allowed_ports": [feeds_server.port]},
            "cache": {"backend": "memory"},
            "discord": {"enabled": True, "api_base_url": discord_api.api_base_url},
            "feeds": {
                "subscriptions": [{"channel": channel_key, "url": feeds_server.feed_url("world")}]
            },
        }
    )
    fast = dataclasses.replace(config.feeds, poll_interval=0.2, poll_jitter=0.0)
    config = dataclasses.replace(config, feeds=fast)
    stop = asyncio.Event()
    runner = asyncio.create_task(run(config, stop, summarizer=FakeSummarizer()))
    try:
        # the channel is refused (403, or 404 before the guild is known): feeds there pause
        await discord_api.wait_until(
            lambda: (
                discord_api.calls_to("POST", CHANNEL)
                or discord_api.calls_to("GET", f"/channels/{fd.CHANNEL_ID}")
            ),
            within=60,  # the first summary warms up the extraction workers
        )
        await asyncio.sleep(0.5)
        hits = feeds_server.hits["/feeds/world.xml"]
        feed.add(feeds_server.item("world", 2))
        await asyncio.sleep(1.0)  # five poll intervals
        assert feeds_server.hits["/feeds/world.xml"] == hits  # paused: no longer fetched
        assert not [c for c in discord_api.calls_to("POST", CHANNEL) if c.body.get("embeds")][1:]
    finally:
        stop.set()
        assert await asyncio.wait_for(runner, 10) == 0


@contextlib.asynccontextmanager
async def _guild_with_subscriptions(
    discord_api: fd.FakeDiscord, *channel_keys: str
) -> AsyncIterator[FeedStore]:
    """A started adapter in the fake guild, whose feed store follows one feed per key."""
    from bot.adapters.discord import DiscordAdapter
    from bot.runtime import open_deps

    config = Config(
        ops=OpsConfig(health_port=0),
        cache=CacheConfig(backend="memory"),
        discord=DiscordConfig(enabled=True, api_base_url=discord_api.api_base_url),
    )
    async with open_deps(config, FakeSummarizer()) as deps:
        assert deps.feeds is not None
        store = deps.feeds.store
        for n, key in enumerate(channel_keys):
            await store.add(Subscription(key, f"http://feeds.example/{n}.xml"))
        adapter = DiscordAdapter(deps.for_adapters)
        await adapter.start()
        try:
            await discord_api.dispatch("GUILD_CREATE", fd.guild_create())
            await discord_api.wait_until(lambda: adapter.client.get_channel(fd.CHANNEL_ID))
            yield store
        finally:
            await adapter.close()


async def _followed_channels(store: FeedStore, expected: int) -> list[str]:
    for _ in range(100):
        if len(await store.subscriptions()) == expected:
            break
        await asyncio.sleep(0.05)
    return [s.channel_key for s in await store.subscriptions()]


async def test_removed_from_a_server_drops_its_subscriptions(discord_api: fd.FakeDiscord) -> None:
    here, elsewhere = f"discord:{fd.GUILD_ID}:{fd.CHANNEL_ID}", f"discord:{fd.GUILD_ID}:42"
    async with _guild_with_subscriptions(discord_api, here, elsewhere, "discord:777:1") as store:
        await discord_api.dispatch("GUILD_DELETE", {"id": str(fd.GUILD_ID)})
        assert await _followed_channels(store, 1) == ["discord:777:1"]


async def test_a_deleted_channel_drops_its_subscriptions(discord_api: fd.FakeDiscord) -> None:
    here, elsewhere = f"discord:{fd.GUILD_ID}:{fd.CHANNEL_ID}", f"discord:{fd.GUILD_ID}:42"
    async with _guild_with_subscriptions(discord_api, here, elsewhere) as store:
        deleted = {"id": str(fd.CHANNEL_ID), "guild_id": str(fd.GUILD_ID), "type": 0,
                   "name": "news", "position": 0}  # fmt: skip
        await discord_api.dispatch("CHANNEL_DELETE", deleted)
        assert await _followed_channels(store, 1) == [elsewhere]
