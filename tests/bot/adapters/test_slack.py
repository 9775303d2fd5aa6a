"""The real AsyncApp in HTTP mode against a fake Slack Web API and invented article pages."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from dataclasses import dataclass

import aiohttp
import pytest
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

from bot.adapters.slack import Options, SlackAdapter, parse_command, plain_text
from bot.config import CacheConfig, Config, FetchConfig, PolicyConfig, SlackConfig
from bot.errors import ConfigError, UsageError
from bot.runtime import Deps, open_deps
from summarizer import SummarizerConfig
from tests.fake_slack import (
    BOT_USER,
    TEAM,
    FakeSlack,
    command_body,
    event_body,
    interactive_body,
    sign,
)
from tests.fakes import FakeSummarizer
from tests.pages import SAMPLE_TEXT, PageServer, article_html

SECRET = "test-signing-secret"
AUTO = "C0AUTO"
MENTION = "C0NEWS"
OFF = "C0QUIET"
INJECTION_TITLE = (
    "Mayor <!channel> resigns <@U0BOSS> &amp; <!subteam^S0ALL|@all> <https://x.test|y>"
)


@pytest.fixture
async def pages() -> AsyncIterator[PageServer]:
    srv = await PageServer().start()
    srv.add("/story", article_html())
    srv.add("/other", article_html(title="Second story about the harbor plant"))
    evil = SAMPLE_TEXT.replace("Residents", "Residents <!here> and <@U0BOSS>", 1)
    srv.add("/evil", article_html(evil, title=INJECTION_TITLE))
    srv.add("/gone", "gone", status=404, ctype="text/plain")
    yield srv
    await srv.stop()


@pytest.fixture
async def fake() -> AsyncIterator[FakeSlack]:
    srv = await FakeSlack().start()
    yield srv
    await srv.stop()


@pytest.fixture
def tokens(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-test")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", SECRET)
    monkeypatch.delenv("SLACK_APP_TOKEN", raising=False)
    for name in ("SLACK_CLIENT_ID", "SLACK_CLIENT_SECRET"):  # would switch Bolt to OAuth
        monkeypatch.delenv(name, raising=False)


@dataclass
class Bot:
    adapter: SlackAdapter
    session: aiohttp.ClientSession
    fake: FakeSlack
    deps: Deps

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.adapter.http.port}/slack/events"

    async def send(
        self, body: str, *, form: bool = False, headers: dict | None = None, signed: bool = True
    ) -> tuple[int, str, float]:
        ctype = "application/x-www-form-urlencoded" if form else "application/json"
        all_headers = {"Content-Type": ctype, **(sign(SECRET, body) if signed else {})}
        all_headers.update(headers or {})
        started = time.perf_counter()
        async with self.session.post(self.url, data=body.encode(), headers=all_headers) as resp:
            text = await resp.text()
        return resp.status, text, time.perf_counter() - started

    async def event(self, event: dict, event_id: str = "Ev001", **kw) -> int:
        status, _, _ = await self.send(event_body(event, event_id), **kw)
        return status

    async def settle(self) -> None:
        await self.adapter.drain()


@pytest.fixture
async def make_bot(pages, fake, tokens) -> AsyncIterator:
    async with AsyncExitStack() as stack:
        session = await stack.enter_async_context(aiohttp.ClientSession())

        async def make(summarizer=None, **policy) -> Bot:
            channels = {f"slack:{TEAM}:{AUTO}": "auto", f"slack:{TEAM}:{OFF}": "off"}
            config = Config(
                fetch=FetchConfig(allowed_networks=("127.0.0.1/32",), allowed_ports=(pages.port,)),
                cache=CacheConfig(backend="memory"),
                policy=PolicyConfig(channels=channels, **policy),
                slack=SlackConfig(
                    enabled=True, mode="http", api_base_url=fake.api_url,
                    http_host="127.0.0.1", http_port=0,
                ),
            )  # fmt: skip
            deps = await stack.enter_async_context(
                open_deps(config, summarizer or FakeSummarizer())
            )
            adapter = SlackAdapter(deps.for_adapters, shutdown_grace=0.5)
            await adapter.start()
            stack.push_async_callback(adapter.close)
            return Bot(adapter, session, fake, deps)

        yield make


def msg(channel: str, text: str, ts: str = "1700000001.000100", **extra) -> dict:
    return {"type": "message", "channel": channel, "user": "U0USER", "text": text, "ts": ts,
            "channel_type": "channel", **extra}  # fmt: skip


def blocks_text(call) -> str:
    return json.dumps(call.args.get("blocks"), ensure_ascii=False)


# --- triggers ----------------------------------------------------------------------------------


async def test_link_in_auto_channel_gets_one_threaded_summary_with_blocks(make_bot, pages, fake):
    from bot.observability import METRICS

    def counted() -> float:
        labels = {"platform": "slack", "trigger": "auto", "outcome": "ok"}
        return METRICS.registry.get_sample_value("newsbot_requests_total", labels) or 0.0

    before = counted()
    bot = await make_bot()
    url = f"{pages.base}/story"
    assert await bot.event(msg(AUTO, f"worth a read <{url}>")) == 200
    await bot.settle()
    assert counted() == before + 1  # /metrics counts requests by platform, trigger, outcome
    (post,) = fake.of("chat.postMessage")
    args = post.args
    assert args["channel"] == AUTO and args["thread_ts"] == "1700000001.000100"
    assert args["unfurl_links"] is False
    blocks = args["blocks"]
    assert blocks[0]["type"] == "section"
    assert blocks[0]["text"]["text"] == (
        f"*<{url}|Harbor town votes to build Europe's first tidal-powered desalination plant>*"
    )
    assert blocks[1]["text"]["text"].startswith("• PORTHALLOW, Cornwall (Newsbot Wire) - Resid")
    context = blocks[-2]["elements"][0]["text"]
    assert context.startswith("Coastal Courier · ") and "min read" in context
    assert " · fake" in context and "cached" not in context
    actions = blocks[-1]
    assert [e["action_id"] for e in actions["elements"]] == ["newsbot_vote_up", "newsbot_vote_down"]
    assert actions["elements"][0]["value"]
    assert args["text"].startswith("Summary: Harbor town votes")
    (permalink,) = fake.of("chat.getPermalink")
    assert permalink.args["channel"] == AUTO and permalink.args["message_ts"]


async def test_repeat_link_in_same_channel_links_the_earlier_summary(make_bot, pages, fake):
    bot = await make_bot()
    await bot.event(msg(AUTO, f"<{pages.base}/story>"), "Ev1")
    await bot.settle()
    await bot.event(msg(AUTO, f"again <{pages.base}/story?utm_source=x>", ts="1700000009.1"), "Ev2")
    await bot.settle()
    first, second = fake.of("chat.postMessage")
    assert "Already summarized here" in second.args["text"]
    assert "https://test.slack.com/archives/C0AUTO/p" in blocks_text(second)
    assert second.args["thread_ts"] == "1700000009.1"


async def test_reply_in_a_thread_goes_to_the_parent_thread(make_bot, pages, fake):
    bot = await make_bot()
    event = msg(AUTO, f"<{pages.base}/story>", ts="1700000005.2", thread_ts="1700000001.1")
    await bot.event(event)
    await bot.settle()
    (post,) = fake.of("chat.postMessage")
    assert post.args["thread_ts"] == "1700000001.1"


async def test_mention_channel_ignores_plain_links_but_answers_mentions(make_bot, pages, fake):
    bot = await make_bot()
    await bot.event(msg(MENTION, f"<{pages.base}/story>"), "Ev1")
    # Slack sends both a message and an app_mention event for a mention; only one answer
    text = f"<@{BOT_USER}> summarize <{pages.base}/story>"
    await bot.event(msg(AUTO, text, ts="1700000002.1"), "Ev2")
    await bot.event({**msg(AUTO, text, ts="1700000002.1"), "type": "app_mention"}, "Ev3")
    await bot.settle()
    (post,) = fake.of("chat.postMessage")
    assert post.args["channel"] == AUTO and post.args["thread_ts"] == "1700000002.1"


async def test_mention_without_link_or_text_gets_a_helpful_ephemeral(make_bot, fake):
    bot = await make_bot()
    await bot.event({**msg(MENTION, f"<@{BOT_USER}> hi"), "type": "app_mention"})
    await bot.settle()
    assert not fake.of("chat.postMessage")
    (eph,) = fake.of("chat.postEphemeral")
    assert eph.args["user"] == "U0USER" and "link to a news article" in eph.args["text"]


async def test_retry_with_same_event_id_posts_nothing_twice(make_bot, pages, fake):
    bot = await make_bot(summarizer=FakeSummarizer(delay=0.3))
    event = msg(AUTO, f"<{pages.base}/story>")
    assert await bot.event(event, "EvSame") == 200
    retry = {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}
    assert await bot.event(event, "EvSame", headers=retry) == 200
    await bot.settle()
    assert await bot.event(event, "EvSame", headers={"X-Slack-Retry-Num": "2"}) == 200
    await bot.settle()
    assert len(fake.of("chat.postMessage")) == 1


@pytest.mark.parametrize(
    "event",
    [
        msg(AUTO, "!nosummary <http://127.0.0.1/story>"),  # opt-out marker
        msg(AUTO, "<http://127.0.0.1/story>", bot_id="B0OTHER", subtype="bot_message"),
        msg(AUTO, "<http://127.0.0.1/story>", subtype="message_changed"),
        msg(MENTION, "<http://127.0.0.1/story>"),  # channel policy is mention
    ],
    ids=["opt-out", "bot", "edit", "mention-only"],
)
async def test_no_summary_when_policy_says_no(make_bot, pages, fake, event):
    bot = await make_bot()
    event["text"] = event["text"].replace("http://127.0.0.1", pages.base)
    assert await bot.event(event) == 200
    await bot.settle()
    assert not fake.of("chat.postMessage") and not fake.of("chat.postEphemeral")


async def test_mention_where_policy_is_off_explains_privately(make_bot, pages, fake):
    bot = await make_bot()
    await bot.event({**msg(OFF, f"<@{BOT_USER}> <{pages.base}/story>"), "type": "app_mention"})
    await bot.settle()
    assert not fake.of("chat.postMessage")
    (eph,) = fake.of("chat.postEphemeral")
    assert eph.args["text"] == "Nothing to summarize: summaries are off in this channel."


async def test_own_messages_are_ignored(make_bot, pages, fake):
    bot = await make_bot()
    await bot.event(msg(AUTO, f"<{pages.base}/story>", user=BOT_USER, bot_id="BNEWSBOT"))
    await bot.settle()
    assert not fake.of("chat.postMessage")


async def test_rate_limited_user_gets_polite_ephemeral(make_bot, pages, fake):
    bot = await make_bot(user_requests_per_minute=1)
    for i, path in enumerate(("story", "other")):
        event = {**msg(MENTION, f"<@{BOT_USER}> <{pages.base}/{path}>", ts=f"17.{i}")}
        await bot.event({**event, "type": "app_mention"}, f"Ev{i}")
        await bot.settle()
    assert len(fake.of("chat.postMessage")) == 1
    (eph,) = fake.of("chat.postEphemeral")
    assert "faster than I can read" in eph.args["text"] and eph.args["user"] == "U0USER"


async def test_failed_fetch_is_reported_honestly_in_thread(make_bot, pages, fake):
    bot = await make_bot()
    await bot.event(msg(AUTO, f"<{pages.base}/gone>"))
    await bot.settle()
    (post,) = fake.of("chat.postMessage")
    assert post.args["thread_ts"] == "1700000001.000100"
    assert post.args["text"] and "Traceback" not in post.args["text"]
    assert post.args["blocks"][0]["text"]["text"].startswith(":warning: ")


async def test_mention_injection_from_article_is_neutralised(make_bot, pages, fake):
    bot = await make_bot()
    await bot.event(msg(AUTO, f"<{pages.base}/evil>"))
    await bot.settle()
    (post,) = fake.of("chat.postMessage")
    rendered = blocks_text(post) + post.args["text"]
    assert "<!" not in rendered and "<@" not in rendered and "<https://x.test" not in rendered
    assert "&lt;!channel&gt;" in rendered and "&lt;!here&gt;" in rendered
    assert "&lt;@U0BOSS&gt;" in rendered


# --- slash command -----------------------------------------------------------------------------


async def test_command_acks_before_slow_summary_then_posts(make_bot, pages, fake):
    bot = await make_bot(summarizer=FakeSummarizer(delay=2.0))
    body = command_body(f"<{pages.base}/story> bullets=2", response_url=fake.response_url())
    started = time.monotonic()
    status, text, elapsed = await bot.send(body, form=True)
    assert status == 200 and elapsed < 1.0
    assert "Summarizing" in json.loads(text)["text"]
    assert not fake.of("chat.postMessage")
    (post,) = await fake.wait_for("chat.postMessage", within=10)
    assert post.at - started >= 1.9  # the summary came after the ack, not before it
    assert post.args["channel"] == MENTION and post.args.get("thread_ts") is None
    assert post.args["blocks"][1]["text"]["text"].count("•") == 2


async def test_command_with_pasted_text_private(make_bot, fake):
    bot = await make_bot()
    pasted = SAMPLE_TEXT.replace("&", "&amp;")  # Slack escapes & < > in command text
    body = command_body(f"private lang=en {pasted}", response_url=fake.response_url())
    status, _, _ = await bot.send(body, form=True)
    assert status == 200
    await bot.settle()
    assert not fake.of("chat.postMessage")
    (resp,) = fake.of("respond")
    assert resp.args["response_type"] == "ephemeral"
    assert "Harbor town votes" in blocks_text(resp)


async def test_command_text_mentioning_payload_is_still_answered(make_bot, fake):
    # slack_bolt on its own reads any form containing "payload" as an interactivity payload
    bot = await make_bot()
    pasted = SAMPLE_TEXT.replace("&", "&amp;") + " The payload of the rocket was a weather probe."
    body = command_body(f"private {pasted}", response_url=fake.response_url())
    status, _, _ = await bot.send(body, form=True)
    assert status == 200
    await bot.settle()
    (resp,) = fake.of("respond")
    assert "Harbor town votes" in blocks_text(resp)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "Usage: `/summarize"),
        ("bullets=99 <https://example.com/a>", "`bullets` must be a number from 1 to 10"),
        ("just some junk", "link to a news article"),
        ("x" * 200_000, "too long"),
    ],
    ids=["empty", "bad-option", "junk", "200KB"],
)
async def test_command_bad_input_gets_helpful_ephemeral_ack(make_bot, fake, text, expected):
    bot = await make_bot()
    status, body, _ = await bot.send(command_body(text), form=True)
    assert status == 200
    reply = json.loads(body)
    assert reply["response_type"] == "ephemeral" and expected in reply["text"]
    await bot.settle()
    assert not fake.of("chat.postMessage")


async def test_command_with_blocked_url_tells_only_the_requester(make_bot, fake):
    bot = await make_bot()
    body = command_body("<http://10.0.0.1/admin>", response_url=fake.response_url())
    status, _, _ = await bot.send(body, form=True)
    assert status == 200
    await bot.settle()
    assert not fake.of("chat.postMessage")
    (resp,) = fake.of("respond")
    assert resp.args["response_type"] == "ephemeral" and ":warning:" not in resp.args["text"]


async def test_command_rate_limit_is_an_ephemeral_ack(make_bot, pages, fake):
    bot = await make_bot(user_requests_per_minute=1)
    await bot.send(command_body(f"<{pages.base}/story>"), form=True)
    _, body, _ = await bot.send(command_body(f"<{pages.base}/other>"), form=True)
    assert "faster than I can read" in json.loads(body)["text"]


# --- shortcut, reaction, votes -----------------------------------------------------------------


async def test_message_shortcut_summarizes_into_the_thread(make_bot, pages, fake):
    bot = await make_bot()
    payload = {
        "type": "message_action", "callback_id": "summarize_message", "trigger_id": "1",
        "team": {"id": TEAM}, "user": {"id": "U0USER"}, "channel": {"id": MENTION},
        "message": {"type": "message", "text": f"<{pages.base}/story>", "ts": "1700000003.3"},
        "response_url": fake.response_url(),
    }  # fmt: skip
    status, _, elapsed = await bot.send(interactive_body(payload), form=True)
    assert status == 200 and elapsed < 1.0
    await bot.settle()
    (post,) = fake.of("chat.postMessage")
    assert post.args["channel"] == MENTION and post.args["thread_ts"] == "1700000003.3"


async def test_reaction_on_a_message_with_link_summarizes_it(make_bot, pages, fake):
    bot = await make_bot()
    fake.messages[(MENTION, "1700000004.4")] = {
        "ts": "1700000004.4", "user": "U0OTHER", "text": f"<{pages.base}/story>"
    }  # fmt: skip
    event = {"type": "reaction_added", "user": "U0USER", "reaction": "newspaper",
             "item": {"type": "message", "channel": MENTION, "ts": "1700000004.4"}}  # fmt: skip
    await bot.event(event, "Ev1")
    await bot.event({**event, "reaction": "thumbsup"}, "Ev2")
    await bot.settle()
    (post,) = fake.of("chat.postMessage")
    assert post.args["thread_ts"] == "1700000004.4"
    assert fake.of("conversations.history")[0].args["channel"] == MENTION


async def test_vote_buttons_store_votes(make_bot, pages, fake):
    bot = await make_bot()
    await bot.event(msg(AUTO, f"<{pages.base}/story>"))
    await bot.settle()
    button = fake.of("chat.postMessage")[0].args["blocks"][-1]["elements"][1]
    posted_ts = fake.of("chat.getPermalink")[0].args["message_ts"]
    payload = {
        "type": "block_actions", "team": {"id": TEAM}, "user": {"id": "U0VOTER"},
        "channel": {"id": AUTO}, "trigger_id": "1", "response_url": fake.response_url(),
        "container": {"type": "message", "message_ts": posted_ts, "channel_id": AUTO},
        "actions": [{"action_id": button["action_id"], "value": button["value"],
                     "block_id": "b", "type": "button", "action_ts": "1"}],
    }  # fmt: skip
    status, _, _ = await bot.send(interactive_body(payload), form=True)
    assert status == 200
    await bot.settle()
    # counted for this post of the summary (votes are per post, not per summary id)
    assert await bot.deps.state.votes(f"post:slack:{TEAM}:{AUTO}:{posted_ts}") == (0, 1)
    assert await bot.deps.state.votes(button["value"]) == (0, 0)
    assert fake.of("respond")[0].args["response_type"] == "ephemeral"


# --- delivery ----------------------------------------------------------------------------------


async def test_429_with_retry_after_is_retried_and_delivered(make_bot, pages, fake):
    bot = await make_bot()
    fake.fail("chat.postMessage", 429, headers={"Retry-After": "1"},
              body={"ok": False, "error": "ratelimited"})  # fmt: skip
    await bot.event(msg(AUTO, f"<{pages.base}/story>"))
    await bot.settle()
    first, second = fake.of("chat.postMessage")
    assert second.at - first.at >= 1.0
    assert fake.of("chat.getPermalink")  # the retried post succeeded


async def test_server_error_is_logged_not_retried_into_a_duplicate(make_bot, pages, fake, caplog):
    bot = await make_bot()
    fake.fail("chat.postMessage", 500)
    await bot.event(msg(AUTO, f"<{pages.base}/story>"))
    await bot.settle()
    assert len(fake.of("chat.postMessage")) == 1
    assert "chat.postMessage to C0AUTO failed" in caplog.text


async def test_close_cancels_work_that_outlives_the_grace_period(make_bot, pages, fake):
    bot = await make_bot(summarizer=FakeSummarizer(delay=1.5))
    await bot.event(msg(AUTO, f"<{pages.base}/story>"))
    assert bot.adapter._tasks
    started = time.monotonic()
    await bot.adapter.close()  # grace is 0.5 s in these tests
    assert time.monotonic() - started < 1.4
    assert not bot.adapter._tasks
    # the user whose summary was cut off is told, in the thread, instead of silence
    (post,) = fake.of("chat.postMessage")
    assert "restarting" in post.args["text"] and post.args["thread_ts"]


# --- modes and tokens --------------------------------------------------------------------------


async def _deps(stack: AsyncExitStack, mode: str):
    config = Config(cache=CacheConfig(backend="memory"), slack=SlackConfig(enabled=True, mode=mode))
    return await stack.enter_async_context(open_deps(config, FakeSummarizer()))


@pytest.mark.parametrize(
    ("mode", "missing"),
    [
        ("socket", "SLACK_APP_TOKEN"),
        ("socket", "SLACK_BOT_TOKEN"),
        ("http", "SLACK_SIGNING_SECRET"),
    ],
)
async def test_missing_token_is_a_config_error_naming_it(tokens, monkeypatch, mode, missing):
    monkeypatch.setenv("SLACK_APP_TOKEN", "xapp-test")
    monkeypatch.delenv(missing)
    async with AsyncExitStack() as stack:
        deps = await _deps(stack, mode)
        with pytest.raises(ConfigError, match=missing):
            SlackAdapter(deps.for_adapters)


@pytest.mark.parametrize(("platform", "missing"),
                         [("slack", "SLACK_SIGNING_SECRET"), ("discord", "DISCORD_TOKEN")])
async def test_newsbot_run_names_a_missing_token_before_it_loads_a_model(
    tokens, monkeypatch, platform, missing
):
    import bot.service_setup
    from bot.config import DiscordConfig, OpsConfig
    from bot.runtime import run

    loaded = []
    monkeypatch.setattr(bot.service_setup, "load_summarizer", loaded.append)
    monkeypatch.delenv(missing, raising=False)
    config = Config(
        ops=OpsConfig(health_port=0), cache=CacheConfig(backend="memory"),
        slack=SlackConfig(enabled=platform == "slack", mode="http"),
        discord=DiscordConfig(enabled=platform == "discord"),
        summarizer=SummarizerConfig(isolation="thread"),
    )  # fmt: skip
    with pytest.raises(ConfigError, match=missing):
        await run(config)
    assert loaded == []


async def test_socket_mode_builds_a_handler_on_the_app_token(tokens, monkeypatch):
    monkeypatch.setenv("SLACK_APP_TOKEN", "xapp-test")
    async with AsyncExitStack() as stack:
        adapter = SlackAdapter(await _deps(stack, "socket"))
        handler = adapter.build_socket_handler()
        try:
            assert isinstance(handler, AsyncSocketModeHandler)
            assert handler.client.app_token == "xapp-test"
            assert handler.app is adapter.app
        finally:
            await handler.close_async()


# --- parsing -----------------------------------------------------------------------------------


def test_parse_command_options_at_either_end():
    assert parse_command("bullets=2 <https://a.test/x> lang=de private") == (
        Options(2, "de", True),
        "<https://a.test/x>",
    )
    text = "The private sector grew.\n\nIt grew a lot, lang=xx aside."
    assert parse_command(text) == (Options(), text)  # options only at the ends
    with pytest.raises(UsageError):
        parse_command("lang=english https://a.test")


def test_plain_text_unwraps_slack_markup():
    assert plain_text("see <https://a.test/x|this> &amp; <@U1> &lt;3") == "see this &  <3"


def test_manifest_matches_what_the_adapter_listens_for():
    yaml = pytest.importorskip("yaml")
    from pathlib import Path

    manifest = yaml.safe_load((Path(__file__).parents[3] / "deploy/slack-manifest.yml").read_text())
    features, settings = manifest["features"], manifest["settings"]
    assert [c["command"] for c in features["slash_commands"]] == ["/summarize", "/digest", "/feed"]
    assert features["shortcuts"][0]["callback_id"] == "summarize_message"
    assert {"app_mention", "message.channels", "reaction_added"} <= set(
        settings["event_subscriptions"]["bot_events"]
    )
    assert settings["interactivity"]["is_enabled"] and settings["socket_mode_enabled"]
    assert {"chat:write", "commands", "app_mentions:read", "reactions:read"} <= set(
        manifest["oauth_config"]["scopes"]["bot"]
    )
