"""Discord delivery of a requested digest: the `/digest` interaction's follow-up."""

from __future__ import annotations

import logging

from bot.adapters.discord_client import discord
from bot.adapters.discord_render import ALLOWED_MENTIONS
from bot.adapters.discord_render_digest import render_digest
from bot.chat.outcomes import DigestPost

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
