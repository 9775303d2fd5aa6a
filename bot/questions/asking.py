"""A question as asked in chat, made fit to answer: markup and pings removed, limits checked."""

from __future__ import annotations

import re

from bot.errors import UsageError

USAGE = "Ask me about the article in this thread, e.g. `@newsbot when does it start?`"
#: Slack `<@U1>`, `<!here>`, `<#C1|x>`, Discord `<@123>`, `<@&1>`, `<#1>`, bare @everyone/@here.
_MENTION = re.compile(r"<[@#!][^>]*>|@(?:everyone|here|channel)\b", re.IGNORECASE)
_SLACK_LINK = re.compile(r"<(?:https?|mailto):[^>]*>")
_LINK = re.compile(r"\bhttps?://\S+", re.IGNORECASE)
#: Attempts to steer a model rather than ask about the article.
_INSTRUCTION = re.compile(
    r"\b(ignore|disregard|forget)\b.{0,40}\b(article|instructions?|prompt|above|rules)\b"
    r"|\b(system prompt|you are now|act as|pretend (to be|you))\b",
    re.IGNORECASE | re.DOTALL,
)


def clean_question(text: str) -> str:
    """The words of the question: no mentions, no links, no markup, whitespace collapsed."""
    text = _SLACK_LINK.sub(" ", text)
    text = _LINK.sub(" ", text)
    text = _MENTION.sub(" ", text)
    return " ".join(text.split())


def checked_question(text: str, max_chars: int) -> str:
    """The cleaned question, or a `UsageError` saying what to do instead."""
    if len(text) > max_chars * 4:  # don't even clean a pasted essay
        raise UsageError(_too_long(len(text), max_chars))
    question = clean_question(text)
    if not question or not any(ch.isalnum() for ch in question):
        raise UsageError(USAGE)
    if len(question) > max_chars:
        raise UsageError(_too_long(len(question), max_chars))
    if _INSTRUCTION.search(question):
        raise UsageError(
            "I only answer questions from the article, with its own sentences; "
            "I don't take instructions. Ask what you'd like to know about it."
        )
    return question


def _too_long(size: int, limit: int) -> str:
    return f"That question is {size:,} characters long; ask it in under {limit} characters."
