"""Records every public summary post for digests (a `ChatWorkflow.on_posted` listener)."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable

from bot.chat import ChatEvent, SummaryPost
from bot.chat.posts import message_id_of, vote_key
from bot.digests.model import DigestEntry
from bot.digests.store import DigestStore
from bot.digests.vectors import Encoder, with_vectors
from bot.stores import Clock

log = logging.getLogger(__name__)

class DigestRecorder:
    """Turns a public summary post into a `DigestEntry`; DMs and private answers are skipped."""

    def __init__(
        self,
        store: DigestStore,
        *,
        clock: Clock = time.time,
        encoder: Callable[[], Awaitable[Encoder | None]] | None = None,
    ) -> None:
        self.store = store
        self.clock = clock
        #: Vectors are made now, once per post, so a digest encodes nothing.
        self.encoder = encoder

    async def __call__(self, event: ChatEvent, post: SummaryPost, permalink: str) -> None:
        if post.private or not (permalink or post.quiet) or is_direct(event):
            return
        result = post.result
        posted = event.__class__(
            event.platform, event.workspace, event.channel, event.user, "", event.trigger,
            message_id=message_id_of(event.platform, permalink),
        )  # fmt: skip
        entry = DigestEntry(
            channel_key=event.channel_key,
            url=post.url or result.url or "",
            title=(result.title or "").strip(),
            site=result.site or "",
            bullets=tuple(b.text for b in result.bullets),
            poster=event.user_key,
            posted_at=self.clock(),
            permalink=permalink,
            article_url=result.url or "",
            vote_key=vote_key(posted) if posted.message_id else "",
        )
        encoder = await self.encoder() if self.encoder is not None else None
        if encoder is not None:
            entry = await asyncio.to_thread(with_vectors, entry, encoder)
        await self.store.add(entry)
        log.debug("recorded %s for digests of %s", entry.url or "pasted text", entry.channel_key)


def is_direct(event: ChatEvent) -> bool:
    """A direct message is nobody's channel: Discord DMs have no guild, Slack's are "D…"."""
    if not event.workspace:
        return True
    return event.platform == "slack" and event.channel.startswith("D")
