"""Posts with no request behind them on Discord: a channel that is gone stops the feed, a post
Discord did not take just now is to be tried again."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from bot.adapters.discord_channel import DiscordChannelOutbox
from bot.adapters.discord_client import discord
from bot.chat import Notice
from bot.errors import ChannelUnavailable, PostFailed


@dataclass
class Response:
    """What discord.py's exceptions read from an HTTP response."""

    status: int
    reason: str


class Channel(discord.abc.Messageable):
    """A channel whose every post fails with `status`."""

    def __init__(self, status: int) -> None:
        self.status = status

    async def _get_channel(self) -> Channel:
        return self

    async def send(self, *args: object, **kwargs: object) -> discord.Message:
        error = {"code": 0, "message": f"{self.status} from the fake"}
        if self.status == 403:
            raise discord.Forbidden(Response(403, "Forbidden"), error)
        raise discord.DiscordServerError(Response(self.status, "Server Error"), error)


class Client:
    def __init__(self, channel: Channel) -> None:
        self.channel = channel

    def get_channel(self, channel_id: int) -> Channel:
        return self.channel


async def test_a_server_error_is_a_post_to_try_again() -> None:
    outbox = DiscordChannelOutbox(Client(Channel(503)), 42)  # type: ignore[arg-type]
    with pytest.raises(PostFailed, match="503"):
        await outbox.send(Notice("hello", "usage"))


async def test_a_forbidden_channel_is_gone() -> None:
    outbox = DiscordChannelOutbox(Client(Channel(403)), 42)  # type: ignore[arg-type]
    with pytest.raises(ChannelUnavailable):
        await outbox.send(Notice("hello", "usage"))
