"""What a chat platform tells the workflow, with the platform's shapes translated away."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Literal

Vote = Literal["up", "down"]


class Trigger(enum.Enum):
    """How a request reached the bot; explicit triggers get answers, auto ones stay quiet."""

    AUTO = "auto"  # a link posted in a channel
    MENTION = "mention"  # @newsbot <link>, or a direct message
    COMMAND = "command"  # /summarize
    SHORTCUT = "shortcut"  # message shortcut / context menu
    REACTION = "reaction"  # emoji reaction on a message
    VOTE = "vote"  # 👍/👎 on a posted summary

    @property
    def explicit(self) -> bool:
        return self is not Trigger.AUTO

    @property
    def interactive(self) -> bool:
        """Asked through a command or menu: replies about problems go to the asker only."""
        return self in (Trigger.COMMAND, Trigger.SHORTCUT)


@dataclass(frozen=True)
class RequestOptions:
    """What the requester asked for beyond the link: bullet count, summary language, privacy."""

    bullets: int | None = None
    #: The language the summary should be written in (not the article's, which is detected).
    language: str | None = None
    private: bool = False


@dataclass(frozen=True)
class ChatEvent:
    """One thing that happened in a chat, as the workflow needs it."""

    platform: str  # "slack" | "discord" | "memory"
    workspace: str  # Slack team id / Discord guild id ("" for DMs)
    channel: str
    user: str
    #: The message as the platform sent it (Slack's `<url|label>` markup kept, for link finding).
    text: str
    trigger: Trigger
    is_bot: bool = False
    #: The text as the person typed it, where the platform's markup differs (pasted text).
    plain: str | None = None
    #: The thread the answer belongs in (Slack thread_ts; Discord: the message replied to).
    thread: str = ""
    #: The message that carried the request (or that a shortcut, reaction or vote points at).
    message_id: str = ""
    #: The platform's delivery id: identical on retries and replays, so work runs once.
    event_id: str = ""
    options: RequestOptions = field(default_factory=RequestOptions)
    #: For `Trigger.COMMAND`: which command ("" is /summarize; "digest", "feed", "ask" …).
    command: str = ""
    #: For `Trigger.VOTE`: which way, and the id of the summary voted on.
    vote: Vote | None = None
    summary_id: str = ""

    @property
    def typed_text(self) -> str:
        return self.text if self.plain is None else self.plain

    @property
    def channel_key(self) -> str:
        return f"{self.platform}:{self.workspace}:{self.channel}"

    @property
    def user_key(self) -> str:
        return f"{self.platform}:{self.workspace}:{self.user}"
