"""Slack text both ways: Block Kit out (every piece of article text escaped), commands in.

Article text is untrusted: `escape` turns `&`, `<` and `>` into entities, so nothing from an
article can form `<!channel>`, `<@U…>`, `<!subteam^…>` or a disguised link, and text objects
carry `verbatim: true` so Slack does not auto-parse bare `@here`-style words either. Bidi
override and isolate controls are removed so article text can't reorder what is shown.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from bot.adapters.bidi import strip_bidi_controls
from bot.errors import UsageError
from bot.results import SummaryResult

try:  # written in parallel; without it bullets simply carry no link into the article
    from summarizer import text_fragment_url
except ImportError:  # pragma: no cover - depends on the checkout
    text_fragment_url = None

#: Slack's documented limits (PLATFORM.md §1.5) and a margin under the undocumented
#: ~13,200-char `msg_blocks_too_long` ceiling on all block text together.
SECTION_TEXT_LIMIT = 3000
CONTEXT_TEXT_LIMIT = 2000
MAX_BLOCKS = 50
TOTAL_TEXT_BUDGET = 12_000
FALLBACK_TEXT_LIMIT = 3000
TITLE_LIMIT = 250
BULLET_LIMIT = 1200

VOTE_UP = "newsbot_vote_up"
VOTE_DOWN = "newsbot_vote_down"

_BROADCAST = re.compile(r"@(channel|here|everyone)\b", re.IGNORECASE)
_URL_UNSAFE = re.compile(r"[\s<>|\"\u202a-\u202e\u2066-\u2069]")


def escape(text: str) -> str:
    """Escape Slack's three control characters, defang bare @channel/@here, drop bidi controls."""
    # bidi controls go first: "@\u202ehere" must not become a live "@here" after the escaping
    text = strip_bidi_controls(text)
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    # a zero-width joiner keeps the word readable but never a broadcast
    return _BROADCAST.sub(lambda m: "@\u2060" + m.group(1), text)


def fit(text: str, limit: int) -> str:
    """`escape(text)` cut to at most `limit` characters, never inside an entity."""
    escaped = escape(text)
    if len(escaped) <= limit:
        return escaped
    size = n = 0
    for n, ch in enumerate(text):  # noqa: B007 - n is the prefix length when we stop
        size += len(escape(ch))
        if size > limit - 1:
            break
    while n and len(escape(text[:n])) > limit - 1:  # a defanged @here adds a character
        n -= 1
    return escape(text[:n]) + "…"


def link(url: str, label: str) -> str:
    """A mrkdwn link whose URL cannot close the `<…>` early and whose label is escaped."""
    safe_url = _URL_UNSAFE.sub(lambda m: quote(m.group(0)), url).replace("&", "&amp;")
    return f"<{safe_url}|{label}>"


def _mrkdwn(text: str) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": text, "verbatim": True}


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": _mrkdwn(text)}


@dataclass(frozen=True)
class Message:
    """What `chat.postMessage` / `response_url` need: blocks plus the notification text."""

    text: str
    blocks: list[dict[str, Any]]

    def payload(self) -> dict[str, Any]:
        return {"text": self.text, "blocks": self.blocks}


def render_summary(result: SummaryResult) -> Message:
    """Title linked to the article, bullets, a context line and 👍/👎 buttons."""
    title = result.title or (result.site or "Pasted text")
    title_md = fit(title, TITLE_LIMIT)
    head = f"*{link(result.url, title_md)}*" if result.url else f"*{title_md}*"
    blocks: list[dict[str, Any]] = [_section(head)]
    budget = TOTAL_TEXT_BUDGET - len(head)

    lines = [_bullet_line(result, i) for i in range(len(result.bullets))]
    for section in _pack(lines, SECTION_TEXT_LIMIT):
        if len(blocks) >= MAX_BLOCKS - 3 or budget - len(section) < 0:
            break
        blocks.append(_section(section))
        budget -= len(section)

    context = fit(_context_text(result), CONTEXT_TEXT_LIMIT)
    blocks.append({"type": "context", "elements": [_mrkdwn(context)]})
    if result.summary_id:
        blocks.append(
            {
                "type": "actions",
                "block_id": f"newsbot_votes:{result.summary_id}"[:255],
                "elements": [
                    _button("👍", VOTE_UP, result.summary_id, "Helpful summary"),
                    _button("👎", VOTE_DOWN, result.summary_id, "Unhelpful summary"),
                ],
            }
        )
    first = result.bullets[0].text if result.bullets else ""
    fallback = fit(f"Summary: {title} — {first}", FALLBACK_TEXT_LIMIT)
    return Message(fallback, blocks)


def _bullet_line(result: SummaryResult, index: int) -> str:
    bullet = result.bullets[index]
    line = "• " + fit(bullet.text, BULLET_LIMIT)
    if result.url and bullet.source and text_fragment_url is not None:
        line += " " + link(text_fragment_url(result.url, bullet.source), "↗")
    return line


def _pack(lines: list[str], limit: int) -> list[str]:
    """Join lines into as few texts of at most `limit` chars as possible (each line fits)."""
    packed: list[str] = []
    current = ""
    for line in lines:
        line = line[:limit]  # a bullet is already far below the limit; keep the promise anyway
        if current and len(current) + 1 + len(line) > limit:
            packed.append(current)
            current = line
        else:
            current = f"{current}\n{line}" if current else line
    if current:
        packed.append(current)
    return packed


def _context_text(result: SummaryResult) -> str:
    return " · ".join(result.details())


def _button(emoji: str, action_id: str, value: str, label: str) -> dict[str, Any]:
    return {
        "type": "button",
        "action_id": action_id,
        "value": value[:2000],
        "text": {"type": "plain_text", "text": emoji, "emoji": True},
        "accessibility_label": label,
    }


def render_notice(text: str) -> Message:
    """A one-line message (errors, "Summarizing…", rate limits); `text` is escaped."""
    safe = fit(text, SECTION_TEXT_LIMIT)
    return Message(safe, [_section(safe)])


def render_error(message: str) -> Message:
    safe = fit(message, SECTION_TEXT_LIMIT - 20)
    return Message(safe, [_section(f":warning: {safe}")])


def render_already(url: str, permalink: str) -> Message:
    text = f"Already summarized here: {link(permalink, fit(url, 200))}"
    return Message(f"Already summarized here: {permalink}", [_section(text)])


# --- input: /summarize options and Slack markup ------------------------------------------

COMMAND_HELP = (
    "Usage: `/summarize <link or pasted text> [bullets=N] [lang=xx] [private]`, "
    "e.g. `/summarize https://example.com/story bullets=3`."
)
_OPTION = r"(?:bullets=\S+|lang=\S+|private)"
_LEADING_OPTION = re.compile(rf"^\s*({_OPTION})(?=\s|$)", re.IGNORECASE)
_WHOLE_OPTION = re.compile(_OPTION, re.IGNORECASE)
_LANG = re.compile(r"^[a-z]{2,3}(?:-[a-z0-9]{2,8})?$")
_SLACK_LINK = re.compile(r"<((?:https?|mailto):[^|>]+)(?:\|([^>]*))?>")
_SLACK_REF = re.compile(r"<[@#!][^>]*>")


@dataclass(frozen=True)
class Options:
    bullets: int | None = None
    language: str | None = None
    private: bool = False


def parse_command(text: str) -> tuple[Options, str]:
    """Split `/summarize` text into options (at either end) and the link or pasted text."""
    found: list[str] = []
    while m := _LEADING_OPTION.match(text):
        found.append(m.group(1))
        text = text[m.end() :]
    # from the right, a word at a time: a regex search for options at the end would try every
    # position of a pasted article (half a millisecond of the ack for 3,500 characters)
    while (words := text.rsplit(None, 1)) and _WHOLE_OPTION.fullmatch(words[-1]):
        found.append(words[-1])
        text = words[0] if len(words) == 2 else ""
    bullets, language, private = None, None, False
    for option in found:
        key, _, value = option.lower().partition("=")
        if key == "private":
            private = True
        elif key == "bullets":
            if not value.isdigit() or not 1 <= int(value) <= 10:
                raise UsageError(f"`bullets` must be a number from 1 to 10, not `{value}`.")
            bullets = int(value)
        elif not _LANG.match(value):
            raise UsageError(f"`lang` takes a language code such as `en` or `de`, not `{value}`.")
        else:
            language = value
    return Options(bullets, language, private), text.strip()


def plain_text(text: str) -> str:
    """Slack message markup → the text a person typed (links unwrapped, entities decoded)."""
    text = _SLACK_LINK.sub(lambda m: m.group(2) or m.group(1), text)
    text = _SLACK_REF.sub("", text)
    return html.unescape(text)
