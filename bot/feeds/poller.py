"""One polling task per feed: conditional GET, new items summarized and posted once per channel.

Once means: an item is new by its key (GUID, else normalised link) until the shared "seen"
index has it; a lock per channel+feed+item decides which replica posts it, and is kept after
the post (released only when the platform did not take it, so the item is tried again). A
per-feed lease keeps two replicas from polling one feed at the same moment, and a note of the
last poll keeps them from each polling it every interval. Items over a channel's hourly cap,
whose summary could not be made *yet* (busy model) or whose post failed for now are held: the
feed's validators are not saved, so the next poll reads the full feed again and offers them
again.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import random
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from bot.chat import ChatEvent, ChatWorkflow, Failure, Outbox, SummaryPost, Trigger
from bot.config import FeedsConfig
from bot.errors import BotError, BusyError, ChannelUnavailable, PostFailed
from bot.feeds.parse import FeedItem, ParsedFeed
from bot.feeds.reader import Work, read_feed
from bot.feeds.store import FeedState, FeedStore, Subscription
from bot.state import StateStore

if TYPE_CHECKING:
    from bot.fetch import Fetcher

log = logging.getLogger(__name__)

#: How long an item stays "seen": far longer than any feed keeps an item.
SEEN_TTL = 400 * 86_400.0
#: A poll (with the summaries of its new items) holding a feed's lease longer than this
#: lets another replica take over.
POLL_LEASE = 900.0
#: How often the set of feeds to poll is re-read (subscriptions made on another replica).
REFRESH_EVERY = 60.0
#: Seconds before a feed is read again when the page workers were all busy.
BUSY_RETRY = 60.0

#: Where each feed's last successful poll is noted (value: the replica), until it is due again.
POLLED_SPACE = "feedpolled"

OutboxFor = Callable[[str], Outbox]


@dataclass
class PollStats:
    """Counters for logs, tests and the benchmark."""

    polls: int = 0
    not_modified: int = 0
    parsed: int = 0
    posted: int = 0
    failures: int = 0
    held: int = 0
    posts: list[tuple[str, str]] = field(default_factory=list)  # (channel_key, item link)


class FeedPoller:
    """Polls every followed feed and posts its new stories; `poll(url)` is one round."""

    def __init__(
        self,
        config: FeedsConfig,
        store: FeedStore,
        state: StateStore,
        fetcher: Fetcher,
        chat: ChatWorkflow,
        *,
        clock: Callable[[], float] = time.time,
        rng: Callable[[], float] = random.random,
        record_posts: bool = False,
        work: Work = asyncio.to_thread,
    ) -> None:
        self.config = config
        self.store = store
        self.state = state
        self.fetcher = fetcher
        self.chat = chat
        self.clock = clock
        self.rng = rng
        self.stats = PollStats()
        #: Tells this process's polls from other replicas' (each feed is polled by one of them).
        self.replica = uuid.uuid4().hex[:12]
        self._record_posts = record_posts
        #: Where feeds are parsed (see `Work`).
        self.work = work
        self._outbox_for: OutboxFor | None = None
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._wake: dict[str, asyncio.Event] = {}
        self._refresher: asyncio.Task[None] | None = None
        self._running = False

    # --- lifecycle ---------------------------------------------------------------------------

    def attach(self, outbox_for: OutboxFor) -> None:
        """Where posts go; enough for `poll` (tests call it round by round)."""
        self._outbox_for = outbox_for

    async def start(self, outbox_for: OutboxFor, *, spread: float | None = None) -> None:
        """Poll every live feed from now on, first polls spread over `spread` seconds."""
        self.attach(outbox_for)
        self._running = True
        if spread is None:
            spread = min(60.0, self.config.poll_interval)
        await self.refresh(spread=spread)
        self._refresher = asyncio.create_task(self._refresh_loop(), name="feeds-refresh")

    async def close(self) -> None:
        self._running = False
        tasks = [*self._tasks.values(), *([self._refresher] if self._refresher else [])]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._tasks.clear()
        self._refresher = None

    async def refresh(self, *, spread: float = 0.0) -> None:
        """Start a task for each live feed not polled yet; stop those nobody follows."""
        live = {s.url for s in await self.store.subscriptions() if not s.paused}
        for url in live - self._tasks.keys():
            self._start_task(url, delay=self.rng() * spread)
        for url in self._tasks.keys() - live:
            self._tasks.pop(url).cancel()

    def poll_soon(self, url: str) -> None:
        """Poll `url` now (a new subscription): its task is started or woken."""
        if not self._running:
            return
        if url in self._tasks and not self._tasks[url].done():
            self._wake[url].set()
        else:
            self._start_task(url, delay=0.0)

    def _start_task(self, url: str, delay: float) -> None:
        self._wake[url] = asyncio.Event()
        self._tasks[url] = asyncio.create_task(self._run(url, delay), name=f"feed {url}")

    async def _refresh_loop(self) -> None:
        while True:
            await asyncio.sleep(REFRESH_EVERY)
            try:
                await self.refresh(spread=self.config.poll_interval)
            except Exception:  # noqa: BLE001 - the store may be briefly away; try again later
                log.exception("could not re-read feed subscriptions")

    async def _run(self, url: str, delay: float) -> None:
        wait = delay
        while True:
            wake = self._wake[url]
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(wake.wait(), wait)
            wake.clear()
            try:
                wait = await self.poll(url)
            except Exception:  # noqa: BLE001 - one feed's bug must not stop its polling
                log.exception("feed poll failed: %s", url)
                wait = self._jittered(self.config.poll_interval)

    # --- one round ---------------------------------------------------------------------------

    async def poll(self, url: str) -> float:
        """Poll `url` once if it is due and no replica is polling it; seconds to the next."""
        interval = self._jittered(self.config.poll_interval)
        now = self.clock()
        feed_state = await self.store.state(url)
        if feed_state.next_poll > now:
            return feed_state.next_poll - now
        if await self._polled_elsewhere(url):
            return interval
        lease = f"feedpoll:{url}"
        if not await self.state.acquire_lock(lease, POLL_LEASE):
            return interval
        try:
            subs = [s for s in await self.store.followers(url) if not s.paused]
            if not subs:
                return interval
            full = any(not s.primed for s in subs)  # a new follower needs the whole feed
            self.stats.polls += 1
            try:
                read = await read_feed(
                    self.fetcher, url,
                    etag=None if full else feed_state.etag,
                    last_modified=None if full else feed_state.last_modified,
                    work=self.work,
                )  # fmt: skip
            except BusyError:  # our page workers are full, not the feed's fault
                return min(interval, BUSY_RETRY)
            except BotError as exc:
                return await self._failed(url, feed_state, subs, exc)
            wait = max(interval, read.retry_after or 0.0)
            healthy = FeedState(feed_state.etag, feed_state.last_modified)
            if read.feed is None:
                self.stats.not_modified += 1
                if healthy != feed_state:  # a 304 after failures: they are over
                    await self.store.save_state(url, healthy)
                await self._note_polled(url, wait)
                return wait
            self.stats.parsed += 1
            held = False
            for sub in subs:
                held |= await self._deliver(sub, read.feed)
            if not held:  # only now may the next poll skip what this one saw
                healthy = FeedState(read.etag, read.last_modified)
            else:
                self.stats.held += 1
                wait = min(wait, 300.0)
            await self.store.save_state(url, healthy)
            await self._note_polled(url, wait)
            return wait
        finally:
            await self.state.release_lock(lease)

    async def _polled_elsewhere(self, url: str) -> bool:
        """True if another replica polled `url`, it is not due again yet and no new follower
        waits for it: one poll per interval reaches the publisher, however many replicas run.
        Checked before the lease, so a replica that skips never keeps the other from polling."""
        by = await self.state.find_post(POLLED_SPACE, url)
        if by is None or by == self.replica:
            return False
        return all(s.primed or s.paused for s in await self.store.followers(url))

    async def _note_polled(self, url: str, wait: float) -> None:
        await self.state.remember_post(POLLED_SPACE, url, self.replica, wait)

    async def _deliver(self, sub: Subscription, feed: ParsedFeed) -> bool:
        """Post the feed's unseen items in `sub`'s channel, oldest first; True if some wait."""
        seen = _seen_space(sub)
        if not sub.primed:
            for item in feed.items[self.config.initial_items :]:
                await self.state.remember_post(seen, item.key, "backlog", SEEN_TTL)
            sub = dataclasses.replace(sub, primed=True, title=sub.title or feed.title)
            await self.store.update(sub)
        for item in reversed(feed.items):
            if await self.state.find_post(seen, item.key):
                continue
            outcome = await self._post_item(sub, feed, item)
            if outcome == "hold":
                return True
            if outcome == "stop":
                return False
            if outcome == "elsewhere":  # another replica posts it, and marks it seen if it can
                continue
            await self.state.remember_post(seen, item.key, outcome, SEEN_TTL)
        return False

    async def _post_item(self, sub: Subscription, feed: ParsedFeed, item: FeedItem) -> str:
        """ "posted", a reason it never will be, "hold" (try again later), "stop" (paused) or
        "elsewhere" (another replica is posting it)."""
        if item.link is None:
            log.info("feed %s: item %r has no link; skipped", sub.url, item.title)
            return "no link"
        if await self.chat.policy.posted_here(sub.channel_key, item.link):
            log.info("feed %s: %s already summarized in %s", sub.url, item.link, sub.channel_key)
            return "already here"
        cap = self.config.posts_per_hour
        if await self.state.hit_rate_limit(f"feedcap:{sub.channel_key}", cap, 3600.0) > 0:
            log.info("feed posts in %s reached %d this hour; the rest wait", sub.channel_key, cap)
            return "hold"
        try:
            result = await self.chat.service.summarize_url(item.link)
        except BusyError:
            return "hold"
        except BotError as exc:
            log.info("feed %s: %s not summarized: %s", sub.url, item.link, exc.message)
            return exc.kind
        lock = f"feeditem:{_seen_space(sub)}:{item.key}"
        if not await self.state.acquire_lock(lock, SEEN_TTL):
            return "elsewhere"
        site = f"{feed.title} · {result.site}" if result.site else feed.title
        post = SummaryPost(dataclasses.replace(result, site=site), item.link, quiet=sub.quiet)
        event = _feed_event(sub, item.link)
        try:
            await self.chat.publish(event, self._outbox(sub.channel_key), post)
        except ChannelUnavailable as exc:
            log.warning("feeds in %s paused: %s", sub.channel_key, exc.message)
            await self._pause_channel(sub.channel_key, exc.message)
            return "stop"
        except PostFailed as exc:  # the platform will likely take it on the next poll
            log.warning("feed %s: %s not posted yet: %s", sub.url, item.link, exc.message)
            await self.state.release_lock(lock)
            return "hold"
        self.stats.posted += 1
        if self._record_posts:
            self.stats.posts.append((sub.channel_key, item.link))
        return "posted"

    # --- failures ----------------------------------------------------------------------------

    async def _failed(
        self, url: str, old: FeedState, subs: list[Subscription], exc: BotError
    ) -> float:
        now = self.clock()
        self.stats.failures += 1
        failures = old.failures + 1
        since = old.failing_since or now
        backoff = self.config.poll_interval * 2 ** min(failures - 1, 16)
        backoff = min(backoff, self.config.max_backoff)
        wait = self._jittered(max(backoff, getattr(exc, "retry_after", None) or 0.0))
        log.warning("feed %s failed (%d in a row): %s", url, failures, exc.message)
        await self.store.save_state(
            url, dataclasses.replace(
                old, failures=failures, failing_since=since, last_error=exc.message,
                next_poll=now + wait,
            ),
        )  # fmt: skip
        if now - since >= self.config.pause_after:
            for sub in subs:
                await self._pause(sub, exc.message, since)
        return wait

    async def _pause(self, sub: Subscription, reason: str, since: float) -> None:
        """Stop polling for this channel and tell it, once across replicas."""
        await self.store.update(dataclasses.replace(sub, paused=reason))
        if not await self.state.claim(f"feedpaused:{_seen_space(sub)}:{since}", SEEN_TTL):
            return
        hours = max(1, round(self.config.pause_after / 3600))
        text = (
            f"I've paused the feed {sub.title or sub.url}: it has failed for over {hours} h "
            f"({reason}). `/feed add {sub.url}` resumes it."
        )
        try:
            await self._outbox(sub.channel_key).send(Failure(text, "feed_paused"))
        except (ChannelUnavailable, PostFailed) as exc:  # the pause holds; only the note is lost
            log.warning("could not tell %s its feed was paused: %s", sub.channel_key, exc.message)

    async def _pause_channel(self, channel_key: str, reason: str) -> None:
        for sub in await self.store.subscriptions(channel_key):
            if not sub.paused:
                await self.store.update(dataclasses.replace(sub, paused=reason))

    # --- helpers -----------------------------------------------------------------------------

    def _outbox(self, channel_key: str) -> Outbox:
        if self._outbox_for is None:
            raise ChannelUnavailable("feeds are not started")
        return self._outbox_for(channel_key)

    def _jittered(self, seconds: float) -> float:
        spread = self.config.poll_jitter
        return seconds * (1.0 + spread * (2.0 * self.rng() - 1.0))


def _seen_space(sub: Subscription) -> str:
    return seen_space_for(sub.channel_key, sub.url)


def seen_space_for(channel_key: str, feed_url: str) -> str:
    """Where a channel's seen items of one feed are kept in the state store's post index."""
    return f"feedseen|{channel_key}|{feed_url}"


def _feed_event(sub: Subscription, link: str) -> ChatEvent:
    platform, workspace, channel = split_channel_key(sub.channel_key)
    return ChatEvent(platform, workspace, channel, "feed", link, Trigger.AUTO, is_bot=True)


def split_channel_key(channel_key: str) -> tuple[str, str, str]:
    """("slack", "T1", "C1") from "slack:T1:C1"; ValueError if it has no three parts."""
    platform, workspace, channel = channel_key.split(":", 2)
    if not platform or not channel:
        raise ValueError(channel_key)
    return platform, workspace, channel
