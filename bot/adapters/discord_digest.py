"""Discord delivery of a digest: an interaction's follow-up, or a scheduled channel post."""

from __future__ import annotations

import logging
from typing import Any

from bot.adapters.discord_client import discord
from bot.adapters.discord_render import ALLOWED_MENTIONS
from bot.adapters.discord_render_digest import render_digest
from bot.chat.outcomes import DigestPost, Outcome
from bot.digests.model import ChannelUnavailable

log = logging.getLogger("bot.adapters.discord")


async def follow_up_digest(interaction: discord.Interaction, post: DigestPost) -> str | None:
    """The answer to `/digest` (deferred), ephemeral when asked for privately."""
    try:
        sent = await interaction.followup.send(
            embeds=render_digest(post.digest), ephemeral=post.private, wait=True,
            allowed_mentions=ALLOWED_MENTIONS,
        )  # fmt: skip
    except discord.HTTPException as exc:
        log.warning("discord: digest follow-up failed: %s", exc)
        return None
    return None if post.private else sent.jump_url


class ChannelOutbox:
    """Posts in a channel on the bot's own initiative (a scheduled digest)."""

    def __init__(self, channel: Any) -> None:
        self.channel = channel

    async def send(self, outcome: Outcome) -> str | None:
        if not isinstance(outcome, DigestPost):
            return None
        try:
            sent = await self.channel.send(
                embeds=render_digest(outcome.digest), allowed_mentions=ALLOWED_MENTIONS
            )
        except (discord.Forbidden, discord.NotFound) as exc:
            raise ChannelUnavailable(f"{exc.status} in channel {self.channel.id}") from exc
        except discord.HTTPException as exc:
            log.warning("discord: scheduled digest failed: %s %s", exc.status, exc.text)
            return None
        return sent.jump_url
