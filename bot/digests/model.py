"""The stored record of a post in a channel's digest, and its JSON form. No I/O.

The digest itself (`Digest`, `Story`) is in `bot/results.py`, beside the summary result:
the chat workflow hands both to adapters.
"""

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


#: A channel's digest never reads more than this many links (the newest): bounds memory/time.
MAX_ENTRIES = 5_000


def entry_to_json(entry: DigestEntry) -> str:
    """One stored record (SQLite row or Redis member)."""
    return json.dumps(dataclasses.asdict(entry), ensure_ascii=False, separators=(",", ":"))


def entry_from_json(data: str | bytes) -> DigestEntry:
    fields: dict[str, Any] = json.loads(data)
    fields["bullets"] = tuple(fields.get("bullets") or ())
    return DigestEntry(**fields)
