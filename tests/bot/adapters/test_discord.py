"""The Discord adapter against a fake Discord (REST + gateway) on 127.0.0.1.

The same start-up code as `newsbot run` (`DiscordAdapter(deps).start()` / `runtime.run`)
logs in through `discord.api_base_url`, takes the gateway URL from the fake's /gateway/bot,
gets READY and then chat events; the fake records what the bot sends back.
"""

from __future__ import annotations

import asyncio

import pytest

from bot.adapters import discord as adapter_mod
from bot.adapters.discord import DiscordAdapter
from bot.adapters.discord_render import VOTE_DOWN_ID, VOTE_UP_ID
from bot.config import CacheConfig, Config, DiscordConfig, FetchConfig, PolicyConfig
from bot.runtime import open_deps, run
from tests import fake_discord as fd
from tests.fakes import FakeSummarizer
from tests.pages import SAMPLE_TEXT, PageServer, article_html

TITLE = SAMPLE_TEXT.strip().splitlines()[0]
CHANNEL = f"/channels/{fd.CHANNEL_ID}/messages"
FOLLOWUP = f"/webhooks/{fd.APP_ID}/interaction-token-{{}}"
CALLBACK = "/interactions/{0}/interaction-token-{0}/callback"


@pytest.fixture
async def pages():
    srv = await PageServer().start()
    srv.add("/story", article_html())
    srv.add("/gone", "gone", status=404, ctype="text/plain")
    yield srv
    await srv.stop()


@pytest.fixture
async def discord_api():
    fake = await fd.FakeDiscord().start()
    yield fake
    await fake.stop()


@pytest.fixture(autouse=True)
def token(monkeypatch):
    monkeypatch.setenv("DISCORD_TOKEN", "fake-token-for-tests")


def make_config(pages: PageServer, api: fd.FakeDiscord, **policy) -> Config:
    policy.setdefault("channels", {f"discord:{fd.GUILD_ID}:{fd.CHANNEL_ID}": "auto"})
    return Config(
        fetch=FetchConfig(allowed_networks=("127.0.0.1/32",), allowed_ports=(pages.port,)),
        cache=CacheConfig(backend="memory"),
        policy=PolicyConfig(**policy),
        discord=DiscordConfig(
            enabled=True, message_content_intent=True, api_base_url=api.api_base_url
        ),
    )


@pytest.fixture
async def bot(pages, discord_api):
    """A started adapter (READY received, guild created); closed after the test."""
    started = []

    async def start(**policy) -> DiscordAdapter:
        config = make_config(pages, discord_api, **policy)
        deps_cm = open_deps(config, FakeSummarizer())
        deps = await deps_cm.__aenter__()
        adapter = DiscordAdapter(deps)
        started.append((adapter, deps_cm))
        await adapter.start()
        await discord_api.dispatch("GUILD_CREATE", fd.guild_create())
        await discord_api.wait_until(lambda: adapter.client.get_guild(fd.GUILD_ID) is not None)
        return adapter

    yield start
    for adapter, deps_cm in started:
        await adapter.close()
        await deps_cm.__aexit__(None, None, None)


def embed_of(call: fd.Call) -> dict:
    (embed,) = call.body["embeds"]
    return embed


def assert_summary_embed(embed: dict, url: str) -> None:
    assert embed["title"] == TITLE
    assert embed["url"] == url
    assert "Residents of the fishing town" in embed["description"]
    assert embed["description"].startswith("• ")
    assert embed["footer"]["text"].startswith("Coastal Courier · ")
    assert " · fake · " in embed["footer"]["text"]


def vote_ids(call: fd.Call) -> list[str]:
    return [c["custom_id"] for row in call.body["components"] for c in row["components"]]


# --- end to end: the acceptance test --------------------------------------------------------


async def test_run_connects_to_fake_discord_and_answers_link_and_slash_command(pages, discord_api):
    """`runtime.run` (what `newsbot run` calls) against the fake: message reply + /summarize."""
    config = make_config(pages, discord_api)
    stop = asyncio.Event()
    runner = asyncio.create_task(run(config, stop, summarizer=FakeSummarizer()))
    try:
        await discord_api.wait_until(lambda: discord_api.identify is not None)
        assert discord_api.identify["token"] == "fake-token-for-tests"
        assert discord_api.identify["intents"] & (1 << 15)  # message content intent asked for
        assert discord_api.calls_to("GET", "/gateway/bot")  # gateway URL came from the API
        await discord_api.dispatch("GUILD_CREATE", fd.guild_create())

        url = f"{pages.base}/story"
        await discord_api.dispatch("MESSAGE_CREATE", fd.message_create(1001, f"Read {url} !"))
        reply = await discord_api.wait_for_call("POST", CHANNEL)
        assert reply.body["allowed_mentions"] == {"parse": [], "replied_user": False}
        assert int(reply.body["message_reference"]["message_id"]) == 1001
        assert_summary_embed(embed_of(reply), url)
        assert vote_ids(reply) == [VOTE_UP_ID, VOTE_DOWN_ID]

        iid = 2001
        await discord_api.dispatch(
            "INTERACTION_CREATE", fd.slash_command(iid, url_or_text=f"{url}?ref=x", bullets=2)
        )
        deferred = await discord_api.wait_for_call("POST", CALLBACK.format(iid))
        assert deferred.body == {"type": 5}  # public "thinking…"
        followup = await discord_api.wait_for_call("POST", FOLLOWUP.format(iid))
        assert followup.body["allowed_mentions"]["parse"] == []
        assert followup.body.get("flags", 0) & 64 == 0
        embed = embed_of(followup)
        assert_summary_embed(embed, f"{url}?ref=x")
        assert embed["description"].count("• ") == 2  # bullets option reached the core
        assert vote_ids(followup) == [VOTE_UP_ID, VOTE_DOWN_ID]
    finally:
        stop.set()
        assert await asyncio.wait_for(runner, 10) == 0
    assert adapter_mod.Route.BASE == "https://discord.com/api/v10"  # restored on shutdown
    assert str(adapter_mod.DiscordWebSocket.DEFAULT_GATEWAY) == "wss://gateway.discord.gg/"
