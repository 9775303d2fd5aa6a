# ruff: noqa: F811 - pytest fixtures imported from the adapter tests are used as arguments
"""`/digest` end to end on Slack: signed requests to the real Bolt app, a fake Web API."""

from __future__ import annotations

import json

import pytest

from bot.chat.outcomes import DigestPost
from bot.errors import ChannelUnavailable
from bot.results import Digest
from tests.bot.adapters.test_slack import (  # noqa: F401 - fixtures
    AUTO,
    fake,
    make_bot,
    msg,
    pages,
    tokens,
)
from tests.fake_slack import TEAM, command_body, interactive_body


async def test_digest_command_lists_the_story_with_its_votes_and_first_post(make_bot, pages, fake):
    bot = await make_bot()
    url = f"{pages.base}/story"
    await bot.event(msg(AUTO, f"worth a read <{url}>"))
    await bot.settle()
    summary = fake.of("chat.postMessage")[0]
    button = summary.args["blocks"][-1]["elements"][0]
    posted_ts = fake.of("chat.getPermalink")[0].args["message_ts"]
    vote = {
        "type": "block_actions", "team": {"id": TEAM}, "user": {"id": "U0VOTER"},
        "channel": {"id": AUTO}, "trigger_id": "1", "response_url": fake.response_url("v"),
        "container": {"type": "message", "message_ts": posted_ts, "channel_id": AUTO},
        "actions": [{"action_id": button["action_id"], "value": button["value"],
                     "block_id": "b", "type": "button", "action_ts": "1"}],
    }  # fmt: skip
    await bot.send(interactive_body(vote), form=True)
    await bot.settle()

    body = command_body("today", channel=AUTO, command="/digest", response_url=fake.response_url())
    status, text, _ = await bot.send(body, form=True)
    assert status == 200 and "Collecting" in json.loads(text)["text"]
    await bot.settle()
    post = fake.of("chat.postMessage")[-1]
    assert post.args["channel"] == AUTO and post.args.get("thread_ts") is None
    blocks = post.args["blocks"]
    assert blocks[0]["text"]["text"] == "*Digest of today: 1 story from 1 link*"
    line = blocks[1]["text"]["text"]
    title = "Harbor town votes to build Europe's first tidal-powered desalination plant"
    assert line.startswith(f"*<{url}|{title}>* — PORTHALLOW, Cornwall")
    permalink = f"https://test.slack.com/archives/{AUTO}/p{posted_ts.replace('.', '')}"
    assert f"<{permalink}|first shared here>" in line and "👍 1 👎 0" in line


@pytest.mark.parametrize(("text", "says"), [("fortnight", "I don't know the period"),
                                            ("90d", "at most 30d")])  # fmt: skip
async def test_bad_digest_period_is_a_private_ack(make_bot, fake, text, says):
    bot = await make_bot()
    status, reply, _ = await bot.send(command_body(text, command="/digest"), form=True)
    answer = json.loads(reply)
    assert status == 200 and answer["response_type"] == "ephemeral" and says in answer["text"]
    await bot.settle()
    assert not fake.of("chat.postMessage")


async def test_a_scheduled_post_in_a_channel_the_bot_left_raises_channel_unavailable(
    make_bot, fake
):
    bot = await make_bot()
    from bot.runtime import outbox_router

    outbox = outbox_router([bot.adapter])(f"slack:{TEAM}:{AUTO}")
    with pytest.raises(ChannelUnavailable):  # no Discord adapter is running
        outbox_router([bot.adapter])(f"discord:1:{AUTO}")
    fake.fail("chat.postMessage", 200, body={"ok": False, "error": "not_in_channel"})
    digest = Digest(f"slack:{TEAM}:{AUTO}", "the last day", 0, 1, links=0)
    with pytest.raises(ChannelUnavailable):
        await outbox.send(DigestPost(digest))


async def test_digest_in_a_direct_message_says_digests_are_per_channel(make_bot, fake):
    bot = await make_bot()
    body = command_body("", channel="D0DM", command="/digest")
    status, reply, _ = await bot.send(body, form=True)
    assert status == 200 and "Digests are per channel" in json.loads(reply)["text"]


async def test_digest_asked_in_a_channel_the_bot_is_not_in_answers_through_the_command(
    make_bot, fake
):
    """The bot can't post in (or read) the channel: the digest goes back through the command's
    response URL, in the channel, and says nothing was shared there (the bot saw nothing)."""
    bot = await make_bot()
    fake.fail("chat.postMessage", 200, body={"ok": False, "error": "not_in_channel"})
    body = command_body("week", channel="C0NOTIN", command="/digest",
                        response_url=fake.response_url("d"))  # fmt: skip
    status, _, _ = await bot.send(body, form=True)
    assert status == 200
    (answer,) = await fake.wait_for("respond")
    assert answer.args["_name"] == "d" and answer.args["response_type"] == "in_channel"
    assert "Nothing was shared in this channel in the last 7 days." in json.dumps(answer.args)
    assert fake.of("chat.postMessage")[0].args["channel"] == "C0NOTIN"
