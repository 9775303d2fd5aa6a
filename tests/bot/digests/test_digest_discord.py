# ruff: noqa: F811 - pytest fixtures imported from the adapter tests are used as arguments
"""`/digest` end to end on Discord: the real client against the fake REST API and gateway."""

from __future__ import annotations

import asyncio

import pytest

from bot.chat.outcomes import DigestPost
from bot.digests.feature import DigestFeature
from bot.errors import ChannelUnavailable
from bot.results import Digest
from tests import fake_discord as fd
from tests.bot.adapters.test_discord import (  # noqa: F401 - fixtures
    CALLBACK,
    CHANNEL,
    FOLLOWUP,
    TITLE,
    bot,
    discord_api,
    pages,
    token,
)


def digest_command(interaction_id: int, **options) -> dict:
    types = {str: 3, bool: 5}
    opts = [{"name": k, "type": types[type(v)], "value": v} for k, v in options.items()]
    data = {"id": "960000000000000003", "name": "digest", "type": 1, "options": opts}
    return fd._interaction(interaction_id, 2, data)


async def recorded(adapter, within: float = 10.0) -> None:
    """Wait until the summary post is in the digest store (recording follows the post)."""
    (feature,) = [f for f in adapter.chat.features if isinstance(f, DigestFeature)]
    key = f"discord:{fd.GUILD_ID}:{fd.CHANNEL_ID}"
    for _ in range(int(within / 0.05)):
        if await feature.store.entries(key, 0, 1e12):
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the post was never recorded")


async def test_digest_command_answers_with_the_channels_stories(bot, discord_api, pages):
    adapter = await bot()
    url = f"{pages.base}/story"
    await discord_api.dispatch("MESSAGE_CREATE", fd.message_create(1001, f"Read {url} !"))
    summary = await discord_api.wait_for_call("POST", CHANNEL)
    await recorded(adapter)
    await discord_api.dispatch("INTERACTION_CREATE", digest_command(3001, period="today"))
    deferred = await discord_api.wait_for_call("POST", CALLBACK.format(3001))
    assert deferred.body == {"type": 5}
    answer = await discord_api.wait_for_call("POST", FOLLOWUP.format(3001))
    assert answer.body.get("flags", 0) & 64 == 0 and answer.body["allowed_mentions"]["parse"] == []
    (embed,) = answer.body["embeds"]
    assert embed["title"] == "Digest of today: 1 story from 1 link"
    line = embed["description"]
    assert line.startswith(f"**[{TITLE}]({url})** — PORTHALLOW, Cornwall")
    first = f"[first shared here](https://discord.com/channels/{fd.GUILD_ID}/{fd.CHANNEL_ID}/"
    assert first in line
    assert summary.body["embeds"][0]["title"] == TITLE


async def test_private_digest_of_an_empty_channel_says_so_to_the_requester(bot, discord_api):
    await bot()
    await discord_api.dispatch("INTERACTION_CREATE", digest_command(3002, private=True))
    deferred = await discord_api.wait_for_call("POST", CALLBACK.format(3002))
    assert deferred.body["data"]["flags"] & 64  # ephemeral "thinking…"
    answer = await discord_api.wait_for_call("POST", FOLLOWUP.format(3002))
    (embed,) = answer.body["embeds"]
    assert embed["description"] == "Nothing was shared in this channel in the last 7 days."


async def test_unknown_period_is_an_ephemeral_note(bot, discord_api):
    await bot()
    await discord_api.dispatch("INTERACTION_CREATE", digest_command(3003, period="fortnight"))
    note = await discord_api.wait_for_call("POST", FOLLOWUP.format(3003))
    assert note.body["flags"] & 64 and "I don't know the period" in note.body["content"]


async def test_scheduled_post_to_a_forbidden_channel_raises_channel_unavailable(bot, discord_api):
    adapter = await bot()
    discord_api.forbidden_channels.add(fd.CHANNEL_ID)
    outbox = adapter.outbox_for(f"discord:{fd.GUILD_ID}:{fd.CHANNEL_ID}")
    digest = Digest(f"discord:{fd.GUILD_ID}:{fd.CHANNEL_ID}", "the last day", 0, 1)
    with pytest.raises(ChannelUnavailable):
        await outbox.send(DigestPost(digest))
