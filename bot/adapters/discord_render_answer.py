"""An answer to a follow-up question as a Discord message: the question, the article's own
sentences quoted (each linked to its place in the article), or "The article doesn't say."

Text is escaped like summaries are (`discord_render.escape`) and sent with no allowed mentions.
"""

from __future__ import annotations

from bot.adapters.discord_render import CONTENT_LIMIT, URL_LIMIT, clip, escape
from bot.chat import AnswerPost
from summarizer import DOESNT_SAY

try:  # as in discord_render: without it quotes simply carry no link
    from summarizer import text_fragment_url
except ImportError:  # pragma: no cover - depends on the checkout
    text_fragment_url = None  # type: ignore[assignment]

QUESTION_LIMIT = 300


def answer_text(answer: AnswerPost) -> str:
    """At most 2,000 characters; whole quotes are dropped rather than cut when it's long."""
    lines = [f"**Q:** {clip(escape(answer.question), QUESTION_LIMIT)}"]
    if answer.written:
        lines.append(escape(answer.written))
    if not answer.quotes:
        lines.append(escape(answer.note or DOESNT_SAY))
    for text, _start, _end in answer.quotes:
        line = f"> {escape(text)}{_link(answer.url, text)}"
        if len("\n".join([*lines, line])) > CONTENT_LIMIT:
            break
        lines.append(line)
    return clip("\n".join(lines), CONTENT_LIMIT)


def _link(url: str | None, text: str) -> str:
    if not url or not url.startswith(("https://", "http://")) or text_fragment_url is None:
        return ""
    target = text_fragment_url(url, text)
    if len(target) > URL_LIMIT:
        return ""
    return f" [↗]({target.replace('(', '%28').replace(')', '%29')})"
