"""What every chat adapter is given and what it offers the runtime; below both, so neither
imports the other."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from bot.chat import ChatWorkflow, Outbox
from bot.config import Config
from bot.observability import ReadinessChecks


@dataclass(frozen=True)
class AdapterDeps:
    """An adapter's whole view of the bot: its config and the chat workflow. Nothing else."""

    config: Config
    chat: ChatWorkflow
    #: Adapters mark themselves connected here; /readyz reports it.
    readiness: ReadinessChecks = field(default_factory=ReadinessChecks)


class Adapter(Protocol):
    #: The `ChatEvent.platform` it serves ("slack", "discord", "memory").
    platform: str

    async def start(self) -> None: ...

    async def close(self) -> None: ...

    def outbox_for(self, channel_key: str) -> Outbox:
        """Where to post in a channel with no request behind it (feeds, digests): top level.

        Posting raises `bot.errors.ChannelUnavailable` when the bot can no longer post there.
        """
        ...
