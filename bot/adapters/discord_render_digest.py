"""A digest as Discord embeds: story lines packed into descriptions of at most 4,096 characters,
at most 10 embeds and 6,000 characters a message; the rest counted as "and N more"."""

from __future__ import annotations

from bot.adapters.digest_text import details, empty_note, heading, more_note
from bot.adapters.discord_render import (
    DESCRIPTION_LIMIT,
    EMBED_TOTAL_LIMIT,
    TITLE_LIMIT,
    URL_LIMIT,
    clip,
    discord,
    escape,
)
from bot.results import Digest, Story

MAX_EMBEDS = 10
GIST_LIMIT = 400
#: Kept free in the message for the "and N more" footer.
_FOOTER_ROOM = 60


def render_digest(digest: Digest) -> list[discord.Embed]:
    """The embeds of one message: the first carries the heading, the last the "and N more"."""
    title = clip(escape(heading(digest)), TITLE_LIMIT)
    if not digest.stories:
        return [discord.Embed(title=title, description=escape(empty_note(digest)))]
    budget = EMBED_TOTAL_LIMIT - len(title) - _FOOTER_ROOM
    pages: list[list[str]] = [[]]
    shown = 0
    for story in digest.stories:
        line = story_line(story)
        if len(line) > budget:
            break
        page = pages[-1]
        if page and len("\n\n".join(page)) + 2 + len(line) > DESCRIPTION_LIMIT:
            if len(pages) == MAX_EMBEDS:
                break
            pages.append(page := [])
        page.append(line)
        budget -= len(line) + 2
        shown += 1
    embeds = [discord.Embed(description="\n\n".join(p), colour=discord.Colour.blurple())
              for p in pages]  # fmt: skip
    embeds[0].title = title
    hidden = len(digest.stories) - shown + digest.omitted
    if hidden:
        embeds[-1].set_footer(text=more_note(hidden))
    return embeds


def story_line(story: Story) -> str:
    """**[title](url)** — gist, then outlets, shares, votes and a link to the first post."""
    title = clip(escape(story.title), TITLE_LIMIT)
    line = f"**[{title}]({_url(story.url)})**" if _is_web(story.url) else f"**{title}**"
    if story.gist:
        line += " — " + clip(escape(story.gist), GIST_LIMIT)
    facts = [escape(p) for p in details(story)]
    if _is_web(story.first_permalink):
        facts.append(f"[first shared here]({_url(story.first_permalink)})")
    if facts:
        line += "\n" + " · ".join(facts)
    return line


def _is_web(url: str) -> bool:
    return url.startswith(("https://", "http://")) and len(url) <= URL_LIMIT


def _url(url: str) -> str:
    return url.replace("(", "%28").replace(")", "%29").replace(" ", "%20")
