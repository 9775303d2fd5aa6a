"""`newsbot feed check URL`: what the bot would see in a feed, and what it would post (dry run).

Reads the feed through the same fetcher, autodiscovery and parser as the poller; nothing is
posted, claimed or remembered. With `--channel`, items are checked against what that channel
has already seen or had summarized (the configured state store).
"""

from __future__ import annotations

import argparse
import sys
from typing import TextIO

from bot.config import Config
from bot.errors import BotError
from bot.feeds.parse import FeedItem
from bot.feeds.poller import seen_space_for
from bot.feeds.reader import resolve_feed
from bot.fetch import Fetcher
from bot.state import StateStore, open_state_store
from bot.urls import normalize_url

SHOWN = 10


async def feed_check(args: argparse.Namespace, config: Config, out: TextIO | None = None) -> int:
    """Print the feed's title and its latest items, each with what the bot would do."""
    out = out or sys.stdout
    async with Fetcher(config.fetch) as fetcher:
        feed_url, feed = await resolve_feed(fetcher, args.url)
        feed_url = normalize_url(feed_url)  # as subscriptions store it
        channel = getattr(args, "channel", None)
        state = open_state_store(config.cache) if channel else None
        try:
            print(f"{feed.title}\n  feed: {feed_url}", file=out)
            if feed_url != args.url:
                print(f"  (found through the page {args.url})", file=out)
            if feed.malformed:
                print(
                    "  note: the XML is malformed; these are the items that could be read", file=out
                )
            print(f"  items: {len(feed.items)}; latest {min(SHOWN, len(feed.items))}:", file=out)
            for n, item in enumerate(feed.items[:SHOWN]):
                verdict = await _verdict(item, n, config, fetcher, state, channel, feed_url)
                title = item.title or "(untitled)"
                print(f"  - {title}\n      {item.link or '-'}\n      {verdict}", file=out)
        finally:
            if state is not None:
                await state.close()
    return 0


async def _verdict(
    item: FeedItem,
    index: int,
    config: Config,
    fetcher: Fetcher,
    state: StateStore | None,
    channel: str | None,
    feed_url: str,
) -> str:
    if item.link is None:
        return "skipped: the item has no link"
    try:
        fetcher.check_url(item.link)
    except BotError as exc:
        return f"skipped: {exc.message}"
    if state is None or channel is None:
        if index < config.feeds.initial_items:
            return "would post (a new subscription posts the latest few)"
        return "backlog: a new subscription would not post it"
    if await state.find_post(seen_space_for(channel, feed_url), item.key):
        return "already seen in that channel"
    from bot.chat.policy import ChatPolicy

    policy = ChatPolicy(config.policy, state, post_ttl=config.cache.ttl_seconds)
    if await policy.posted_here(channel, item.link):
        return "already summarized in that channel: would not post"
    return "would post"
