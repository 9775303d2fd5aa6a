"""Links → stories: the same article under other URLs always merges; two outlets' reports of
one event merge when their text is close and they name the same things.

Three tests, any of which merges two posts (union-find, so merging is transitive):
1. the same story URL (`story_url`: normalised, AMP and mobile variants folded, and the
   address the article was finally read from, so a redirect or a canonical link matches);
2. the same summary text (the same article re-posted under an unrelated address);
3. sentence-vector cosine of title + bullets at or above `threshold`, guarded: the names and
   numbers they mention must agree (`entities_agree`), so "Fed raises rates" and "ECB raises
   rates" stay apart however close their wording is.
The default threshold was chosen on benchmarks/digest_grouping.py (see BENCHMARKS.md).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol
from urllib.parse import urlsplit, urlunsplit

import numpy as np

from bot.digests.model import DigestEntry
from bot.errors import BotError
from bot.urls import normalize_url

#: Cosine of title+bullets vectors at which two reports may be one story (chosen on the
#: labelled pairs of benchmarks/digest_grouping.py; see the module docstring).
DEFAULT_THRESHOLD = 0.80
#: Share of the names two reports mention (Jaccard) below which they are different stories.
MIN_NAME_OVERLAP = 0.2
#: Rows of the similarity matrix computed at once: bounds memory for 10,000-link channels.
BLOCK_ROWS = 512

#: Capitalised words that start sentences rather than name anything (English; other languages
#: rely on the numbers and the names that are not in this list).
_NOT_NAMES = frozenset(
    "a an the this that these those it its he she his her they their them we our you your i "
    "in on at by for from of to with as and or but if when while after before since until "
    "there here what who why how where which mr mrs ms dr new more most some many all one two "
    "three also however meanwhile yet so not no now then".split()
)
_WORD = re.compile(r"[^\W_][\w'’.&-]*", re.UNICODE)
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_AMP_PATH = re.compile(r"(/amp/?$|\.amp(?=\.html?$)|\.amp$|^/amp(?=/))", re.IGNORECASE)
_AMP_QUERY = {"amp", "outputtype=amp", "amp=1", "amp=true", "_amp=true"}
_HOST_PREFIXES = ("www.", "amp.", "m.", "mobile.")


class Encoder(Protocol):
    def encode(self, sentences: Sequence[str]) -> np.ndarray: ...


def story_url(url: str) -> str:
    """The address of the article behind `url`, the same for its AMP, mobile and tracked forms."""
    try:
        canonical = normalize_url(url)
    except BotError:
        return ""
    parts = urlsplit(canonical)
    host = parts.hostname or ""
    for prefix in _HOST_PREFIXES:
        if host.startswith(prefix) and host.count(".") >= 2:
            host = host[len(prefix) :]
            break
    netloc = host + (f":{parts.port}" if parts.port else "")
    path = _AMP_PATH.sub("", parts.path).rstrip("/") or "/"
    query = "&".join(p for p in parts.query.split("&") if p and p.lower() not in _AMP_QUERY)
    return urlunsplit(("https", netloc, path, query, ""))


def content_key(entry: DigestEntry) -> str:
    """The same article re-posted gets the same summary, word for word."""
    words = _WORD.findall(" ".join(entry.bullets).casefold())
    if len(words) < 8:  # too little text to call two posts the same
        return ""
    return hashlib.blake2b(" ".join(words).encode(), digest_size=16).hexdigest()


@dataclass(frozen=True)
class Mentions:
    """The names and numbers a text mentions (lower-cased), for the merge guard."""

    names: frozenset[str]
    numbers: frozenset[str]
    title_names: frozenset[str]
    title_numbers: frozenset[str]


def mentions(entry: DigestEntry) -> Mentions:
    # A capitalised word that also appears in lower case is a Title Case headline's word or a
    # sentence's first word, not a name: "Fed Raises Rates" names only "fed".
    common = {w.rstrip(".'’-") for w in _WORD.findall(entry.text) if not w[0].isupper()}
    title_names = _names(entry.title, common)
    body = " ".join(entry.bullets)
    title_numbers = _numbers(entry.title)
    return Mentions(
        title_names | _names(body, common), title_numbers | _numbers(body), title_names,
        title_numbers,
    )


def entities_agree(a: Mentions, b: Mentions) -> bool:
    """False when two close texts are about different actors or figures."""
    if a.title_names and b.title_names and not a.title_names & b.title_names:
        return False  # "Fed raises rates" / "ECB raises rates"
    if a.title_numbers and b.title_numbers and not a.title_numbers & b.title_numbers:
        return False
    if a.names and b.names:
        overlap = len(a.names & b.names) / len(a.names | b.names)
        if overlap < MIN_NAME_OVERLAP:
            return False
    return True


def group(
    entries: Sequence[DigestEntry],
    encoder: Encoder | None,
    threshold: float = DEFAULT_THRESHOLD,
    vectors: np.ndarray | None = None,
) -> list[list[int]]:
    """Indices of `entries` grouped into stories, each group in input order, groups by their
    first member. Without an encoder only URL and text matches merge."""
    n = len(entries)
    parent = list(range(n))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def union(i: int, j: int) -> None:
        ri, rj = find(i), find(j)
        if ri != rj:
            parent[max(ri, rj)] = min(ri, rj)

    seen: dict[str, int] = {}
    for i, entry in enumerate(entries):
        keys = {story_url(entry.url), story_url(entry.article_url), "text:" + content_key(entry)}
        for key in keys - {"", "text:"}:
            if key in seen:
                union(seen[key], i)
            else:
                seen[key] = i
    if n > 1 and (encoder is not None or vectors is not None):
        if vectors is None:
            vectors = encode_entries(entries, encoder)
        marks = [mentions(e) for e in entries]
        for i, j in similar_pairs(vectors, threshold):
            if find(i) != find(j) and entities_agree(marks[i], marks[j]):
                union(i, j)
    groups: dict[int, list[int]] = {}
    for i in range(n):
        groups.setdefault(find(i), []).append(i)
    return list(groups.values())


def encode_entries(entries: Sequence[DigestEntry], encoder: Encoder | None) -> np.ndarray:
    """Unit vectors of each entry's title and bullets."""
    if encoder is None:
        raise ValueError("an encoder is needed to compare texts")
    vectors = np.asarray(encoder.encode([e.text or e.url for e in entries]), dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.maximum(norms, 1e-12)


def similar_pairs(vectors: np.ndarray, threshold: float) -> list[tuple[int, int]]:
    """(i, j), i < j, with cosine >= threshold; computed in row blocks to bound memory."""
    pairs: list[tuple[int, int]] = []
    n = len(vectors)
    for start in range(0, n, BLOCK_ROWS):
        block = vectors[start : start + BLOCK_ROWS] @ vectors.T
        rows, cols = np.nonzero(block >= threshold)
        for r, c in zip(rows.tolist(), cols.tolist(), strict=True):
            if c > start + r:
                pairs.append((start + r, c))
    pairs.sort(key=lambda p: -float(vectors[p[0]] @ vectors[p[1]]))
    return pairs


def _names(text: str, common: set[str]) -> frozenset[str]:
    found = set()
    for word in _WORD.findall(text):
        word = word.rstrip(".'’-")
        if not word or not word[0].isupper():
            continue
        folded = word.casefold()
        if folded not in _NOT_NAMES and folded not in common:
            found.add(folded)
    return frozenset(found)


def _numbers(text: str) -> frozenset[str]:
    return frozenset(n.replace(",", "") for n in _NUMBER.findall(text))
