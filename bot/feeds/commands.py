"""`/feed add <url>`, `/feed list`, `/feed remove <url|n>`: one feature for every platform."""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from bot.chat import Accepted, ChatEvent, Conversation, Notice, Outbox
from bot.config import FeedsConfig
from bot.errors import BotError
from bot.feeds.reader import Work, resolve_feed
from bot.feeds.store import FeedState, FeedStore, Subscription
from bot.urls import normalize_url, split_http_url

if TYPE_CHECKING:
    from bot.feeds.poller import FeedPoller
    from bot.fetch import Fetcher

USAGE = (
    "Usage: `/feed add <feed or site URL> [quiet]` to follow a feed in this channel (quiet: its "
    "stories only go into `/digest`), `/feed list`, `/feed remove <URL or number from the list>`."
)
NOT_ALLOWED = "Only the people this bot's operator listed may change this channel's feeds."
CHECKING = "Checking that feed…"
MANAGED = (
    "{} is followed here because the bot's config lists it ([[feeds.subscriptions]]); "
    "ask the bot's operator to remove it there."
)


class FeedCommands:
    """The `feed` command's answers; subscriptions go to the shared `FeedStore`."""

    def __init__(
        self,
        config: FeedsConfig,
        store: FeedStore,
        poller: FeedPoller,
        fetcher: Fetcher,
        *,
        clock: Callable[[], float] = time.time,
        managed: frozenset[tuple[str, str]] = frozenset(),
        work: Work = asyncio.to_thread,
    ) -> None:
        self.config = config
        self.store = store
        self.poller = poller
        self.fetcher = fetcher
        self.clock = clock
        #: (channel key, feed URL) pairs listed in [[feeds.subscriptions]]: chat can't remove
        #: them (the next start would add them again); the operator edits the config instead.
        self.managed = managed
        #: Where feeds are parsed (see `Work`).
        self.work = work

    async def wants(self, event: ChatEvent) -> bool:
        return event.command == "feed"

    async def receive(self, event: ChatEvent) -> Conversation:
        verb, _, arg = event.typed_text.strip().partition(" ")
        verb, arg = verb.lower(), arg.strip()
        if verb == "list":
            return _say(event, await self._list(event.channel_key))
        if verb not in ("add", "remove"):
            return _say(event, USAGE, "usage")
        if not self._may_change(event):
            return _say(event, NOT_ALLOWED, "forbidden")
        if not arg:
            return _say(event, USAGE, "usage")
        if verb == "remove":
            return _say(event, await self._remove(event.channel_key, arg))
        url, _, mode = arg.partition(" ")
        if mode.strip().lower() not in ("", "quiet"):
            return _say(event, USAGE, "usage")
        try:
            split_http_url(url)
        except BotError as exc:
            return _say(event, exc.message, exc.kind)
        return Conversation(event, reply_now=Accepted(CHECKING), work=(url, bool(mode.strip())))

    async def carry_out(self, conversation: Conversation, outbox: Outbox) -> None:
        """`/feed add`: find and read the feed, then subscribe the channel and poll it now."""
        event = conversation.event
        url, quiet = conversation.work  # type: ignore[misc]
        try:
            feed_url, feed = await resolve_feed(self.fetcher, url, work=self.work)
            feed_url = normalize_url(feed_url)
        except BotError as exc:
            await outbox.send(Notice(f"I can't follow {url}: {exc.message}", exc.kind))
            return
        current = await self.store.subscriptions(event.channel_key)
        for sub in current:
            if sub.url == feed_url:
                await outbox.send(Notice(await self._resume(sub)))
                return
        if len(current) >= self.config.max_feeds_per_channel:
            limit = self.config.max_feeds_per_channel
            await outbox.send(Notice(f"This channel already follows {limit} feeds, the limit."))
            return
        sub = Subscription(
            event.channel_key, feed_url, feed.title, event.user_key, self.clock(), quiet=quiet
        )
        await self.store.add(sub)
        self.poller.poll_soon(feed_url)
        latest = min(self.config.initial_items, len(feed.items))
        what = (
            "I won't post its stories: each new one goes into this channel's `/digest`."
            if quiet
            else f"I'll post its latest {latest} stories, then each new one."
        )
        await outbox.send(
            Notice(f"This channel now follows {feed.title} ({feed_url}). {what}", "feed_added")
        )

    # --- helpers -------------------------------------------------------------------------------

    def _may_change(self, event: ChatEvent) -> bool:
        """Slack: everyone, or the configured user ids. Discord checks Manage Channels itself."""
        allowed = self.config.slack_subscribers
        return event.platform != "slack" or not allowed or event.user in allowed

    async def _list(self, channel_key: str) -> str:
        subs = await self.store.subscriptions(channel_key)
        if not subs:
            return "This channel follows no feeds. " + USAGE
        lines = []
        for n, sub in enumerate(subs, 1):
            paused = f" (paused: {sub.paused})" if sub.paused else ""
            quiet = " (quiet: digest only)" if sub.quiet else ""
            managed = " (set in the bot's config)" if (channel_key, sub.url) in self.managed else ""
            lines.append(f"{n}. {sub.title or sub.url} <{sub.url}>{quiet}{managed}{paused}")
        return "Feeds followed here:\n" + "\n".join(lines)

    async def _remove(self, channel_key: str, arg: str) -> str:
        subs = await self.store.subscriptions(channel_key)
        chosen = None
        if arg.isdigit() and 1 <= int(arg) <= len(subs):
            chosen = subs[int(arg) - 1]
        else:
            try:
                wanted = normalize_url(arg)
            except BotError:
                wanted = arg
            chosen = next((s for s in subs if s.url in (wanted, arg)), None)
        if chosen is None:
            return f"This channel doesn't follow {arg}. `/feed list` shows what it follows."
        if (channel_key, chosen.url) in self.managed:
            return MANAGED.format(chosen.title or chosen.url)
        await self.store.remove(channel_key, chosen.url)
        return f"This channel no longer follows {chosen.title or chosen.url}."

    async def _resume(self, sub: Subscription) -> str:
        if not sub.paused:
            return f"This channel already follows {sub.title or sub.url}."
        await self.store.update(dataclasses.replace(sub, paused=""))
        await self.store.save_state(sub.url, FeedState())  # a fresh start: no backoff
        self.poller.poll_soon(sub.url)
        return f"Resumed {sub.title or sub.url} here."


def _say(event: ChatEvent, text: str, kind: str = "notice") -> Conversation:
    return Conversation(event, reply_now=Notice(text, kind))
