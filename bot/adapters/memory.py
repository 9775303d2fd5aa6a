"""An in-memory chat platform: whole conversations through the real workflow, no network.

Like errbot's test backend: a test (or a console) posts messages, runs commands, clicks votes,
and reads back what the bot would have shown, as the workflow's own outcomes.
"""

from __future__ import annotations

import itertools
from collections import Counter
from dataclasses import dataclass, field

from bot.adapters.base import AdapterDeps
from bot.chat import (
    Accepted,
    AnswerPost,
    ChatEvent,
    Notice,
    Outcome,
    RequestOptions,
    Silent,
    SummaryPost,
    Trigger,
    VoteCounted,
)
from bot.chat.events import Vote
from bot.errors import ChannelUnavailable, PostFailed

MENTION = "@newsbot"


@dataclass(frozen=True)
class Delivered:
    """One outcome as the platform showed it: where, and to whom if only one person saw it."""

    channel: str
    thread: str
    outcome: Outcome
    #: Set when only this user saw it (a private note or summary).
    to_user: str | None = None
    #: The id of the message it became, if it became a visible message.
    message_id: str = ""


@dataclass
class _Message:
    channel: str
    user: str
    text: str
    thread: str
    is_bot: bool = False


class MemoryOutbox:
    """Records each outcome; public posts become messages with a permalink."""

    def __init__(self, platform: MemoryAdapter, event: ChatEvent) -> None:
        self.platform = platform
        self.event = event
        #: What this request produced, in order (the platform's transcript holds every request).
        self.delivered: list[Delivered] = []

    async def send(self, outcome: Outcome) -> str | None:
        event, private = self.event, _private(outcome)
        if event.channel in self.platform.gone:
            raise ChannelUnavailable(f"not_in_channel: {event.channel}")
        if self.platform.failing[event.channel] > 0:
            self.platform.failing[event.channel] -= 1
            raise PostFailed(f"internal_error in {event.channel}")
        message_id = ""
        if not private and not isinstance(outcome, Silent):
            message_id = self.platform.new_message(
                event.channel, "newsbot", _text_of(outcome), event.thread, is_bot=True
            )
        delivered = Delivered(
            event.channel, event.thread, outcome, event.user if private else None, message_id
        )
        self.delivered.append(delivered)
        self.platform.transcript.append(delivered)
        if isinstance(outcome, SummaryPost) and message_id:
            return self.platform.permalink(event.channel, message_id)
        return None


@dataclass
class MemoryAdapter:
    """A chat platform that lives in this process; each call returns what it produced."""

    deps: AdapterDeps
    workspace: str = "W1"
    platform: str = "memory"
    transcript: list[Delivered] = field(default_factory=list)
    messages: dict[str, _Message] = field(default_factory=dict)
    #: Channels the bot was removed from: posting there raises `ChannelUnavailable`.
    gone: set[str] = field(default_factory=set)
    #: Channel → how many of its next posts fail for now (`PostFailed`, like a 5xx).
    failing: Counter[str] = field(default_factory=Counter)
    _ids: itertools.count = field(default_factory=lambda: itertools.count(1))

    async def start(self) -> None:
        self.deps.readiness.mark(type(self).__name__, True)

    async def close(self) -> None:
        self.deps.readiness.mark(type(self).__name__, False)

    # --- what people do -------------------------------------------------------------------------

    async def post(
        self,
        channel: str,
        text: str,
        *,
        user: str = "U1",
        thread: str = "",
        is_bot: bool = False,
        event_id: str | None = None,
    ) -> list[Delivered]:
        """A message; starting it with "@newsbot" mentions the bot. Replays reuse `event_id`."""
        message_id = self.new_message(channel, user, text, thread, is_bot=is_bot)
        mentioned = text.lstrip().startswith(MENTION)
        trigger = Trigger.MENTION if mentioned else Trigger.AUTO
        body = text.replace(MENTION, " ") if mentioned else text
        event = self._event(
            channel, user, body, trigger, thread=thread or message_id, message_id=message_id,
            is_bot=is_bot, event_id=event_id or f"message:{message_id}",
        )  # fmt: skip
        return await self._run(event)

    async def command(
        self,
        channel: str,
        text: str,
        *,
        user: str = "U1",
        options: RequestOptions | None = None,
        command: str = "",
    ) -> list[Delivered]:
        """`/summarize text` (or `/<command> text`) with its options."""
        event = self._event(
            channel, user, text, Trigger.COMMAND, options=options or RequestOptions(),
            command=command,
        )  # fmt: skip
        return await self._run(event)

    async def ask(
        self, thread_of: str, question: str, *, user: str = "U1", is_bot: bool = False
    ) -> list[Delivered]:
        """`@newsbot <question>` in the thread of message `thread_of` (a summary's thread)."""
        message = self.messages[thread_of]
        thread = message.thread or thread_of
        return await self.post(
            message.channel, f"{MENTION} {question}", user=user, thread=thread, is_bot=is_bot
        )

    async def shortcut(self, message_id: str, *, user: str = "U1") -> list[Delivered]:
        """"Summarize" picked on an earlier message."""
        message = self.messages[message_id]
        event = self._event(
            message.channel, user, message.text, Trigger.SHORTCUT,
            thread=message.thread or message_id, message_id=message_id,
        )  # fmt: skip
        return await self._run(event)

    async def vote(
        self, message_id: str, summary_id: str, vote: Vote, *, user: str = "U1"
    ) -> list[Delivered]:
        """👍/👎 on a posted summary."""
        message = self.messages[message_id]
        event = self._event(
            message.channel, user, "", Trigger.VOTE, thread=message.thread,
            message_id=message_id, vote=vote, summary_id=summary_id,
        )  # fmt: skip
        return await self._run(event)

    def outbox_for(self, channel_key: str) -> MemoryOutbox:
        """Top-level posts in a channel ("memory:W1:C1") with no request behind them."""
        _platform, workspace, channel = channel_key.split(":", 2)
        event = ChatEvent(self.platform, workspace, channel, "", "", Trigger.AUTO)
        return MemoryOutbox(self, event)

    # --- the platform's side ----------------------------------------------------------------------

    def new_message(
        self, channel: str, user: str, text: str, thread: str, *, is_bot: bool = False
    ) -> str:
        message_id = f"m{next(self._ids)}"
        self.messages[message_id] = _Message(channel, user, text, thread, is_bot)
        return message_id

    def permalink(self, channel: str, message_id: str) -> str:
        return f"memory://{self.workspace}/{channel}/{message_id}"

    def _event(self, channel: str, user: str, text: str, trigger: Trigger, **fields) -> ChatEvent:
        return ChatEvent(self.platform, self.workspace, channel, user, text, trigger, **fields)

    async def _run(self, event: ChatEvent) -> list[Delivered]:
        outbox = MemoryOutbox(self, event)
        await self.deps.chat.handle(event, outbox)
        return outbox.delivered


def _private(outcome: Outcome) -> bool:
    """Notes, acks and vote counts are for the requester; posts are private only if asked."""
    if isinstance(outcome, Notice | Accepted | VoteCounted):
        return True
    return bool(getattr(outcome, "private", False))


def _text_of(outcome: Outcome) -> str:
    if isinstance(outcome, SummaryPost):
        return "\n".join(b.text for b in outcome.result.bullets)
    if isinstance(outcome, AnswerPost):
        return "\n".join(q[0] for q in outcome.quotes) or (outcome.note or "")
    return getattr(outcome, "text", "")
