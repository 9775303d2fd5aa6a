"""The words of a digest shared by every platform's rendering: heading, empty note, outlets."""

from __future__ import annotations

from bot.results import Digest, Story


def heading(digest: Digest) -> str:
    n = len(digest.stories) + digest.omitted
    stories = f"{n:,} {'story' if n == 1 else 'stories'}"
    return f"Digest of {digest.label}: {stories} from {links_read(digest)}"


def links_read(digest: Digest) -> str:
    """How many links a digest read: "12 links", or "the newest 5,000 links" past the cap."""
    if digest.capped:
        return f"the newest {digest.links:,} links"
    return f"{digest.links:,} {'link' if digest.links == 1 else 'links'}"


def empty_note(digest: Digest) -> str:
    when = digest.label if digest.label == "today" else f"in {digest.label}"
    return f"Nothing was shared in this channel {when}."


def more_note(hidden: int) -> str:
    return f"…and {hidden} more {'story' if hidden == 1 else 'stories'}."


def details(story: Story) -> list[str]:
    """Plain facts under a story line: outlets, shares, votes (the caller escapes them)."""
    parts = []
    if story.sites:
        parts.append(story.sites[0])
    if len(story.sites) > 1:
        parts.append("also: " + ", ".join(story.sites[1:4]))
    if story.shares > 1:
        parts.append(f"shared {story.shares}×")
    if story.ups or story.downs:
        parts.append(f"👍 {story.ups} 👎 {story.downs}")
    return parts
