"""A digest as Block Kit: a section per story, within 50 blocks, 3,000 characters a section and
the ~12,000-character total Slack accepts; what does not fit is counted as "and N more"."""

from __future__ import annotations

from typing import Any

from bot.adapters.digest_text import details, empty_note, heading, more_note
from bot.adapters.slack_render import (
    MAX_BLOCKS,
    SECTION_TEXT_LIMIT,
    TITLE_LIMIT,
    TOTAL_TEXT_BUDGET,
    Message,
    fit,
    link,
)
from bot.results import Digest, Story

GIST_LIMIT = 600


def render_digest(digest: Digest) -> Message:
    """Heading, one section per story (best first), then "and N more" if any were left out."""
    head = heading(digest)
    blocks: list[dict[str, Any]] = [_section(f"*{fit(head, TITLE_LIMIT)}*")]
    if not digest.stories:
        blocks.append(_section(fit(empty_note(digest), SECTION_TEXT_LIMIT)))
        return Message(empty_note(digest), blocks)
    budget = TOTAL_TEXT_BUDGET - len(head)
    shown = 0
    for story in digest.stories:
        text = story_text(story)
        # keep one block and some characters for the "and N more" line
        if len(blocks) >= MAX_BLOCKS - 1 or budget - len(text) < 100:
            break
        blocks.append(_section(text))
        budget -= len(text)
        shown += 1
    hidden = len(digest.stories) - shown + digest.omitted
    if hidden:
        blocks.append({"type": "context", "elements": [_mrkdwn(fit(more_note(hidden), 200))]})
    return Message(fit(head, 3000), blocks)


def story_text(story: Story) -> str:
    """`*<url|title>*` — gist, then outlets, shares, votes and a link to the first post."""
    title = fit(story.title, TITLE_LIMIT)
    line = f"*{link(story.url, title)}*" if story.url else f"*{title}*"
    if story.gist:
        line += " — " + fit(story.gist, GIST_LIMIT)
    facts = [fit(p, 300) for p in details(story)]
    if story.first_permalink:
        facts.append(link(story.first_permalink, "first shared here"))
    if facts:
        line += "\n" + " · ".join(facts)
    return line[:SECTION_TEXT_LIMIT]


def _mrkdwn(text: str) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": text, "verbatim": True}


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": _mrkdwn(text)}
