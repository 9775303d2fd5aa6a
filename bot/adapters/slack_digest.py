"""Slack delivery of a requested digest: in the requester's channel, or to them alone."""

from __future__ import annotations

from bot.adapters.slack_outbox import Reply, SlackIO
from bot.adapters.slack_render_digest import render_digest
from bot.chat.outcomes import DigestPost


async def send_digest(io: SlackIO, reply: Reply, post: DigestPost) -> str | None:
    """The answer to `/digest`: posted in the channel, or only to the requester when private.

    A scheduled digest has no requester: `SlackChannelOutbox` posts it.
    """
    message = render_digest(post.digest)
    if post.private:
        if reply.response_url:
            await io.respond(reply.response_url, message, ephemeral=True)
        else:
            await io.tell_user(reply, message)
        return None
    return await io.post(reply, message)
