"""What the workflow asks an adapter to show, and the one method an adapter implements for it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from bot.results import Digest, SummaryResult


@dataclass(frozen=True)
class SummaryPost:
    """Post this summary in the request's thread (or only to the requester when `private`)."""

    result: SummaryResult
    #: The link it summarizes (None for pasted text).
    url: str | None
    private: bool = False
    #: Shown to nobody, only recorded for the channel's digest (a feed followed quietly).
    quiet: bool = False


@dataclass(frozen=True)
class AlreadySummarized:
    """These links were summarized in this channel recently: (url, permalink of that post)."""

    links: tuple[tuple[str, str], ...]
    private: bool = False


@dataclass(frozen=True)
class Notice:
    """A note only the requester sees: usage hints, rate limits, refusals of a command."""

    text: str
    kind: str = "notice"


@dataclass(frozen=True)
class Failure:
    """An honest failure, posted in the thread for everyone who saw the link."""

    text: str
    kind: str = "error"


@dataclass(frozen=True)
class Accepted:
    """The request is taken and its answer will follow (a slash command's immediate ack)."""

    text: str = "Summarizing… I'll post it here in a moment."


@dataclass(frozen=True)
class VoteCounted:
    """A vote was stored; the summary now has these counts."""

    summary_id: str
    ups: int
    downs: int


@dataclass(frozen=True)
class AnswerPost:
    """The answer to a question about a summary: the article's own sentences, quoted exactly
    (none: the article doesn't say), under a short written answer when a model wrote one."""

    question: str
    #: (sentence as it stands in the article, start, end)
    quotes: tuple[tuple[str, int, int], ...]
    #: The article's link, for links to each quote's place (None for pasted text).
    url: str | None
    written: str | None = None
    #: Said instead of "The article doesn't say." (e.g. the question's language differs).
    note: str | None = None


@dataclass(frozen=True)
class Silent:
    """Nothing to show anyone; the reason is logged."""

    reason: str


@dataclass(frozen=True)
class DigestPost:
    """A channel's digest: in the channel, or only to the requester when `private`."""

    digest: Digest
    private: bool = False


Outcome = (
    SummaryPost
    | AlreadySummarized
    | Notice
    | Failure
    | Accepted
    | VoteCounted
    | Silent
    | DigestPost
    | AnswerPost
)


class Outbox(Protocol):
    """Where one request's outcomes go: an adapter renders and delivers each in its format."""

    async def send(self, outcome: Outcome) -> str | None:
        """Deliver `outcome`; for a public `SummaryPost`, the permalink of the new message."""
        ...
