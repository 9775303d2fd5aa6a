"""Slack delivery of a digest: the requester's channel (or them alone), or a scheduled post."""

from __future__ import annotations

import logging

import aiohttp
from slack_sdk.errors import SlackApiError

from bot.adapters.slack_outbox import Reply, SlackIO
from bot.adapters.slack_render_digest import render_digest
from bot.chat.outcomes import DigestPost
from bot.digests.model import ChannelUnavailable

log = logging.getLogger("bot.adapters.slack")

#: Errors that mean the bot can no longer post in the channel (not a passing failure).
GONE = {"not_in_channel", "channel_not_found", "is_archived", "restricted_action"}


async def send_digest(io: SlackIO, reply: Reply, post: DigestPost) -> str | None:
    """Post the digest; a scheduled post (no requester) raises ChannelUnavailable if the bot
    was removed from the channel, a request falls back to its response_url."""
    message = render_digest(post.digest)
    if post.private:
        if reply.response_url:
            await io.respond(reply.response_url, message, ephemeral=True)
        else:
            await io.tell_user(reply, message)
        return None
    if reply.response_url or reply.user:
        return await io.post(reply, message)
    try:
        resp = await io.client.chat_postMessage(
            channel=reply.channel, text=message.text, blocks=message.blocks,
            unfurl_links=False, unfurl_media=False,
        )  # fmt: skip
    except SlackApiError as exc:
        error = exc.response.get("error") if exc.response is not None else None
        if error in GONE:
            raise ChannelUnavailable(f"{error} in {reply.channel}") from exc
        log.warning("scheduled digest to %s failed: %s", reply.channel, error or exc)
        return None
    except aiohttp.ClientError as exc:
        log.warning("scheduled digest to %s failed: %s", reply.channel, exc)
        return None
    return resp.get("ts")
