"""What identifies a post of the bot's: the message id its permalink names, and the key its
votes are counted under."""

from __future__ import annotations

import re

from bot.chat.events import ChatEvent


def vote_key(event: ChatEvent) -> str:
    """Votes count per post: the same summary posted in two channels gets two tallies."""
    if event.message_id:
        return f"post:{event.channel_key}:{event.message_id}"
    return event.summary_id


# Slack permalinks end in "/p" + the message ts without its dot; Discord's and the memory
# platform's in the message id. Votes are keyed by that id (see `vote_key`).
_SLACK_TS = re.compile(r"/p(\d{10})(\d{6})(?:$|\?)")


def message_id_of(platform: str, permalink: str) -> str:
    """The id of the posted message a permalink points at ("" if it can't be told)."""
    if platform == "slack":
        found = _SLACK_TS.search(permalink)
        return f"{found.group(1)}.{found.group(2)}" if found else ""
    tail = permalink.rstrip("/").rsplit("/", 1)[-1]
    return tail if "/" in permalink else ""
