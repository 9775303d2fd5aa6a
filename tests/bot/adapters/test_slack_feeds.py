"""`/feed` end to end through the real Bolt app (HTTP mode) and the fake Slack Web API."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack

import aiohttp
import pytest

from bot.adapters.slack import SlackAdapter
from bot.config import CacheConfig, Config, FeedsConfig, FetchConfig, SlackConfig
from bot.runtime import open_deps, outbox_router
from tests.bot.adapters.test_slack import SECRET, Bot
from tests.fake_slack import BOT_USER, TEAM, FakeSlack, command_body, event_body
from tests.fakes import FakeSummarizer
from tests.feed_server import FeedServer

CHANNEL = "C0FEEDS"


@pytest.fixture
def tokens(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-test")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", SECRET)
    monkeypatch.delenv("SLACK_APP_TOKEN", raising=False)
    for name in ("SLACK_CLIENT_ID", "SLACK_CLIENT_SECRET"):  # would switch Bolt to OAuth
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
async def fake() -> AsyncIterator[FakeSlack]:
    srv = await FakeSlack().start()
    yield srv
    await srv.stop()


@pytest.fixture
async def feeds_server() -> AsyncIterator[FeedServer]:
    srv = await FeedServer().start()
    yield srv
    await srv.stop()


@pytest.fixture
async def bot(feeds_server: FeedServer, fake: FakeSlack, tokens: None) -> AsyncIterator[Bot]:
    config = Config(
        fetch=FetchConfig(allowed_networks=("127.0.0.1/32",), allowed_ports=(feeds_server.port,)),
        cache=CacheConfig(backend="memory"),
        slack=SlackConfig(
            enabled=True, mode="http", api_base_url=fake.api_url, http_host="127.0.0.1",
            http_port=0,
        ),
        feeds=FeedsConfig(initial_items=2),
    )  # fmt: skip
    async with AsyncExitStack() as stack:
        session = await stack.enter_async_context(aiohttp.ClientSession())
        deps = await stack.enter_async_context(open_deps(config, FakeSummarizer()))
        adapter = SlackAdapter(deps.for_adapters, shutdown_grace=0.5)
        await adapter.start()
        stack.push_async_callback(adapter.close)
        assert deps.feeds is not None
        deps.feeds.poller.attach(outbox_router([adapter]))
        yield Bot(adapter, session, fake, deps)


def feed_command(text: str, fake: FakeSlack, user: str = "U0USER") -> str:
    return command_body(
        text, channel=CHANNEL, user=user, command="/feed", response_url=fake.response_url()
    )


async def test_feed_add_then_new_stories_posted_at_the_top_of_the_channel(
    bot: Bot, fake: FakeSlack, feeds_server: FeedServer
) -> None:
    feed = feeds_server.add_feed("world", "World News", 5)
    url = feeds_server.feed_url("world")
    status, body, _ = await bot.send(feed_command(f"add <{url}>", fake), form=True)
    assert status == 200
    ack = json.loads(body)
    assert (ack["response_type"], ack["text"]) == ("ephemeral", "Checking that feed…")
    await bot.settle()
    (resp,) = fake.of("respond")
    assert resp.args["response_type"] == "ephemeral"
    assert "now follows World News" in json.dumps(resp.args)

    poller = bot.deps.feeds.poller  # type: ignore[union-attr]
    await poller.poll(url)
    posts = fake.of("chat.postMessage")
    assert [p.args["channel"] for p in posts] == [CHANNEL, CHANNEL]
    assert all(not p.args.get("thread_ts") for p in posts)
    texts = [json.dumps(p.args["blocks"]) for p in posts]
    assert "world-4" in texts[0] and "world-5" in texts[1]
    assert all("World News" in t for t in texts)

    feed.add(feeds_server.item("world", 6))
    await poller.poll(url)
    await poller.poll(url)
    assert len(fake.of("chat.postMessage")) == 3

    status, body, _ = await bot.send(feed_command("list", fake), form=True)
    assert "1. World News" in json.loads(body)["text"]


async def test_not_in_channel_pauses_the_channels_feeds(
    bot: Bot, fake: FakeSlack, feeds_server: FeedServer
) -> None:
    feeds_server.add_feed("world", "World News", 1)
    url = feeds_server.feed_url("world")
    await bot.send(feed_command(f"add <{url}>", fake), form=True)
    await bot.settle()
    fake.fail("chat.postMessage", 200, body={"ok": False, "error": "not_in_channel"})
    await bot.deps.feeds.poller.poll(url)  # type: ignore[union-attr]
    (sub,) = await bot.deps.feeds.store.subscriptions(f"slack:{TEAM}:{CHANNEL}")  # type: ignore[union-attr]
    assert sub.paused.startswith("not_in_channel")


async def test_a_post_slack_did_not_take_is_posted_at_the_next_poll(
    bot: Bot, fake: FakeSlack, feeds_server: FeedServer
) -> None:
    feed = feeds_server.add_feed("world", "World News", 1)
    url = feeds_server.feed_url("world")
    await bot.send(feed_command(f"add <{url}>", fake), form=True)
    await bot.settle()
    poller = bot.deps.feeds.poller  # type: ignore[union-attr]
    await poller.poll(url)
    feed.add(feeds_server.item("world", 2))
    fake.fail("chat.postMessage", 200, body={"ok": False, "error": "fatal_error"})
    await poller.poll(url)
    await poller.poll(url)
    texts = [json.dumps(p.args["blocks"]) for p in fake.of("chat.postMessage")]
    assert len(texts) == 3  # world-1, the refused try at world-2, world-2 again
    assert "world-1" in texts[0] and "world-2" in texts[1] and "world-2" in texts[2]
    (sub,) = await bot.deps.feeds.store.subscriptions(f"slack:{TEAM}:{CHANNEL}")  # type: ignore[union-attr]
    assert not sub.paused


async def test_only_listed_users_may_add_when_configured(
    fake: FakeSlack, feeds_server: FeedServer, tokens: None
) -> None:
    config = Config(
        cache=CacheConfig(backend="memory"),
        slack=SlackConfig(enabled=True, mode="http", api_base_url=fake.api_url,
                          http_host="127.0.0.1", http_port=0),
        feeds=FeedsConfig(slack_subscribers=("U0BOSS",)),
    )  # fmt: skip
    async with AsyncExitStack() as stack:
        session = await stack.enter_async_context(aiohttp.ClientSession())
        deps = await stack.enter_async_context(open_deps(config, FakeSummarizer()))
        adapter = SlackAdapter(deps.for_adapters, shutdown_grace=0.5)
        await adapter.start()
        stack.push_async_callback(adapter.close)
        bot = Bot(adapter, session, fake, deps)
        _, body, _ = await bot.send(feed_command("add https://e.example/f", fake), form=True)
        assert "Only the people" in json.loads(body)["text"]


async def test_removing_the_bot_from_a_channel_drops_that_channels_feeds(
    bot: Bot, feeds_server: FeedServer
) -> None:
    from bot.feeds.store import Subscription

    assert bot.deps.feeds is not None
    store = bot.deps.feeds.store
    await store.add(Subscription(f"slack:{TEAM}:{CHANNEL}", feeds_server.feed_url("a")))
    await store.add(Subscription(f"slack:{TEAM}:C0OTHER", feeds_server.feed_url("b")))
    someone = {"type": "member_left_channel", "user": "U0USER", "channel": CHANNEL, "team": TEAM,
               "channel_type": "C"}  # fmt: skip
    assert await bot.event(someone, "EvLeft1") == 200  # a person leaving changes nothing
    assert await bot.event({**someone, "user": BOT_USER}, "EvLeft2") == 200
    await bot.settle()
    assert [s.channel_key for s in await store.subscriptions()] == [f"slack:{TEAM}:C0OTHER"]
    uninstalled = event_body({"type": "app_uninstalled"}, "EvGone")
    status, _, _ = await bot.send(uninstalled)
    assert status == 200
    await bot.settle()
    assert await store.subscriptions() == []


@pytest.mark.parametrize("kind", ["channel_left", "group_left"])
async def test_slack_telling_the_bot_it_left_a_channel_drops_that_channels_feeds(
    bot: Bot, feeds_server: FeedServer, kind: str
) -> None:
    from bot.feeds.store import Subscription

    assert bot.deps.feeds is not None
    store = bot.deps.feeds.store
    await store.add(Subscription(f"slack:{TEAM}:{CHANNEL}", feeds_server.feed_url("a")))
    await store.add(Subscription(f"slack:{TEAM}:C0OTHER", feeds_server.feed_url("b")))
    left = {"type": kind, "channel": CHANNEL, "actor_id": "U0ADMIN", "event_ts": "1.000300"}
    assert await bot.event(left, "EvLeft3") == 200
    await bot.settle()
    assert [s.channel_key for s in await store.subscriptions()] == [f"slack:{TEAM}:C0OTHER"]


def test_the_manifest_has_what_feeds_need() -> None:
    yaml = pytest.importorskip("yaml")
    from pathlib import Path

    manifest = yaml.safe_load((Path(__file__).parents[3] / "deploy/slack-manifest.yml").read_text())
    (feed,) = [c for c in manifest["features"]["slash_commands"] if c["command"] == "/feed"]
    assert "add" in feed["usage_hint"] and "remove" in feed["usage_hint"]
    events = set(manifest["settings"]["event_subscriptions"]["bot_events"])
    assert {"member_left_channel", "channel_left", "group_left", "app_uninstalled"} <= events
    assert {"channels:read", "groups:read"} <= set(manifest["oauth_config"]["scopes"]["bot"])
    assert "For feeds:" in (Path(__file__).parents[3] / "deploy/slack-manifest.yml").read_text()
