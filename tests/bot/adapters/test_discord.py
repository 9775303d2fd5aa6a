"""The Discord adapter against a fake Discord (REST + gateway) on 127.0.0.1.

The same start-up code as `newsbot run` (`DiscordAdapter(...).start()` / `runtime.run`) logs
in through `discord.api_base_url`, takes the gateway URL from the fake's /gateway/bot,
gets READY and then chat events; the fake records what the bot sends back.
"""

from __future__ import annotations

import asyncio
import logging
import socket

import pytest

from bot.adapters import discord as adapter_mod
from bot.adapters.discord import DiscordAdapter, client_class, make_intents, sync_commands
from bot.adapters.discord_render import VOTE_DOWN_ID, VOTE_UP_ID
from bot.config import CacheConfig, Config, DiscordConfig, FetchConfig, OpsConfig, PolicyConfig
from bot.errors import ConfigError
from bot.netguard import PRIVATE_ADDRESS_REFUSAL
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


@pytest.fixture
def default_health_port_taken():
    """Something else listens on the product's default health port, as on a busy machine."""
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("0.0.0.0", OpsConfig().health_port))
            sock.listen()
        except OSError:
            pass  # already taken by someone else: the same situation
        yield


def make_config(pages: PageServer, api: fd.FakeDiscord, **policy) -> Config:
    policy.setdefault("channels", {f"discord:{fd.GUILD_ID}:{fd.CHANNEL_ID}": "auto"})
    return Config(
        ops=OpsConfig(health_port=0),  # no fixed port: the health server has tests of its own
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
        adapter = DiscordAdapter(deps.for_adapters)
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


async def test_run_connects_to_fake_discord_and_answers_link_and_slash_command(
    pages, discord_api, default_health_port_taken
):
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
    # restored on shutdown
    assert adapter_mod.discord.http.Route.BASE == "https://discord.com/api/v10"
    assert str(adapter_mod.DiscordWebSocket.DEFAULT_GATEWAY) == "wss://gateway.discord.gg/"


async def test_run_starts_a_page_worker_before_the_first_link(pages, discord_api):
    """The first link after a start must not wait ~1 s for the forkserver and a worker."""
    import multiprocessing

    def page_workers() -> list[str]:
        return [p.name for p in multiprocessing.active_children() if p.name == "newsbot-pages"]

    config = make_config(pages, discord_api)
    stop = asyncio.Event()
    runner = asyncio.create_task(run(config, stop, summarizer=FakeSummarizer()))
    try:
        await discord_api.wait_until(lambda: discord_api.identify is not None)
        for _ in range(300):
            if page_workers():
                break
            await asyncio.sleep(0.1)
        assert page_workers() == ["newsbot-pages"]
        assert pages.hits == {}  # no link was read: the worker came from the start itself
    finally:
        stop.set()
        assert await asyncio.wait_for(runner, 10) == 0
    assert page_workers() == []


# --- triggers -----------------------------------------------------------------------------------


async def test_context_menu_summarizes_the_target_message_publicly(bot, discord_api, pages):
    await bot()
    target = fd.message_payload(1002, f"worth a read: {pages.base}/story")
    await discord_api.dispatch("INTERACTION_CREATE", fd.context_menu(2002, target))
    deferred = await discord_api.wait_for_call("POST", CALLBACK.format(2002))
    assert deferred.body == {"type": 5}
    followup = await discord_api.wait_for_call("POST", FOLLOWUP.format(2002))
    assert_summary_embed(embed_of(followup), f"{pages.base}/story")


async def test_private_summarize_is_ephemeral_and_not_remembered_for_the_channel(
    bot, discord_api, pages
):
    await bot()
    url = f"{pages.base}/story"
    await discord_api.dispatch(
        "INTERACTION_CREATE", fd.slash_command(2003, url_or_text=url, private=True)
    )
    deferred = await discord_api.wait_for_call("POST", CALLBACK.format(2003))
    assert deferred.body == {"type": 5, "data": {"flags": 64}}
    followup = await discord_api.wait_for_call("POST", FOLLOWUP.format(2003))
    assert followup.body["flags"] & 64
    assert_summary_embed(embed_of(followup), url)
    # a private summary doesn't make the link "already summarized here" for everyone else
    await discord_api.dispatch("MESSAGE_CREATE", fd.message_create(1099, url))
    reply = await discord_api.wait_for_call("POST", CHANNEL)
    assert_summary_embed(embed_of(reply), url)


async def test_mention_with_link_in_a_mention_only_channel(bot, discord_api, pages):
    await bot(channels={})  # default policy: "mention"
    url = f"{pages.base}/story"
    await discord_api.dispatch("MESSAGE_CREATE", fd.message_create(1003, f"have a look {url}"))
    mention = fd.message_create(1004, f"<@{fd.BOT_ID}> {url}", mentions=[fd.BOT_USER])
    await discord_api.dispatch("MESSAGE_CREATE", mention)
    reply = await discord_api.wait_for_call("POST", CHANNEL)
    assert int(reply.body["message_reference"]["message_id"]) == 1004  # not the plain 1003
    assert_summary_embed(embed_of(reply), url)
    assert len(discord_api.calls_to("POST", CHANNEL)) == 1


async def test_opt_out_marker_and_bots_are_ignored(bot, discord_api, pages):
    await bot()
    url = f"{pages.base}/story"
    await discord_api.dispatch("MESSAGE_CREATE", fd.message_create(1005, f"{url} !nosummary"))
    other_bot = {**fd.HUMAN, "id": "940000000000000001", "bot": True}
    await discord_api.dispatch("MESSAGE_CREATE", fd.message_create(1006, url, author=other_bot))
    await discord_api.dispatch("MESSAGE_CREATE", fd.message_create(1007, url))
    reply = await discord_api.wait_for_call("POST", CHANNEL)
    assert int(reply.body["message_reference"]["message_id"]) == 1007
    await asyncio.sleep(0.2)
    assert len(discord_api.calls_to("POST", CHANNEL)) == 1


async def test_repeated_link_gets_a_jump_link_to_the_first_summary(bot, discord_api, pages):
    await bot()
    url = f"{pages.base}/story"
    await discord_api.dispatch("MESSAGE_CREATE", fd.message_create(1008, url))
    first = await discord_api.wait_for_call("POST", CHANNEL)
    await discord_api.dispatch("MESSAGE_CREATE", fd.message_create(1009, f"{url}?utm_source=x"))
    await discord_api.wait_until(lambda: len(discord_api.calls_to("POST", CHANNEL)) == 2)
    again = discord_api.calls_to("POST", CHANNEL)[1]
    assert again.body["content"].startswith(
        "Already summarized here: https://discord.com/channels/"
    )
    assert again.body["allowed_mentions"]["parse"] == []
    assert "embeds" not in again.body or not again.body["embeds"]
    assert first is not again


# --- votes --------------------------------------------------------------------------------------


async def test_vote_buttons_record_votes_even_on_messages_from_before_a_restart(
    bot, discord_api, pages
):
    await bot()
    url = f"{pages.base}/story"
    await discord_api.dispatch("MESSAGE_CREATE", fd.message_create(1010, url))
    reply = await discord_api.wait_for_call("POST", CHANNEL)
    # A message as Discord stores it; this process never registered a view for its id,
    # as after a restart: only the persistent view (add_view in setup_hook) can answer.
    stored = discord_api.sent_message(fd.CHANNEL_ID, reply.body)

    async def click(iid: int, custom_id: str) -> list[str]:
        await discord_api.dispatch("INTERACTION_CREATE", fd.button_click(iid, custom_id, stored))
        update = await discord_api.wait_for_call("POST", CALLBACK.format(iid))
        assert update.body["type"] == 7  # UPDATE_MESSAGE: buttons now show the counts
        components = update.body["data"]["components"]
        return [c.get("label") for row in components for c in row["components"]]

    assert await click(3001, VOTE_UP_ID) == ["1", "0"]
    assert await click(3002, VOTE_DOWN_ID) == ["0", "1"]  # the same user changed their mind


# --- bad input ----------------------------------------------------------------------------------


async def ephemeral_notice(discord_api: fd.FakeDiscord, iid: int) -> str:
    followup = await discord_api.wait_for_call("POST", FOLLOWUP.format(iid))
    assert followup.body["flags"] & 64, "problems are told only to the user who asked"
    assert followup.body["allowed_mentions"]["parse"] == []
    return followup.body["content"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("http://10.1.2.3:{port}/internal", "PRIVATE"),  # blocked address: refused, not fetched
        ("{base}/gone", "404"),
        ("asdf qwerty", "Give me a link"),
        ("word " * 21_000, "too long"),  # a 100 KB paste
    ],
)
async def test_bad_input_gets_a_clear_ephemeral_message(bot, discord_api, pages, text, expected):
    await bot()
    text = text.replace("{base}", pages.base).replace("{port}", str(pages.port))
    expected = PRIVATE_ADDRESS_REFUSAL if expected == "PRIVATE" else expected
    await discord_api.dispatch("INTERACTION_CREATE", fd.slash_command(2004, url_or_text=text))
    notice = await ephemeral_notice(discord_api, 2004)
    assert expected.lower() in notice.lower()
    # the public "thinking…" placeholder made way for the private note
    assert discord_api.calls_to(
        "DELETE", f"/webhooks/{fd.APP_ID}/interaction-token-2004/messages/@original"
    )


async def test_rate_limit_from_the_policy_is_told_to_the_user(bot, discord_api, pages):
    await bot(user_requests_per_minute=1)
    for iid in (2005, 2006):
        await discord_api.dispatch(
            "INTERACTION_CREATE", fd.slash_command(iid, url_or_text=f"{pages.base}/story?n={iid}")
        )
    await discord_api.wait_for_call("POST", FOLLOWUP.format(2005))
    assert "faster than I can read" in await ephemeral_notice(discord_api, 2006)


async def test_missing_post_permission_and_expired_interactions_are_logged_not_fatal(
    bot, discord_api, pages, caplog
):
    adapter = await bot()
    url = f"{pages.base}/story"
    discord_api.forbidden_channels.add(fd.CHANNEL_ID)
    discord_api.expired_interactions.add(2007)
    with caplog.at_level(logging.WARNING, logger="bot.adapters.discord"):
        await discord_api.dispatch("MESSAGE_CREATE", fd.message_create(1011, url))
        await discord_api.dispatch("INTERACTION_CREATE", fd.slash_command(2007, url_or_text=url))
        await discord_api.wait_for_call("POST", CHANNEL)
        await discord_api.wait_for_call("POST", CALLBACK.format(2007))
        await discord_api.wait_until(lambda: "no permission to post" in caplog.text)
        await discord_api.wait_until(lambda: "could not defer" in caplog.text)
    assert not discord_api.calls_to("POST", FOLLOWUP.format(2007))
    # still connected and answering
    discord_api.forbidden_channels.clear()
    await discord_api.dispatch("MESSAGE_CREATE", fd.message_create(1012, f"{url}?again=1"))
    await discord_api.wait_until(lambda: len(discord_api.calls_to("POST", CHANNEL)) == 2)
    assert not adapter.client.is_closed()


# --- operations ---------------------------------------------------------------------------------


async def test_close_cancels_summaries_in_flight(pages, discord_api):
    config = make_config(pages, discord_api)
    async with open_deps(config, FakeSummarizer(delay=1.5)) as deps:
        adapter = DiscordAdapter(deps.for_adapters, shutdown_grace=0.3)
        await adapter.start()
        await discord_api.dispatch("GUILD_CREATE", fd.guild_create())
        # an explicit request (a mention): its user is owed an answer even on shutdown
        mention = fd.message_create(
            1013, f"<@{fd.BOT_ID}> {pages.base}/story", mentions=[fd.BOT_USER]
        )
        await discord_api.dispatch("MESSAGE_CREATE", mention)
        await discord_api.wait_until(lambda: adapter._tasks)
        await adapter.close()
        assert not adapter._tasks
        assert adapter.client.is_closed()
    # no summary was posted, but the user was told it was cut off
    posts = discord_api.calls_to("POST", CHANNEL)
    assert len(posts) == 1 and "restarting" in posts[0].body["content"]
    assert "embeds" not in posts[0].body or not posts[0].body["embeds"]


async def test_auto_sharding_connects_through_the_same_fake(pages, discord_api):
    config = make_config(pages, discord_api)
    config = Config(
        **{
            **config.__dict__,
            "discord": DiscordConfig(
                enabled=True, shard_count="auto", api_base_url=discord_api.api_base_url
            ),
        }
    )
    async with open_deps(config, FakeSummarizer()) as deps:
        adapter = DiscordAdapter(deps.for_adapters)
        assert isinstance(adapter.client, adapter_mod.discord.AutoShardedClient)
        await adapter.start()
        try:
            assert adapter.client.is_ready()
            assert discord_api.identify["shard"] == [0, 1]
        finally:
            await adapter.close()


def test_shard_count_picks_the_client_class():
    assert client_class(DiscordConfig()) == (adapter_mod.NewsbotClient, {})
    assert client_class(DiscordConfig(shard_count="auto")) == (
        adapter_mod.NewsbotShardedClient,
        {},
    )
    assert client_class(DiscordConfig(shard_count="4")) == (
        adapter_mod.NewsbotShardedClient,
        {"shard_count": 4},
    )
    for bad in ("0", "-2", "many"):
        with pytest.raises(ConfigError, match="discord.shard_count"):
            client_class(DiscordConfig(shard_count=bad))


def test_message_content_intent_is_a_config_switch():
    assert not make_intents(DiscordConfig()).message_content
    assert make_intents(DiscordConfig(message_content_intent=True)).message_content
    assert make_intents(DiscordConfig()).guild_messages  # mentions still arrive without it


async def test_missing_token_is_a_config_error_naming_it(monkeypatch, pages, discord_api):
    monkeypatch.delenv("DISCORD_TOKEN")
    async with open_deps(make_config(pages, discord_api), FakeSummarizer()) as deps:
        with pytest.raises(ConfigError, match="DISCORD_TOKEN"):
            DiscordAdapter(deps.for_adapters)


async def test_message_content_intent_not_granted_is_a_config_error(pages, discord_api):
    discord_api.deny_message_content = True
    async with open_deps(make_config(pages, discord_api), FakeSummarizer()) as deps:
        adapter = DiscordAdapter(deps.for_adapters)
        with pytest.raises(ConfigError, match="Message Content intent"):
            await adapter.start()
        assert adapter.client.is_closed()


async def test_rejected_token_is_a_config_error_and_start_cleans_up(pages, discord_api):
    discord_api.accepted_token = "the-real-token"
    async with open_deps(make_config(pages, discord_api), FakeSummarizer()) as deps:
        adapter = DiscordAdapter(deps.for_adapters)
        with pytest.raises(ConfigError, match="DISCORD_TOKEN"):
            await adapter.start()
        assert adapter.client.is_closed()
    assert adapter_mod.discord.http.Route.BASE == "https://discord.com/api/v10"


async def test_sync_commands_registers_slash_and_context_menu(discord_api, pages, capsys):
    config = make_config(pages, discord_api)
    assert await sync_commands(config) == 0
    (put,) = discord_api.calls_to("PUT", f"/applications/{fd.APP_ID}/commands")
    commands = {(c["name"], c["type"]): c for c in put.body}
    assert sorted(commands) == [
        ("Summarize", 3), ("ask", 1), ("digest", 1), ("feed", 1), ("summarize", 1)
    ]  # fmt: skip
    ask = {o["name"]: o for o in commands[("ask", 1)]["options"]}
    assert ask["question"]["required"] and ask["question"]["max_length"] == 4000
    digest = {o["name"]: o for o in commands[("digest", 1)]["options"]}
    assert not digest["period"]["required"] and digest["private"]["type"] == 5
    feed = commands[("feed", 1)]
    assert [o["name"] for o in feed["options"]] == ["add", "list", "remove"]
    assert int(feed["default_member_permissions"]) == 16  # Manage Channels
    options = {o["name"]: o for o in commands[("summarize", 1)]["options"]}
    assert options["url_or_text"]["required"] and not options["private"]["required"]
    assert (options["bullets"]["min_value"], options["bullets"]["max_value"]) == (1, 10)

    assert await sync_commands(config, guild_id=fd.GUILD_ID) == 0
    assert discord_api.calls_to("PUT", f"/applications/{fd.APP_ID}/guilds/{fd.GUILD_ID}/commands")
    assert f"synced {len(commands)} commands" in capsys.readouterr().out
    assert not discord_api.identify  # a sync never opens the gateway


async def test_run_exits_non_zero_when_the_gateway_ends_for_good(
    pages, discord_api, default_health_port_taken
):
    """A fatal gateway close (4004: token revoked) must end `newsbot run`, not leave it idle."""
    config = make_config(pages, discord_api)
    runner = asyncio.create_task(run(config, asyncio.Event(), summarizer=FakeSummarizer()))
    try:
        await discord_api.wait_until(lambda: discord_api.identify is not None)
        await asyncio.sleep(3.0)  # start() returns ~2 s after READY (discord.py's guild wait)
        assert not runner.done()
        for ws in list(discord_api._sockets):
            await ws.close(code=4004, message=b"Authentication failed.")
        assert await asyncio.wait_for(runner, 30) == 1
    finally:
        runner.cancel()
        await asyncio.gather(runner, return_exceptions=True)
