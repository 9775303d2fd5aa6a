"""Answers rendered for Slack and Discord: quotes linked into the article, nothing pings."""

from __future__ import annotations

import json

from bot.adapters.discord_render_answer import answer_text
from bot.adapters.slack_render_answer import render_answer
from bot.chat import AnswerPost

QUOTE = "Mayor <!channel> said @here that 12 million litres <@U0BOSS> a day."
ANSWER = AnswerPost(
    "how much? <@U1>", ((QUOTE, 10, 10 + len(QUOTE)),), "https://news.example/story",
    written="About 12 million litres a day.",
)  # fmt: skip


def test_slack_answer_escapes_everything_and_links_each_quote():
    message = render_answer(ANSWER)
    blocks = json.dumps(message.blocks, ensure_ascii=False)
    assert "<!channel>" not in blocks and "<@U0BOSS>" not in blocks and "<@U1>" not in blocks
    assert "&lt;!channel&gt;" in blocks and "@\u2060here" in blocks
    texts = [b["text"]["text"] for b in message.blocks]
    assert texts[1] == "About 12 million litres a day."
    assert texts[2].startswith("> Mayor &lt;!channel&gt;")
    assert "<https://news.example/story#:~:text=" in texts[2]


def test_slack_doesnt_say():
    message = render_answer(AnswerPost("who won?", (), None))
    assert message.blocks[-1]["text"]["text"] == "The article doesn't say."


def test_discord_answer_escapes_and_stays_under_2000_characters():
    text = answer_text(ANSWER)
    assert "<@U0BOSS>" not in text and "@here" not in text.replace("@\u200bhere", "")
    assert "[↗](https://news.example/story#:~:text=" in text
    long = AnswerPost("q", ((QUOTE * 20, 0, 1), (QUOTE * 20, 0, 1), (QUOTE * 20, 0, 1)), None)
    assert len(answer_text(long)) <= 2000


def test_discord_doesnt_say_or_the_note():
    assert answer_text(AnswerPost("who won?", (), None)).endswith("The article doesn't say.")
    noted = AnswerPost("qui?", (), None, note="Try the article's language.")
    assert answer_text(noted).endswith("Try the article's language.")
