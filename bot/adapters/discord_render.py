"""`SummaryResult` → Discord embed and vote buttons, within Discord's size limits.

Article text is untrusted: markdown is escaped so a title can't restyle the embed or hide a
link, mentions are defused, bidi controls are removed, and every message goes out with
`AllowedMentions.none()`.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Awaitable, Callable
from typing import Literal

with warnings.catch_warnings():  # discord.py imports `audioop` (deprecated) for voice, unused here
    warnings.simplefilter("ignore", DeprecationWarning)
    import discord

from bot.adapters.bidi import strip_bidi_controls
from bot.results import SummaryResult

try:  # written alongside this module; without it bullets simply aren't linked
    from summarizer import text_fragment_url
except ImportError:  # pragma: no cover
    text_fragment_url = None  # type: ignore[assignment]

#: Discord's limits (characters).
TITLE_LIMIT = 256
DESCRIPTION_LIMIT = 4096
FOOTER_LIMIT = 2048
EMBED_TOTAL_LIMIT = 6000
CONTENT_LIMIT = 2000
URL_LIMIT = 2048

#: No article, title or user text may ping anyone.
ALLOWED_MENTIONS = discord.AllowedMentions.none()

VOTE_UP_ID = "newsbot:vote:up"
VOTE_DOWN_ID = "newsbot:vote:down"
_SUMMARY_ID_RE = re.compile(r"\bid ([0-9a-f]{8,64})$")

Vote = Literal["up", "down"]
VoteHandler = Callable[[discord.Interaction, Vote], Awaitable[None]]


# Discord's parser (simple-markdown) reads a backslash before any ASCII symbol as an escape.
# Every character that can open or close markup is escaped, wherever it stands: "[ ] ( )"
# (masked links), "<" (mentions, <t:…>, <url>), "* _ ~ | `" (emphasis, spoilers, code), "#"
# and ">" (headers, subtext, quotes) and "\\" itself, so an article's backslash can't undo ours.
# "(" matters although "[" is escaped: the link regex ignores escapes inside a label, so an
# article's "](" could close the label of our own "[↗](…)" and retarget it.
_MARKUP_CHAR = re.compile(r"[\\\[\]()<>*_~|`#]")
_AUTOLINK_COLON = re.compile(r":(?=/)")  # "https://…" in text would become a live link
_LIST_MARKER = re.compile(r"^(\d*)([-+.])(?= )")  # "- x", "1. x" at the start of a line


def escape(text: str) -> str:
    """Plain text safe for an embed: no markdown, no (fake) mentions, no links, no bidi tricks.

    One pass over the text: discord.py's `escape_markdown` escapes a whole `[x](u)` with a
    single backslash and leaves its inside live, so escaping again after it re-opened links.
    """
    text = " ".join(strip_bidi_controls(text).split())
    text = _MARKUP_CHAR.sub(lambda m: "\\" + m.group(0), text)
    text = _AUTOLINK_COLON.sub("\\:", text)
    text = _LIST_MARKER.sub(r"\1\\\2", text)
    return discord.utils.escape_mentions(text)


def clip(text: str, limit: int) -> str:
    """`text` cut to `limit` characters, with an ellipsis if anything was cut."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rstrip()
    if (len(cut) - len(cut.rstrip("\\"))) % 2:  # don't leave half an escape
        cut = cut[:-1]
    return cut + "…"


def _is_web_url(url: str | None) -> bool:
    return bool(url) and url.startswith(("https://", "http://")) and len(url) <= URL_LIMIT


def _bullet_line(text: str, link: str | None) -> str:
    line = f"• {escape(text)}"
    if not link:
        return line
    return f"{line} [↗]({link.replace('(', '%28').replace(')', '%29')})"


def footer_text(result: SummaryResult) -> str:
    parts = result.details()
    if result.summary_id:  # the vote buttons read the summary id back from here
        parts.append(f"id {result.summary_id}")
    # footers render no markdown, but the site name is the page's own claim: defuse mentions
    plain = discord.utils.escape_mentions(strip_bidi_controls(" · ".join(parts)))
    plain = plain.replace("<", "<\u200b")
    return clip(plain, FOOTER_LIMIT)


def description(result: SummaryResult, limit: int = DESCRIPTION_LIMIT) -> str:
    """Bullets, each linked into the article when it fits; whole bullets dropped, not cut."""
    article = result.url if _is_web_url(result.url) else None
    lines = []
    for bullet in result.bullets:
        link = None
        if article and bullet.source and text_fragment_url is not None:
            link = text_fragment_url(article, bullet.source)
            link = link if len(link) <= URL_LIMIT else None
        lines.append((bullet.text, link))

    def fit(with_links: bool) -> str | None:
        out = "\n".join(_bullet_line(t, link if with_links else None) for t, link in lines)
        return out if len(out) <= limit else None

    text = fit(True) or fit(False)
    if text is not None:
        return text
    kept: list[str] = []  # too long even without links: keep what fits, then cut one bullet
    for t, _ in lines:
        line = _bullet_line(t, None)
        used = len("\n".join(kept))
        if used + len(line) + 1 > limit:
            if not kept:
                kept.append(clip(line, limit))
            break
        kept.append(line)
    return "\n".join(kept)


def render_summary(result: SummaryResult) -> discord.Embed:
    """The summary embed: linked title, bullets, footer; total under 6,000 characters."""
    title = clip(escape(result.title or "Summary"), TITLE_LIMIT)
    footer = footer_text(result)
    room = min(DESCRIPTION_LIMIT, EMBED_TOTAL_LIMIT - len(title) - len(footer))
    embed = discord.Embed(
        title=title,
        url=result.url if _is_web_url(result.url) else None,
        description=description(result, room),
        colour=discord.Colour.blurple(),
    )
    embed.set_footer(text=footer)
    return embed


def summary_id_of(embed: discord.Embed) -> str | None:
    """The summary id a vote is for, read back from the footer of our own embed."""
    match = _SUMMARY_ID_RE.search(embed.footer.text or "")
    return match.group(1) if match else None


def error_text(message: str) -> str:
    return clip(discord.utils.escape_mentions(message), CONTENT_LIMIT)


def already_posted_text(items: tuple[tuple[str, str], ...]) -> str:
    lines = [f"Already summarized here: {permalink}" for _url, permalink in items]
    return clip("\n".join(lines), CONTENT_LIMIT)


class VoteView(discord.ui.View):
    """👍/👎 under a summary. Stable custom_ids and no timeout, so clicks work after restarts.

    One instance is registered with `Client.add_view`; copies sent with messages are
    `render_only` so discord.py doesn't keep one per message forever (timeout=None).
    """

    def __init__(
        self,
        on_vote: VoteHandler | None = None,
        *,
        counts: tuple[int, int] | None = None,
        render_only: bool = False,
    ) -> None:
        super().__init__(timeout=None)
        self._on_vote = on_vote
        self._render_only = render_only
        if counts:
            self.vote_up.label, self.vote_down.label = str(counts[0]), str(counts[1])

    def is_dispatchable(self) -> bool:
        return not self._render_only and super().is_dispatchable()

    @discord.ui.button(emoji="👍", style=discord.ButtonStyle.secondary, custom_id=VOTE_UP_ID)
    async def vote_up(self, interaction: discord.Interaction, _button: discord.ui.Button) -> None:
        if self._on_vote:
            await self._on_vote(interaction, "up")

    @discord.ui.button(emoji="👎", style=discord.ButtonStyle.secondary, custom_id=VOTE_DOWN_ID)
    async def vote_down(self, interaction: discord.Interaction, _button: discord.ui.Button) -> None:
        if self._on_vote:
            await self._on_vote(interaction, "down")
