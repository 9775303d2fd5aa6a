"""Which summary each thread holds, and the pasted text it was made from, in the shared store.

A question arrives in a thread; this index says which article that thread's summary was made
from. Records sit in the `StateStore` (shared by replicas) under the channel's key, so nothing
is ever found from another workspace or channel. Pasted text is kept for the cache's TTL; the
record outlives it, so a late question hears "I can no longer see it" instead of silence.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import asdict, dataclass

from bot.chat import ChatEvent, SummaryPost
from bot.chat.posts import message_id_of
from bot.state import StateStore

log = logging.getLogger(__name__)

#: A thread's record outlives its article by this factor (bounded by the store's month).
RECORD_TTL_FACTOR = 7
MAX_RECORD_TTL = 30 * 86_400.0
_NOT_ALNUM = re.compile(r"[^0-9A-Za-z]")
_THREAD, _PASTE, _LATEST = "question-thread:", "question-paste:", "question-latest"


@dataclass(frozen=True)
class ThreadSummary:
    """What a question needs to find the article again: the link and the summary's options,
    or, for pasted text, the thread whose kept text it is."""

    url: str | None
    thread: str
    summary_id: str = ""
    title: str | None = None
    bullets: int | None = None
    language: str | None = None


class ThreadIndex:
    """Summary threads per channel, for follow-up questions."""

    def __init__(self, state: StateStore, *, article_ttl: float) -> None:
        self.state = state
        self.article_ttl = article_ttl
        self.record_ttl = min(max(article_ttl, 3600.0) * RECORD_TTL_FACTOR, MAX_RECORD_TTL)

    async def remember(self, event: ChatEvent, post: SummaryPost, permalink: str) -> None:
        """A public summary was posted: its thread (and its own message) now lead to it."""
        result = post.result
        # Slack asks in the request's thread; Discord replies to the summary message itself,
        # whose id its permalink names (and a command's summary has no request thread).
        post_id = message_id_of(event.platform, permalink)
        anchor = event.thread or post_id
        record = ThreadSummary(
            post.url, anchor, result.summary_id, result.title,
            event.options.bullets, event.options.language,
        )  # fmt: skip
        doc = json.dumps(asdict(record), ensure_ascii=False)
        channel = event.channel_key
        for thread in {_id(anchor), _id(post_id)} - {""}:
            await self.state.remember_post(channel, _THREAD + thread, doc, self.record_ttl)
        await self.state.remember_post(channel, _LATEST, doc, self.record_ttl)
        if post.url is None and result.article_text and self.article_ttl > 0:
            await self.state.remember_post(
                channel, _PASTE + anchor, result.article_text, self.article_ttl
            )

    async def find(self, channel_key: str, thread: str) -> ThreadSummary | None:
        """The summary a thread (or a summary message) holds, if it is remembered."""
        if not thread:
            return None
        return _record(await self.state.find_post(channel_key, _THREAD + _id(thread)))

    async def latest(self, channel_key: str) -> ThreadSummary | None:
        """The channel's most recent public summary (for Discord's /ask)."""
        return _record(await self.state.find_post(channel_key, _LATEST))

    async def pasted_text(self, channel_key: str, record: ThreadSummary) -> str | None:
        """The pasted text a summary was made from, while it is kept."""
        return await self.state.find_post(channel_key, _PASTE + record.thread)


def _id(message_id: str) -> str:
    """A message id without punctuation or a leading "p": a Slack permalink names a message
    "p1700000000000100" where its thread replies say thread_ts "1700000000.000100"."""
    plain = _NOT_ALNUM.sub("", message_id)
    return plain[1:] if plain[:1] == "p" and plain[1:].isdigit() else plain


def _record(doc: str | None) -> ThreadSummary | None:
    if not doc:
        return None
    try:
        return ThreadSummary(**json.loads(doc))
    except (ValueError, TypeError):
        log.warning("ignoring an unreadable question-thread record")
        return None
