"""Discord delivery: the workflow's outcomes as embeds, replies and interaction follow-ups.

A message gets replies in its channel (Discord has no private reply to a message); a deferred
interaction gets follow-ups, problems ephemeral; a vote click gets its buttons updated.
Delivery failures are logged, never raised.
"""

from __future__ import annotations

import logging
from typing import Any

import discord

from bot.adapters.discord_render import (
    ALLOWED_MENTIONS,
    VoteView,
    already_posted_text,
    error_text,
    render_summary,
)
from bot.adapters.discord_render_answer import answer_text
from bot.chat import (
    AlreadySummarized,
    AnswerPost,
    Failure,
    Notice,
    Outcome,
    Silent,
    SummaryPost,
    VoteCounted,
)
from bot.chat.outcomes import DigestPost

log = logging.getLogger("bot.adapters.discord")


class MessageOutbox:
    """Answers to a chat message: every outcome is a reply to it."""

    def __init__(self, message: discord.Message) -> None:
        self.message = message

    async def send(self, outcome: Outcome) -> str | None:
        match outcome:
            case SummaryPost(result=result):
                sent = await self._reply(embed=render_summary(result), view=votes_view())
                return sent.jump_url if sent is not None else None
            case AlreadySummarized(links=links):
                await self._reply(content=already_posted_text(links))
            case Notice(text=text) | Failure(text=text):
                await self._reply(content=error_text(text))
            case AnswerPost():
                await self._reply(content=answer_text(outcome))
        return None

    async def _reply(self, **kwargs: Any) -> discord.Message | None:
        try:
            return await self.message.reply(
                mention_author=False, allowed_mentions=ALLOWED_MENTIONS, **kwargs
            )
        except discord.Forbidden:
            log.warning("discord: no permission to post in channel %s", self.message.channel.id)
        except discord.HTTPException as exc:
            log.warning("discord: reply failed: %s %s", exc.status, exc.text)
        return None


class InteractionOutbox:
    """Answers to one deferred interaction: summaries in its mode, problems only to the user."""

    def __init__(self, interaction: discord.Interaction, private: bool) -> None:
        self.interaction = interaction
        self.private = private
        self._placeholder = True  # the "thinking…" message is still waiting for its answer

    async def send(self, outcome: Outcome) -> str | None:
        match outcome:
            case SummaryPost(result=result):
                sent = await self._summary(render_summary(result))
                return sent.jump_url if sent is not None and not self.private else None
            case AlreadySummarized(links=links):
                await self._notice(already_posted_text(links))
            case Notice(text=text) | Failure(text=text):
                await self._notice(text)
            case DigestPost():
                from bot.adapters.discord_digest import follow_up_digest

                self._placeholder = False
                return await follow_up_digest(self.interaction, outcome)
            case AnswerPost():
                self._placeholder = False
                await quietly(
                    self.interaction.followup.send(
                        answer_text(outcome),
                        ephemeral=self.private,
                        allowed_mentions=ALLOWED_MENTIONS,
                    )
                )
        return None

    async def _summary(self, embed: discord.Embed) -> discord.Message | None:
        send = self.interaction.followup.send
        kwargs = {"embed": embed, "view": votes_view(), "allowed_mentions": ALLOWED_MENTIONS}
        try:
            sent = await send(ephemeral=self.private, wait=True, **kwargs)
        except discord.NotFound:  # token older than 15 min: post in the channel instead
            channel = self.interaction.channel
            if self.private or not isinstance(channel, discord.abc.Messageable):
                log.warning("discord: interaction %s expired", self.interaction.id)
                return None
            sent = await quietly(channel.send(**kwargs))
        except discord.HTTPException as exc:
            log.warning("discord: follow-up failed: %s", exc)
            return None
        self._placeholder = False
        return sent

    async def _notice(self, text: str) -> None:
        """An ephemeral note; a public "thinking…" placeholder is removed first."""
        if self._placeholder and not self.private:
            await quietly(self.interaction.delete_original_response())
        self._placeholder = False
        await quietly(
            self.interaction.followup.send(
                error_text(text), ephemeral=True, allowed_mentions=ALLOWED_MENTIONS
            )
        )


class VoteOutbox:
    """The answer to a 👍/👎 click: the buttons show the new counts."""

    def __init__(self, interaction: discord.Interaction) -> None:
        self.interaction = interaction

    async def send(self, outcome: Outcome) -> str | None:
        response = self.interaction.response
        match outcome:
            case VoteCounted(ups=ups, downs=downs):
                await quietly(response.edit_message(view=votes_view((ups, downs))))
            case Notice(text=text) | Failure(text=text):
                await quietly(
                    response.send_message(
                        error_text(text), ephemeral=True, allowed_mentions=ALLOWED_MENTIONS
                    )
                )
            case Silent():
                await quietly(response.defer())  # acknowledged, nothing to show
        return None


async def quietly(coro: Any) -> Any:
    try:
        return await coro
    except discord.HTTPException as exc:
        log.warning("discord: request failed: %s", exc)
        return None


def votes_view(counts: tuple[int, int] | None = None) -> VoteView:
    return VoteView(counts=counts, render_only=True)
