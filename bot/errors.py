"""Failures as values: each carries a message fit to show a chat user as-is."""

from __future__ import annotations


class BotError(Exception):
    """Base for every failure an adapter may render to a user."""

    #: Short machine-readable kind, used in metrics, cache entries and JSON output.
    kind = "error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class ConfigError(BotError):
    kind = "config"


class UsageError(BotError):
    """A request the bot cannot act on (no link, bad option, unsupported input)."""

    kind = "usage"


class FetchError(BotError):
    kind = "fetch"


class BlockedURLError(FetchError):
    """The URL points somewhere the bot refuses to go (private network, bad scheme, blocklist)."""

    kind = "blocked"


class ExtractError(BotError):
    kind = "extract"


class SummarizeError(BotError):
    kind = "summarize"


class BusyError(BotError):
    kind = "busy"


class RateLimited(BotError):
    kind = "rate_limited"

    def __init__(self, message: str, retry_after: float = 0.0) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class ChannelUnavailable(BotError):
    """The bot can no longer post in a channel (removed, not a member, no permission)."""

    kind = "channel_unavailable"


class PostFailed(BotError):
    """A post the platform did not take just now (a 5xx, a timeout): try it again later."""

    kind = "post_failed"
