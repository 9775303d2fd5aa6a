"""Follow-up questions, once for every platform: a question in a summary's thread (or /ask)
is answered with the article's own sentences, quoted, or "The article doesn't say."

The article comes back from the core: a link's summary keeps its article text in the cache
(no re-fetch while it lives; after that the core fetches it again under the same rules), and
pasted text is kept per channel thread for the cache's TTL (see `threads`).
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass

from bot.chat import AnswerPost, ChatEvent, Notice, Outbox, Silent, SummaryPost, Trigger
from bot.chat.policy import ChatPolicy
from bot.chat.workflow import Conversation
from bot.config import Config
from bot.errors import BotError, RateLimited, UsageError
from bot.questions.asking import checked_question, clean_question
from bot.questions.threads import ThreadIndex, ThreadSummary
from bot.questions.writing import AnswerWriter
from bot.service import SummaryService
from bot.state import StateStore
from bot.urls import find_links
from summarizer import AnswerFinder, load_encoder

log = logging.getLogger(__name__)

NO_SUMMARY = (
    "I can only answer questions in the thread of a summary I posted here recently "
    "(not a private one); this thread has none I can see."
)
NO_SUMMARY_IN_CHANNEL = "There's no recent summary in this channel to ask about."
PASTE_GONE = (
    "I can no longer see the text that summary was made from (pasted text is kept only for a "
    "while). Paste it again with /summarize to ask about it."
)
OOPS = "Something went wrong on my side while answering that; sorry. Please try again later."
OTHER_LANGUAGE = (
    "I couldn't find that in the article. Your question seems to be in another language than "
    "the article; try asking in the article's language."
)


@dataclass(frozen=True)
class Ask:
    """The work a question needs: the cleaned question and the summary it is about."""

    question: str
    record: ThreadSummary


class QuestionFeature:
    """Answers questions about posted summaries (a `Feature` of the chat workflow)."""

    def __init__(
        self,
        config: Config,
        service: SummaryService,
        policy: ChatPolicy,
        state: StateStore,
        *,
        finder: Callable[[], AnswerFinder] | None = None,
        writer: AnswerWriter | None = None,
    ) -> None:
        self.config = config.questions
        self.service = service
        self.policy = policy
        self.state = state
        self.threads = ThreadIndex(state, article_ttl=config.cache.ttl_seconds)
        self.writer = writer
        self._make_finder = finder or (lambda: AnswerFinder(load_encoder(config.summarizer)))
        self._finder: AnswerFinder | None = None
        self._finder_lock = threading.Lock()

    async def on_posted(self, event: ChatEvent, post: SummaryPost, permalink: str) -> None:
        """Workflow listener: remember which thread got which summary."""
        if not permalink:  # recorded quietly for a digest: there is no thread to ask in
            return
        await self.threads.remember(event, post, permalink)

    # --- Feature ------------------------------------------------------------------------------

    async def wants(self, event: ChatEvent) -> bool:
        if event.command == "ask":
            return True
        if event.command or event.trigger is not Trigger.MENTION:
            return False
        if not event.thread or event.thread == event.message_id:
            return False  # not in a thread: a summary request as before
        if await self._record(event) is not None:
            # a bare link in a summary's thread is still a request to summarize it
            return not (find_links(event.text) and len(clean_question(event.typed_text)) < 3)
        if event.is_bot or find_links(event.text):
            return False
        return len(event.typed_text.strip()) < self.policy.config.min_text_chars

    async def receive(self, event: ChatEvent) -> Conversation:
        if event.is_bot:
            return Conversation(event, reply_now=Silent("message from a bot"))
        if event.command == "ask":
            record = await self.threads.latest(event.channel_key)
            missing = NO_SUMMARY_IN_CHANNEL
        else:
            record = await self._record(event)
            missing = NO_SUMMARY
        if record is None:
            return Conversation(event, reply_now=Notice(missing, "usage"))
        try:
            question = checked_question(event.typed_text, self.config.max_question_chars)
            await self.policy.count_request(event)
            await self._count_thread(event, record)
        except (UsageError, RateLimited) as exc:
            return Conversation(event, reply_now=Notice(exc.message, exc.kind))
        return Conversation(event, work=Ask(question, record))

    async def carry_out(self, conversation: Conversation, outbox: Outbox) -> None:
        ask, event = conversation.work, conversation.event
        assert isinstance(ask, Ask)
        try:
            text = await self._article(event, ask.record)
            if text is None:
                await outbox.send(Notice(PASTE_GONE, "expired"))
                return
            await outbox.send(await self._answer(text, ask))
        except BotError as exc:
            await outbox.send(Notice(exc.message, exc.kind))
        except Exception:
            log.exception("question failed in %s", event.channel_key)
            await outbox.send(Notice(OOPS, "error"))

    # --- steps --------------------------------------------------------------------------------

    async def _record(self, event: ChatEvent) -> ThreadSummary | None:
        try:
            return await self.threads.find(event.channel_key, event.thread)
        except Exception as exc:  # noqa: BLE001 - a dead store means "no summary known"
            log.warning("question thread lookup failed: %s", exc)
            return None

    async def _count_thread(self, event: ChatEvent, record: ThreadSummary) -> None:
        limit = self.config.thread_answers_per_hour
        thread = record.thread or record.summary_id
        wait = await self.state.hit_rate_limit(
            f"question-thread:{event.channel_key}:{thread}", limit, 3600.0
        )
        if wait > 0:
            minutes = max(1, round(wait / 60))
            raise RateLimited(
                f"This summary has had its {limit} answers for this hour; "
                f"ask again in {minutes} min.",
                retry_after=wait,
            )

    async def _article(self, event: ChatEvent, record: ThreadSummary) -> str | None:
        """The article's text: kept with the summary, or fetched again by the core."""
        if record.url is None:
            return await self.threads.pasted_text(event.channel_key, record)
        result = await self.service.summarize_url(
            record.url, bullets=record.bullets, language=record.language
        )
        return result.article_text

    async def _answer(self, text: str, ask: Ask) -> AnswerPost:
        answer = await asyncio.to_thread(self.finder().answer, text, ask.question)
        quotes = tuple((q.text, q.start, q.end) for q in answer.quotes)
        note = OTHER_LANGUAGE if answer.other_language and not quotes else None
        written = None
        if quotes and self.writer is not None:
            written = await self.writer.write(ask.question, [q[0] for q in quotes])
        return AnswerPost(ask.question, quotes, ask.record.url, written, note)

    def finder(self) -> AnswerFinder:
        """Built on first use: the encoder's table loads only when someone asks."""
        with self._finder_lock:
            if self._finder is None:
                self._finder = self._make_finder()
            return self._finder
