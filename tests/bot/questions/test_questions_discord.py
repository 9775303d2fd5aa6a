"""Follow-up questions end to end through the fake Discord: a reply to the summary that
mentions the bot, and `/ask`."""

from __future__ import annotations

from bot.questions.feature import NO_SUMMARY_IN_CHANNEL
from tests import fake_discord as fd
from tests.bot.adapters.test_discord import (  # noqa: F401 - fixtures
    CHANNEL,
    FOLLOWUP,
    bot,
    discord_api,
    pages,
    token,
)

QUESTION = "how much fresh water will it make each day?"


async def test_a_reply_to_the_summary_mentioning_the_bot_is_answered_with_quotes(
    bot,  # noqa: F811
    discord_api,  # noqa: F811
    pages,  # noqa: F811
):
    await bot()  # the channel is "auto"
    url = f"{pages.base}/story"
    await discord_api.dispatch("MESSAGE_CREATE", fd.message_create(1001, f"Read {url}"))
    await discord_api.wait_for_call("POST", CHANNEL)
    (summary,) = discord_api.sent
    question = fd.message_create(
        1002, f"<@{fd.BOT_ID}> {QUESTION} @everyone", mentions=[fd.BOT_USER]
    )
    question["message_reference"] = {
        "message_id": summary["id"], "channel_id": str(fd.CHANNEL_ID),
        "guild_id": str(fd.GUILD_ID),
    }  # fmt: skip
    await discord_api.dispatch("MESSAGE_CREATE", question)
    await discord_api.wait_until(lambda: len(discord_api.calls_to("POST", CHANNEL)) == 2)
    answer = discord_api.calls_to("POST", CHANNEL)[1].body
    assert int(answer["message_reference"]["message_id"]) == 1002  # a reply to the question
    assert answer["allowed_mentions"] == {"parse": [], "replied_user": False}
    content = answer["content"]
    assert content.startswith(f"**Q:** {QUESTION}")
    assert "@everyone" not in content and f"<@{fd.BOT_ID}>" not in content
    assert "> The plant would produce about 12 million litres of fresh water a day." in content
    assert "#:~:text=" in content  # linked to its place in the article
    assert pages.hits["/story"] == 1


async def test_slash_ask_answers_about_the_channels_latest_summary(
    bot,  # noqa: F811
    discord_api,  # noqa: F811
    pages,  # noqa: F811
):
    await bot()
    await discord_api.dispatch("INTERACTION_CREATE", fd.ask_command(2101, QUESTION))
    early = await discord_api.wait_for_call("POST", FOLLOWUP.format(2101))
    assert early.body["flags"] & 64 and NO_SUMMARY_IN_CHANNEL in early.body["content"]

    await discord_api.dispatch("MESSAGE_CREATE", fd.message_create(1001, f"{pages.base}/story"))
    await discord_api.wait_for_call("POST", CHANNEL)
    await discord_api.dispatch("INTERACTION_CREATE", fd.ask_command(2102, QUESTION))
    followup = await discord_api.wait_for_call("POST", FOLLOWUP.format(2102))
    assert followup.body["allowed_mentions"]["parse"] == []
    assert "12 million litres of fresh water a day" in followup.body["content"]
