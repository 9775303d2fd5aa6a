"""The plain records of digests: a stored post (and its JSON form), a story, a digest. No I/O."""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class DigestEntry:
    """One public summary post in a channel, as the digest needs it."""

    channel_key: str  # "platform:workspace:channel"
    url: str  # the link as shared
    title: str
    site: str
    bullets: tuple[str, ...]
    poster: str  # user key of who shared it
    posted_at: float  # unix seconds
    permalink: str  # the bot's summary post
    #: Where the article was read from (after redirects); "" if unknown.
    article_url: str = ""
    #: The key the post's 👍/👎 are counted under in the state store.
    vote_key: str = ""
    #: Its sentence vectors, packed ("dim:base64 float16"; see bot/digests/vectors.py).
    vectors: str = field(default="", repr=False)

    @property
    def text(self) -> str:
        """What grouping compares: the title and the bullets."""
        return " ".join((self.title, *self.bullets)).strip()


@dataclass(frozen=True)
class Story:
    """Links about one story, with what a digest line shows."""

    title: str
    url: str
    gist: str
    sites: tuple[str, ...]
    urls: tuple[str, ...]
    shares: int
    ups: int
    downs: int
    #: The chat post where the story was first shared, and when.
    first_permalink: str
    first_posted: float
    last_posted: float

    @property
    def score(self) -> int:
        return self.ups - self.downs


@dataclass(frozen=True)
class Digest:
    """The stories of one channel and period, best first."""

    channel_key: str
    #: The period in words ("today", "the last 7 days").
    label: str
    since: float
    until: float
    stories: tuple[Story, ...] = ()
    #: Links shared in the period (before grouping), and stories left out past the cap.
    links: int = 0
    omitted: int = 0
    #: The period held more than MAX_ENTRIES links: only the newest MAX_ENTRIES were read.
    capped: bool = False
    notes: tuple[str, ...] = field(default_factory=tuple)


#: A channel's digest never reads more than this many links (the newest): bounds memory/time.
MAX_ENTRIES = 5_000


def entry_to_json(entry: DigestEntry) -> str:
    """One stored record (SQLite row or Redis member)."""
    return json.dumps(dataclasses.asdict(entry), ensure_ascii=False, separators=(",", ":"))


def entry_from_json(data: str | bytes) -> DigestEntry:
    fields: dict[str, Any] = json.loads(data)
    fields["bullets"] = tuple(fields.get("bullets") or ())
    return DigestEntry(**fields)
