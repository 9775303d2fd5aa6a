"""What a request returns, on every platform: a summary (and its shape in the cache) or a
channel's digest."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

#: Bump when the cached payload's shape changes, so old entries are ignored.
#: 2: entries record where the page was fetched from ("fetched_from"); older ones don't.
#: 3: entries keep the article text they summarized ("article_text"), for follow-up questions.
PAYLOAD_VERSION = 3


@dataclass(frozen=True)
class ResultBullet:
    text: str
    #: The exact article sentence the bullet came from (for links into the article).
    source: str | None = None
    #: (start, end) of `source` in the extracted article text.
    span: tuple[int, int] | None = None


@dataclass(frozen=True)
class SummaryResult:
    bullets: tuple[ResultBullet, ...]
    backend: str
    title: str | None = None
    url: str | None = None
    site: str | None = None
    language: str | None = None
    reading_minutes: int | None = None
    summary_id: str = ""
    cached: bool = False
    truncated: bool = False
    timings: dict[str, float] = field(default_factory=dict)
    #: The extracted (or pasted) text summarized, bounded: follow-up questions read it.
    article_text: str | None = field(default=None, repr=False)

    def details(self) -> list[str]:
        """The facts under a summary, for every platform: site · reading time · backend · ..."""
        parts = [self.site or ""]
        if self.reading_minutes:
            parts.append(f"{self.reading_minutes} min read")
        parts.append(self.backend)
        if self.cached:
            parts.append("cached")
        if self.truncated:
            parts.append("long article: summary covers the start")
        return [p for p in parts if p]

    def to_payload(self) -> dict[str, Any]:
        data = asdict(self)
        data["bullets"] = [asdict(b) for b in self.bullets]
        data["version"] = PAYLOAD_VERSION
        data.pop("cached")
        return data

    @classmethod
    def from_payload(cls, data: dict[str, Any], *, cached: bool) -> SummaryResult:
        fields = {k: v for k, v in data.items() if k != "version"}
        fields["bullets"] = tuple(
            ResultBullet(b["text"], b.get("source"), tuple(b["span"]) if b.get("span") else None)
            for b in data["bullets"]
        )
        return cls(**fields, cached=cached)


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
