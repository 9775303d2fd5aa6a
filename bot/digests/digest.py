"""Stories into a digest: one line each, ordered by shares, then votes, then recency."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from urllib.parse import urlsplit

import numpy as np

from bot.digests.model import DigestEntry
from bot.digests.stories import DEFAULT_THRESHOLD, group
from bot.digests.vectors import Encoder, Vectors, vectors_of
from bot.results import Digest, Story

#: A digest line's gist is one sentence, cut at this many characters.
GIST_LIMIT = 280
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[\"“‘'(\[]?[A-Z0-9])")


def build_digest(
    entries: Sequence[DigestEntry],
    *,
    channel_key: str,
    label: str,
    since: float,
    until: float,
    encoder: Encoder | None,
    votes: Mapping[str, tuple[int, int]] | None = None,
    threshold: float = DEFAULT_THRESHOLD,
    max_stories: int = 25,
    capped: bool = False,
) -> Digest:
    """The digest of `entries` (one channel, one period): stories best first, capped."""
    votes = votes or {}
    vectors = vectors_of(entries, encoder) if entries else None
    groups = group(entries, encoder, threshold, vectors=vectors)
    stories = [_story([entries[i] for i in g], votes, vectors, g) for g in groups]
    stories.sort(key=lambda s: (-s.shares, -s.score, -s.last_posted))
    kept = stories[:max_stories]
    return Digest(
        channel_key, label, since, until, tuple(kept), links=len(entries),
        omitted=len(stories) - len(kept), capped=capped,
    )  # fmt: skip


def _story(
    members: list[DigestEntry],
    votes: Mapping[str, tuple[int, int]],
    vectors: Vectors | None,
    indices: list[int],
) -> Story:
    first = members[0]
    ups = downs = 0
    for entry in members:
        up, down = votes.get(entry.vote_key, (0, 0))
        ups, downs = ups + up, downs + down
    sites: list[str] = []
    urls: list[str] = []
    for entry in members:
        site = entry.site or _host(entry.url)
        if site and site not in sites:
            sites.append(site)
        if entry.url and entry.url not in urls:
            urls.append(entry.url)
    return Story(
        title=first.title or first.site or first.url or "Shared text",
        url=first.url,
        gist=_gist(members, vectors, indices),
        sites=tuple(sites),
        urls=tuple(urls),
        shares=len(members),
        ups=ups,
        downs=downs,
        first_permalink=first.permalink,
        first_posted=first.posted_at,
        last_posted=max(e.posted_at for e in members),
    )


def _gist(members: list[DigestEntry], vectors: Vectors | None, indices: list[int]) -> str:
    """The bullet closest to what all the reports say (the first one when there is one report)."""
    bullets = [b for e in members for b in e.bullets]
    if not any(b.strip() for b in bullets):
        return ""
    best = next(b for b in bullets if b.strip())
    if len(members) > 1 and vectors is not None:
        centre = vectors.text[indices].mean(axis=0)
        rows = np.concatenate([vectors.bullets[i] for i in indices])
        scores = rows @ centre
        ranked = [bullets[k] for k in np.argsort(-scores).tolist()]
        best = next(b for b in ranked if b.strip())
    return one_sentence(best)


def one_sentence(text: str, limit: int = GIST_LIMIT) -> str:
    """The first sentence of `text`, cut to `limit` characters."""
    sentence = _SENTENCE_END.split(text.strip(), maxsplit=1)[0].strip()
    if len(sentence) <= limit:
        return sentence
    return sentence[: limit - 1].rsplit(" ", 1)[0].rstrip(",;:") + "…"


def _host(url: str) -> str:
    host = urlsplit(url).hostname or "" if url else ""
    return host.removeprefix("www.")
