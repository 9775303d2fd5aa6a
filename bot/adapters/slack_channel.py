"""Slack posts with no request behind them (a feed's new story, a scheduled digest): top level
in a channel.

Unlike a request's outbox, a post the channel can no longer take raises `ChannelUnavailable`
(the bot was removed, the channel archived or deleted), so the caller can stop posting there,
and one Slack did not take just now raises `PostFailed`, so the caller can try it again.
"""

from __future__ import annotations

import logging

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.adapters.slack_render import Message, render_error, render_notice, render_summary
from bot.adapters.slack_render_digest import render_digest
from bot.chat import Failure, Notice, Outcome, SummaryPost
from bot.chat.outcomes import DigestPost
from bot.errors import ChannelUnavailable, PostFailed

log = logging.getLogger("bot.adapters.slack")

#: Slack errors that mean "this channel is gone for the bot", not "try again".
GONE = frozenset(
    {"not_in_channel", "channel_not_found", "is_archived", "access_denied", "restricted_action",
     "team_access_not_granted", "account_inactive", "invalid_auth", "token_revoked"}
)  # fmt: skip


class SlackChannelOutbox:
    """Outcomes posted at the top level of one channel."""

    def __init__(self, client: AsyncWebClient, channel: str) -> None:
        self.client = client
        self.channel = channel

    async def send(self, outcome: Outcome) -> str | None:
        match outcome:
            case SummaryPost(result=result):
                ts = await self._post(render_summary(result))
                return await self._permalink(ts) if ts else None
            case DigestPost(digest=digest):
                ts = await self._post(render_digest(digest))
                return await self._permalink(ts) if ts else None
            case Failure(text=text):
                await self._post(render_error(text))
            case Notice(text=text):
                await self._post(render_notice(text))
        return None

    async def _post(self, message: Message) -> str | None:
        try:
            resp = await self.client.chat_postMessage(
                channel=self.channel, text=message.text, blocks=message.blocks,
                unfurl_links=False, unfurl_media=False,
            )  # fmt: skip
        except SlackApiError as exc:
            error = str(exc.response.get("error") if exc.response is not None else "")
            if error in GONE or getattr(exc.response, "status_code", 0) == 403:
                raise ChannelUnavailable(f"{error or 'forbidden'} in {self.channel}") from None
            raise PostFailed(f"chat.postMessage to {self.channel} failed: {error or exc}") from None
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise PostFailed(f"chat.postMessage to {self.channel} failed: {exc!r}") from None
        return resp.get("ts")

    async def _permalink(self, ts: str) -> str | None:
        try:
            resp = await self.client.chat_getPermalink(channel=self.channel, message_ts=ts)
        except (SlackApiError, aiohttp.ClientError) as exc:
            log.warning("chat.getPermalink failed: %s", exc)
            return None
        return resp.get("permalink")
