"""An answer to a follow-up question as Block Kit: the question, the article's own sentences
quoted (each linked to its place in the article), or "The article doesn't say."

Everything shown is escaped like summaries are (`slack_render.fit`): neither the question nor
the article can ping anyone or form a link.
"""

from __future__ import annotations

from typing import Any

from bot.adapters.slack_render import (
    BULLET_LIMIT,
    SECTION_TEXT_LIMIT,
    Message,
    fit,
    link,
    text_fragment_url,
)
from bot.chat import AnswerPost
from summarizer import DOESNT_SAY

QUESTION_LIMIT = 300


def render_answer(answer: AnswerPost) -> Message:
    """Question, then the written answer if any, then the quotes (or "doesn't say")."""
    blocks: list[dict[str, Any]] = [_section(f"*Q:* {fit(answer.question, QUESTION_LIMIT)}")]
    if answer.written:
        blocks.append(_section(fit(answer.written, SECTION_TEXT_LIMIT)))
    if answer.quotes:
        lines = [_quote_line(answer.url, text) for text, _start, _end in answer.quotes]
        blocks.append(_section("\n".join(lines)[:SECTION_TEXT_LIMIT]))
        first = answer.written or answer.quotes[0][0]
    else:
        first = answer.note or DOESNT_SAY
        blocks.append(_section(fit(first, SECTION_TEXT_LIMIT)))
    return Message(fit(f"{answer.question} — {first}", SECTION_TEXT_LIMIT), blocks)


def _quote_line(url: str | None, text: str) -> str:
    line = "> " + fit(text, BULLET_LIMIT)
    if url and text_fragment_url is not None:
        line += " " + link(text_fragment_url(url, text), "↗")
    return line


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text, "verbatim": True}}
