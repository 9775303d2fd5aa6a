"""Discord posts with no request behind them (a feed's new story, a scheduled digest): a
message in a channel.

A channel the bot can no longer post in (removed, no permission, deleted) raises
`ChannelUnavailable`, so the caller stops posting there; a post Discord did not take just now
raises `PostFailed`, so the caller can try it again.
"""

from __future__ import annotations

from bot.adapters.discord_client import discord
from bot.adapters.discord_outbox import votes_view
from bot.adapters.discord_render import ALLOWED_MENTIONS, error_text, render_summary
from bot.adapters.discord_render_digest import render_digest
from bot.chat import Failure, Notice, Outcome, SummaryPost
from bot.chat.outcomes import DigestPost
from bot.errors import ChannelUnavailable, PostFailed


class DiscordChannelOutbox:
    """Outcomes posted as new messages in one channel."""

    def __init__(self, client: discord.Client, channel_id: int) -> None:
        self.client = client
        self.channel_id = channel_id

    async def send(self, outcome: Outcome) -> str | None:
        match outcome:
            case SummaryPost(result=result):
                sent = await self._send(embed=render_summary(result), view=votes_view())
                return sent.jump_url if sent is not None else None
            case DigestPost(digest=digest):
                sent = await self._send(embeds=render_digest(digest))
                return sent.jump_url if sent is not None else None
            case Failure(text=text) | Notice(text=text):
                await self._send(content=error_text(text))
        return None

    async def _send(self, **kwargs: object) -> discord.Message | None:
        try:
            channel = self.client.get_channel(self.channel_id)
            if channel is None:
                channel = await self.client.fetch_channel(self.channel_id)
            if not isinstance(channel, discord.abc.Messageable):
                raise ChannelUnavailable(f"channel {self.channel_id} takes no messages")
            return await channel.send(allowed_mentions=ALLOWED_MENTIONS, **kwargs)  # type: ignore[arg-type]
        except (discord.Forbidden, discord.NotFound) as exc:
            raise ChannelUnavailable(f"{exc.status} {exc.text} in {self.channel_id}") from None
        except (discord.HTTPException, TimeoutError) as exc:
            raise PostFailed(f"discord: post in {self.channel_id} failed: {exc}") from None
