"""The conversation, once for every platform: a `ChatEvent` in, outcomes to the adapter's outbox.

`receive` is the fast part (dedupe, policy, rate limits, votes) and fits inside a platform's
acknowledgement deadline; `carry_out` does the slow part (fetch, extract, summarize) and
remembers what was posted where. `handle` runs both.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Protocol

from bot.chat.events import ChatEvent, Trigger
from bot.chat.outcomes import (
    AlreadySummarized,
    Failure,
    Notice,
    Outbox,
    Outcome,
    Silent,
    SummaryPost,
    VoteCounted,
)
from bot.chat.policy import ChatPolicy, Plan
from bot.chat.posts import vote_key
from bot.errors import BlockedURLError, BotError, RateLimited, UsageError
from bot.observability import METRICS
from bot.results import SummaryResult
from bot.service import SummaryService
from bot.state import StateStore

log = logging.getLogger(__name__)

#: Slack retries a delivery for up to ~5 minutes; remember delivery ids well past that.
EVENT_CLAIM_TTL = 3600.0
#: Told to a user whose summary was still running when shutdown's grace period ran out.
CUT_OFF = "I'm restarting and couldn't finish this summary; please ask again in a minute."
OOPS = "Something went wrong on my side while summarizing that; sorry. Please try again later."
#: Skip reasons nobody is told about, even when they mentioned the bot.
_UNTOLD = ("message from a bot", "opted out")


@dataclass(frozen=True)
class Conversation:
    """The decision about one event: work to do, or the one answer to give instead."""

    event: ChatEvent
    plan: Plan | None = None
    #: The whole answer when there is no work (a refusal, "already here", a vote's counts).
    reply_now: Outcome | None = None
    #: The feature that took the event (a digest, a question…), None for summaries.
    feature: Feature | None = None
    #: A feature's own record of the work to do.
    work: object = None

    @property
    def has_work(self) -> bool:
        if self.feature is not None:
            return self.work is not None
        return self.plan is not None and self.plan.has_work


class Feature(Protocol):
    """A capability beside summaries (digests, questions, feeds), written once for all
    platforms: it claims the events that are its own and answers them through the outbox."""

    async def wants(self, event: ChatEvent) -> bool:
        """True for events this feature answers (its command, a question in a thread…)."""
        ...

    async def receive(self, event: ChatEvent) -> Conversation:
        """The fast decision, as `ChatWorkflow.receive`."""
        ...

    async def carry_out(self, conversation: Conversation, outbox: Outbox) -> None:
        """The slow part, as `ChatWorkflow.carry_out`."""
        ...


#: Told about every public summary post: (the request, what was posted, its permalink).
PostListener = Callable[[ChatEvent, SummaryPost, str], Awaitable[None]]
#: Told when the bot was removed: (platform, workspace, channel; "" = the whole workspace).
LeftListener = Callable[[str, str, str], Awaitable[None]]


class ChatWorkflow:
    """Decides what each chat event gets, and gets it, without knowing any platform."""

    def __init__(
        self,
        service: SummaryService,
        policy: ChatPolicy,
        state: StateStore,
        features: Iterable[Feature] = (),
    ) -> None:
        self.service = service
        self.policy = policy
        self.state = state
        self.features: list[Feature] = list(features)
        self._post_listeners: list[PostListener] = []
        self._left_listeners: list[LeftListener] = []

    def on_posted(self, listener: PostListener) -> None:
        """Call `listener` after each public summary post (digests record them, say)."""
        self._post_listeners.append(listener)

    def on_left(self, listener: LeftListener) -> None:
        """Call `listener` when the bot is removed from a channel or workspace (feeds forget it)."""
        self._left_listeners.append(listener)

    async def left(self, platform: str, workspace: str, channel: str = "") -> None:
        """The bot was removed from `channel` (or from the whole workspace/guild when "")."""
        log.info("removed from %s:%s:%s", platform, workspace, channel or "*")
        for listener in self._left_listeners:
            try:
                await listener(platform, workspace, channel)
            except Exception:  # noqa: BLE001 - one feature's failure must not stop the others
                log.exception("left listener failed for %s:%s", platform, workspace)

    async def handle(self, event: ChatEvent, outbox: Outbox) -> None:
        """The whole conversation: decide, answer or do the work, every outcome to `outbox`."""
        conversation = await self.receive(event)
        if conversation.reply_now is not None:
            await self._send(outbox, conversation.reply_now, event)
        await self.carry_out(conversation, outbox)

    async def receive(self, event: ChatEvent) -> Conversation:
        """The fast decision (no fetching): fits inside Slack's 3 s and Discord's defer."""
        if not await self._first_delivery(event):
            return Conversation(event, reply_now=Silent("duplicate delivery"))
        if event.trigger is Trigger.VOTE:
            return Conversation(event, reply_now=await self._vote(event))
        for feature in self.features:
            if await feature.wants(event):
                conversation = await feature.receive(event)
                return dataclasses.replace(conversation, feature=feature)
        if event.command:
            return Conversation(event, reply_now=Notice(f"I don't know /{event.command}.", "usage"))
        try:
            plan = await self.policy.plan(event)
        except (RateLimited, UsageError) as exc:
            METRICS.request(event.platform, event.trigger.value, exc.kind)
            if event.trigger.explicit:
                return Conversation(event, reply_now=Notice(exc.message, exc.kind))
            return Conversation(event, reply_now=Silent(f"auto summary refused: {exc.kind}"))
        if plan.has_work:
            return Conversation(event, plan)
        if plan.already_posted:
            return Conversation(event, plan, self._already(event, plan))
        reason = plan.skip_reason or "nothing to do"
        if event.trigger.explicit and reason not in _UNTOLD:
            return Conversation(event, plan, Notice(f"Nothing to summarize: {reason}.", "skip"))
        return Conversation(event, plan, Silent(reason))

    async def carry_out(self, conversation: Conversation, outbox: Outbox) -> None:
        """The slow part: each link (or the pasted text) summarized and delivered in turn."""
        if conversation.feature is not None:
            if conversation.has_work:
                await conversation.feature.carry_out(conversation, outbox)
            return
        plan, event = conversation.plan, conversation.event
        if plan is None or not plan.has_work:
            return
        if plan.already_posted:
            await self._send(outbox, self._already(event, plan), event)
        for url in plan.links:
            await self._summarize(event, outbox, url=url)
        if plan.text:
            await self._summarize(event, outbox, text=plan.text)

    async def publish(self, event: ChatEvent, outbox: Outbox, post: SummaryPost) -> str | None:
        """Post a summary nobody asked for just now (a feed's new story) as any other post:
        remembered for "already summarized here" and told to the post listeners. A quiet one is
        not posted at all: only the listeners hear of it (the digest records it)."""
        if post.quiet:
            await self._tell_listeners(event, post, "")
            return None
        permalink = await self._send(outbox, post, event)
        await self._posted(event, post, permalink)
        return permalink

    # --- steps ------------------------------------------------------------------------------

    async def _first_delivery(self, event: ChatEvent) -> bool:
        """Retries and replays carry the same delivery id: only the first one runs."""
        if not event.event_id:
            return True
        key = f"{event.platform}:event:{event.event_id}"
        try:
            return await self.state.claim(key, EVENT_CLAIM_TTL)
        except Exception as exc:  # noqa: BLE001 - a dead store must not drop events
            log.warning("event dedupe unavailable (%s); handling %s", exc, event.event_id)
            return True

    async def _vote(self, event: ChatEvent) -> Outcome:
        if event.vote is None or not event.summary_id:
            return Notice("I can't tell which summary this vote is for.", "usage")
        key = vote_key(event)
        try:
            ups, downs = await self.state.record_vote(key, event.user_key, event.vote)
        except Exception as exc:  # noqa: BLE001 - a lost vote is not worth an error message
            log.warning("could not record vote on %s: %s", key, exc)
            return Silent("vote not stored")
        log.info("vote %s on summary %s (%d up, %d down)", event.vote, key, ups, downs)
        return VoteCounted(event.summary_id, ups, downs)

    async def _summarize(
        self, event: ChatEvent, outbox: Outbox, *, url: str | None = None, text: str = ""
    ) -> None:
        trigger = event.trigger.value
        try:
            result = await self._summary(event, url, text)
        except BotError as exc:
            METRICS.request(event.platform, trigger, exc.kind)
            await self._send(outbox, self._failure(event, exc), event)
            return
        except asyncio.CancelledError:
            # shutdown outlived its grace period: say so rather than go silent, then stop
            METRICS.request(event.platform, trigger, "cut_off")
            with contextlib.suppress(Exception):
                await asyncio.wait_for(outbox.send(self._told(event, CUT_OFF, "cut_off")), 5)
            raise
        except Exception:
            METRICS.request(event.platform, trigger, "error")
            log.exception("summary failed in %s", event.channel_key)
            outcome = self._told(event, OOPS, "error") if event.trigger.explicit else None
            await self._send(outbox, outcome or Silent("summary failed"), event)
            return
        METRICS.request(event.platform, trigger, "ok")
        post = SummaryPost(result, url, event.options.private)
        with METRICS.time_stage("post"):
            permalink = await self._send(outbox, post, event)
        await self._posted(event, post, permalink)

    async def _posted(self, event: ChatEvent, post: SummaryPost, permalink: str | None) -> None:
        """A public post is remembered for "already summarized here" and told to the listeners."""
        if permalink and not post.private:
            if post.url:
                await self.policy.remember_post(event, post.url, permalink)
            await self._tell_listeners(event, post, permalink)

    async def _tell_listeners(self, event: ChatEvent, post: SummaryPost, permalink: str) -> None:
        """All at once: a slow listener (a digest encoding the post) must not keep a quick one
        (the thread a question will be asked in) waiting."""

        async def tell(listener: PostListener) -> None:
            try:
                await listener(event, post, permalink)
            except Exception:  # noqa: BLE001 - a listener's failure must not undo the post
                log.exception("post listener failed in %s", event.channel_key)

        await asyncio.gather(*(tell(listener) for listener in self._post_listeners))

    async def _summary(self, event: ChatEvent, url: str | None, text: str) -> SummaryResult:
        options = event.options
        if url:
            return await self.service.summarize_url(
                url, bullets=options.bullets, language=options.language
            )
        return await self.service.summarize_text(
            text, bullets=options.bullets, language=options.language
        )

    def _failure(self, event: ChatEvent, exc: BotError) -> Outcome:
        """Explicit requests always hear why; auto ones skip what nobody asked about."""
        if isinstance(exc, RateLimited | UsageError):
            return self._told(event, exc.message, exc.kind) if event.trigger.explicit else Silent(
                exc.kind
            )
        if event.trigger is Trigger.AUTO and isinstance(exc, BlockedURLError):
            return Silent("auto summary of a blocked URL")
        return self._told(event, exc.message, exc.kind)

    @staticmethod
    def _told(event: ChatEvent, text: str, kind: str) -> Outcome:
        """A problem goes to the requester alone after a command or menu, else to the thread."""
        if event.trigger.interactive:
            return Notice(text, kind)
        return Failure(text, kind)

    @staticmethod
    def _already(event: ChatEvent, plan: Plan) -> AlreadySummarized:
        return AlreadySummarized(plan.already_posted, private=event.trigger.interactive)

    @staticmethod
    async def _send(outbox: Outbox, outcome: Outcome, event: ChatEvent) -> str | None:
        if isinstance(outcome, Silent):
            log.debug("nothing posted in %s: %s", event.channel_key, outcome.reason)
        return await outbox.send(outcome)
