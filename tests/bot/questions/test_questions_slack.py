"""A follow-up question end to end through the fake Slack: `app_mention` in a summary's thread."""

from __future__ import annotations

import json

from tests.bot.adapters.test_slack import (  # noqa: F401 - fixtures
    AUTO,
    fake,
    make_bot,
    msg,
    pages,
    tokens,
)
from tests.fake_slack import BOT_USER


async def test_a_mention_in_the_summarys_thread_is_answered_there_with_quotes(
    make_bot,  # noqa: F811
    pages,  # noqa: F811
    fake,  # noqa: F811
):
    bot = await make_bot()
    await bot.event(msg(AUTO, f"worth a read <{pages.base}/story>"), "Ev1")
    await bot.settle()
    question = msg(
        AUTO, f"<@{BOT_USER}> how much fresh water a day? <!channel> <@U0BOSS>",
        ts="1700000002.000200", thread_ts="1700000001.000100", type="app_mention",
    )  # fmt: skip
    assert await bot.event(question, "Ev2") == 200
    await bot.settle()
    summary, answer = fake.of("chat.postMessage")
    assert answer.args["thread_ts"] == "1700000001.000100"  # in the summary's thread
    blocks = json.dumps(answer.args["blocks"], ensure_ascii=False)
    assert "*Q:* how much fresh water a day?" in blocks
    assert "The plant would produce about 12 million litres of fresh water a day." in blocks
    assert "#:~:text=" in blocks  # each quote links to its place in the article
    assert "<!channel>" not in blocks and "<@U0BOSS>" not in blocks  # pings nobody
    assert pages.hits["/story"] == 1

    await bot.event({**question, "user": "U0BOT", "bot_id": "B0OTHER"}, "Ev3")
    await bot.settle()
    assert len(fake.of("chat.postMessage")) == 2  # other bots are not answered


async def test_a_question_in_the_thread_of_a_pasted_text_summary_from_slash_summarize(
    make_bot,  # noqa: F811
    fake,  # noqa: F811
):
    """/summarize posts at the top of the channel: its own message starts the thread."""
    from tests.bot.adapters.test_slack import MENTION
    from tests.fake_slack import command_body
    from tests.pages import SAMPLE_TEXT

    bot = await make_bot()
    pasted = SAMPLE_TEXT.replace("&", "&amp;")  # Slack escapes & < > in command text
    status, _, _ = await bot.send(command_body(pasted, channel=MENTION), form=True)
    await bot.settle()
    assert status == 200
    (summary,) = fake.of("chat.postMessage")
    assert summary.args.get("thread_ts") is None
    (summary_ts,) = [ts for (channel, ts) in fake.messages if channel == MENTION]
    question = msg(
        MENTION, f"<@{BOT_USER}> how much fresh water a day?", ts="1700000099.000300",
        thread_ts=summary_ts, type="app_mention",
    )  # fmt: skip
    await bot.event(question, "Ev9")
    await bot.settle()
    _, answer = fake.of("chat.postMessage")
    assert answer.args["thread_ts"] == summary_ts
    blocks = json.dumps(answer.args["blocks"], ensure_ascii=False)
    assert "12 million litres of fresh water a day." in blocks
    assert "#:~:text=" not in blocks  # pasted text has no page to link into
