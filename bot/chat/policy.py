"""Who gets a summary, where and how often: one policy for every platform.

The chat workflow asks `ChatPolicy.plan` about each `ChatEvent`; it answers with the links to
summarize (or the pasted text), or with why nothing should happen. Rate limits and the
"already summarized here" index live in the shared `StateStore`, so several replicas agree.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from bot.chat.events import ChatEvent, Trigger
from bot.config import PolicyConfig
from bot.errors import BotError, RateLimited, UsageError
from bot.state import StateStore
from bot.urls import find_links, normalize_url


@dataclass(frozen=True)
class Plan:
    """What to do for one event: summarize `links` or `text`, or nothing, and why."""

    links: tuple[str, ...] = ()
    text: str | None = None
    #: Links summarized in this channel recently: (url, permalink of that reply).
    already_posted: tuple[tuple[str, str], ...] = ()
    skip_reason: str | None = None
    notes: tuple[str, ...] = field(default=())

    @property
    def has_work(self) -> bool:
        return bool(self.links or self.text)


class ChatPolicy:
    def __init__(self, config: PolicyConfig, state: StateStore, *, post_ttl: float) -> None:
        self.config = config
        self.state = state
        self.post_ttl = post_ttl

    def mode(self, platform: str, workspace: str, channel: str) -> str:
        """Most specific override wins: channel, then workspace, then platform, then default."""
        channels = self.config.channels
        for key in (f"{platform}:{workspace}:{channel}", f"{platform}:{workspace}", platform):
            if key in channels:
                return channels[key]
        return self.config.default

    def opted_out(self, text: str) -> bool:
        marker = self.config.opt_out_marker
        return bool(marker) and marker.lower() in text.lower()

    async def plan(self, event: ChatEvent) -> Plan:
        """Decide what to do; raises RateLimited for explicit requests over the limit."""
        if event.is_bot:
            return Plan(skip_reason="message from a bot")
        if self.opted_out(event.text):
            return Plan(skip_reason="opted out")
        mode = self.mode(event.platform, event.workspace, event.channel)
        if mode == "off" and event.trigger is not Trigger.COMMAND:
            return Plan(skip_reason="summaries are off in this channel")
        if event.trigger is Trigger.AUTO and mode != "auto":
            return Plan(skip_reason=f"channel policy is {mode}")
        links = find_links(event.text, self.config.max_links_per_message)
        text = None
        if not links:
            if not event.trigger.explicit:
                return Plan(skip_reason="no links")
            text = event.typed_text.strip()
            if len(text) < self.config.min_text_chars:
                raise UsageError(
                    "Give me a link to a news article, or paste at least a paragraph of text."
                )
            if len(text) > self.config.max_text_chars:
                raise UsageError(
                    f"That text is too long ({len(text):,} characters); the limit is "
                    f"{self.config.max_text_chars:,}. Paste a link or a shorter excerpt."
                )
        fresh, already = [], []
        for link in links:
            permalink = await self.state.find_post(event.channel_key, _url_key(link))
            (already.append((link, permalink)) if permalink else fresh.append(link))
        if not fresh and not text:
            return Plan(already_posted=tuple(already), skip_reason="already summarized here")
        await self._check_rate(event)
        return Plan(links=tuple(fresh), text=text, already_posted=tuple(already))

    async def posted_here(self, channel_key: str, url: str) -> str | None:
        """The permalink of this link's summary in that channel, if it is still remembered."""
        return await self.state.find_post(channel_key, _url_key(url))

    async def remember_post(self, event: ChatEvent, url: str, permalink: str) -> None:
        await self.state.remember_post(event.channel_key, _url_key(url), permalink, self.post_ttl)

    async def count_request(self, event: ChatEvent) -> None:
        """Count a request that is not a summary (a question) against the same limits."""
        await self._check_rate(event)

    async def _check_rate(self, event: ChatEvent) -> None:
        wait = await self.state.hit_rate_limit(
            f"user:{event.user_key}", self.config.user_requests_per_minute, 60.0
        )
        if wait <= 0:
            wait = await self.state.hit_rate_limit(
                f"channel:{event.channel_key}", self.config.channel_requests_per_minute, 60.0
            )
        if wait > 0:
            raise RateLimited(
                f"You're asking faster than I can read. Try again in {max(1, round(wait))} s.",
                retry_after=wait,
            )


def _url_key(url: str) -> str:
    try:
        url = normalize_url(url)
    except BotError:  # not a URL we could fetch anyway; key on the raw text
        pass
    return hashlib.sha256(url.encode()).hexdigest()[:32]
