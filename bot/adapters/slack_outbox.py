"""Slack delivery: the workflow's outcomes rendered as Block Kit and sent where they belong.

A summary goes to the request's thread (`chat.postMessage`), a note for the requester alone
goes ephemeral (`response_url` when the request came with one, else `chat.postEphemeral`).
Delivery failures are logged, never raised: a lost post must not kill the conversation.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from bot.adapters.slack_render import (
    Message,
    render_already,
    render_error,
    render_notice,
    render_summary,
)
from bot.adapters.slack_render_answer import render_answer
from bot.adapters.slack_render_digest import render_digest
from bot.chat import (
    Accepted,
    AlreadySummarized,
    AnswerPost,
    Failure,
    Notice,
    Outcome,
    SummaryPost,
    VoteCounted,
)
from bot.chat.outcomes import DigestPost

log = logging.getLogger("bot.adapters.slack")

THANKS = "Thanks for the feedback!"


@dataclass(frozen=True)
class Reply:
    """Where the answers to one request go."""

    channel: str
    thread_ts: str | None
    user: str
    response_url: str | None = None


class SlackIO:
    """The Slack Web API calls the adapter makes, with their failures logged."""

    def __init__(self, client: AsyncWebClient, retry_handlers: list[AsyncRetryHandler]) -> None:
        self.client = client
        self.retry_handlers = retry_handlers
        self.session: aiohttp.ClientSession | None = None

    async def post(self, reply: Reply, message: Message) -> str | None:
        """Post in the channel/thread; returns the new message's ts if known."""
        try:
            resp = await self.client.chat_postMessage(
                channel=reply.channel,
                thread_ts=reply.thread_ts,
                text=message.text,
                blocks=message.blocks,
                unfurl_links=False,
                unfurl_media=False,
            )
        except SlackApiError as exc:
            error = exc.response.get("error") if exc.response is not None else None
            if error in ("not_in_channel", "channel_not_found") and reply.response_url:
                await self.respond(reply.response_url, message, ephemeral=False)
            else:
                log.warning("chat.postMessage to %s failed: %s", reply.channel, error or exc)
            return None
        except aiohttp.ClientError as exc:
            log.warning("chat.postMessage to %s failed: %s", reply.channel, exc)
            return None
        return resp.get("ts")

    async def tell_user(self, reply: Reply, message: Message) -> None:
        """A message only the requester sees."""
        if reply.response_url:
            await self.respond(reply.response_url, message, ephemeral=True)
            return
        try:
            await self.client.chat_postEphemeral(
                channel=reply.channel, user=reply.user, thread_ts=reply.thread_ts,
                text=message.text, blocks=message.blocks,
            )  # fmt: skip
        except (SlackApiError, aiohttp.ClientError) as exc:
            log.warning("chat.postEphemeral in %s failed: %s", reply.channel, exc)

    async def respond(self, response_url: str, message: Message, *, ephemeral: bool) -> None:
        hook = AsyncWebhookClient(
            response_url, session=self.session, retry_handlers=list(self.retry_handlers)
        )
        body = {**message.payload(), "response_type": "ephemeral" if ephemeral else "in_channel"}
        try:
            resp = await hook.send_dict(body)
            if resp.status_code != 200:
                log.warning("response_url answered %s", resp.status_code)
        except aiohttp.ClientError as exc:
            log.warning("response_url post failed: %s", exc)

    async def permalink(self, channel: str, ts: str) -> str | None:
        try:
            resp = await self.client.chat_getPermalink(channel=channel, message_ts=ts)
        except (SlackApiError, aiohttp.ClientError) as exc:
            log.warning("chat.getPermalink failed: %s", exc)
            return None
        return resp.get("permalink")

    async def find_message(self, channel: str, ts: str) -> dict[str, Any] | None:
        """The message a reaction was added to: top level first, then as a thread reply."""
        try:
            resp = await self.client.conversations_history(
                channel=channel, latest=ts, inclusive=True, limit=1
            )
            for msg in resp.get("messages") or []:
                if msg.get("ts") == ts:
                    return msg
            resp = await self.client.conversations_replies(
                channel=channel, ts=ts, latest=ts, inclusive=True, limit=1
            )
            for msg in resp.get("messages") or []:
                if msg.get("ts") == ts:
                    return msg
        except (SlackApiError, aiohttp.ClientError) as exc:
            log.warning("could not read the reacted-to message: %s", exc)
        return None


class SlackOutbox:
    """One request's answers: each outcome rendered and sent to its thread or its requester."""

    def __init__(self, io: SlackIO, reply: Reply) -> None:
        self.io = io
        self.reply = reply

    async def send(self, outcome: Outcome) -> str | None:
        io, reply = self.io, self.reply
        match outcome:
            case SummaryPost(result=result, url=url, private=private):
                message = render_summary(result)
                if private and reply.response_url:
                    await io.respond(reply.response_url, message, ephemeral=True)
                    return None
                ts = await io.post(reply, message)
                # pasted text too: the workflow tells its listeners (questions) of the post
                return await io.permalink(reply.channel, ts) if ts else None
            case AlreadySummarized(links=links, private=private):
                for url, permalink in links:
                    message = render_already(url, permalink)
                    await (io.tell_user(reply, message) if private else io.post(reply, message))
            case Notice(text=text) | Accepted(text=text):
                await io.tell_user(reply, render_notice(text))
            case Failure(text=text):
                await io.post(reply, render_error(text))
            case AnswerPost():
                await io.post(reply, render_answer(outcome))
            case VoteCounted():
                if reply.response_url:
                    await io.respond(reply.response_url, render_notice(THANKS), ephemeral=True)
            case DigestPost(digest=digest, private=private):
                message = render_digest(digest)
                if private:  # the answer to `/digest private`, for the requester alone
                    await io.tell_user(reply, message)
                    return None
                return await io.post(reply, message)
        return None


def ack_payload(outcome: Outcome | None) -> dict[str, Any]:
    """A slash command's immediate answer (HTTP body of its ack), always ephemeral."""
    match outcome:
        case Notice(text=text) | Accepted(text=text):
            message = render_notice(text)
        case AlreadySummarized(links=links) if links:
            message = render_already(*links[0])
        case Failure(text=text):
            message = render_error(text)
        case _:
            return {}
    return {"response_type": "ephemeral", "text": message.text, "blocks": message.blocks}
