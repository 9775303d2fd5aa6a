"""Links → stories: the same article under other URLs always merges; two outlets' reports of
one event merge when their text is close and they name the same things.

Four tests, any of which merges two posts (union-find, so merging is transitive):
1. the same story URL (`story_url`: normalised, AMP and mobile variants folded, and the
   address the article was finally read from, so a redirect or a canonical link matches);
2. the same summary text (the same article re-posted under an unrelated address);
3. a run of SHARED_RUN_WORDS words in a row common to their bullets (`shared_text_pairs`):
   an extractive summary quotes the article, so two copies of one text (wire copy re-posted,
   an outlet's edit of it) share whole sentences, which reports of two events rarely do (the
   known exception: an outlet's follow-up that repeats a background sentence of the first
   report); guarded by the headlines (`entities_agree(..., body=False)`), since two central
   banks' reports can share a sentence of boilerplate;
4. sentence-vector cosine of title + bullets at or above `threshold`, or of the headlines
   alone at or above TITLE_THRESHOLD with title + bullets at least BODY_FLOOR (two outlets'
   copies of one report pick different sentences but keep its headline), guarded: the names
   and numbers they mention must agree (`entities_agree`), so "Fed raises rates" and "ECB
   raises rates" stay apart however close their wording is.
The default threshold and SHARED_RUN_WORDS were chosen on benchmarks/digest_grouping.py
(see BENCHMARKS.md).
"""

from __future__ import annotations

import collections
import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

import numpy as np

from bot.digests.model import DigestEntry
from bot.digests.vectors import Encoder, Vectors, vectors_of
from bot.errors import BotError
from bot.urls import normalize_url

#: Cosine of title+bullets vectors at which two reports may be one story (chosen on the
#: labelled pairs of benchmarks/digest_grouping.py; see the module docstring).
DEFAULT_THRESHOLD = 0.88
#: Headlines this close (cosine) are one story if their reports are at least BODY_FLOOR close.
TITLE_THRESHOLD = 0.80
BODY_FLOOR = 0.60
#: Words in a row two posts' bullets must share to be copies of one text (see the docstring).
SHARED_RUN_WORDS = 15
#: Share of the names two reports mention (Jaccard) below which they are different stories.
MIN_NAME_OVERLAP = 0.2
#: Members of each story checked against each other when two stories merge (bounds the work).
MAX_GUARD_CHECKS = 20
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
_POSSESSIVE = re.compile(r"['’]s$")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_AMP_PATH = re.compile(r"(/amp/?$|\.amp(?=\.html?$)|\.amp$|^/amp(?=/))", re.IGNORECASE)
_AMP_QUERY = {"amp", "outputtype=amp", "amp=1", "amp=true", "_amp=true"}
_HOST_PREFIXES = ("www.", "amp.", "m.", "mobile.")


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
    """The same article re-posted gets the same headline and summary, word for word."""
    words = _WORD.findall(" ".join(entry.bullets).casefold())
    if len(words) < 8:  # too little text to call two posts the same
        return ""
    words += ["|", *_WORD.findall(entry.title.casefold())]
    return hashlib.blake2b(" ".join(words).encode(), digest_size=16).hexdigest()


@dataclass(frozen=True)
class Mentions:
    """The names and numbers a text mentions (lower-cased), for the merge guard."""

    names: frozenset[str]
    numbers: frozenset[str]
    title_names: frozenset[str]
    title_numbers: frozenset[str]
    #: The headline's words as written, to see whether two headlines differ only in a name.
    title_words: frozenset[str] = frozenset()
    #: Every word of the headline and bullets, lower-cased: what the post mentions at all.
    words: frozenset[str] = frozenset()


def mentions(entry: DigestEntry) -> Mentions:
    """Names are capitalised words never written in lower case in the entry (so not a Title
    Case headline's words) that stand inside a sentence or are repeated (so not just any
    sentence's first word: "Microsoft has…" under "Microsoft takes on…" is a name)."""
    texts = [entry.title, *entry.bullets]
    words = [_words(t) for t in texts]
    common = {w for ws in words for w, _ in ws if not w[0].isupper()}
    capitalised = collections.Counter(w.casefold() for ws in words for w, _ in ws if w[0].isupper())
    inner = {w.casefold() for ws in words for w, first in ws if not first and w[0].isupper()}
    inner |= {w for w, n in capitalised.items() if n > 1}

    def names(ws: list[tuple[str, bool]]) -> frozenset[str]:
        found = set()
        for word, first in ws:
            folded = word.casefold()
            if not word[0].isupper() or folded in _NOT_NAMES or folded in common:
                continue
            if not first or folded in inner:
                found.add(folded)
        return frozenset(found)

    title_names = names(words[0])
    body_names = frozenset().union(*(names(ws) for ws in words[1:]))
    title_numbers = _numbers(entry.title)
    body_numbers = frozenset().union(*(_numbers(b) for b in entry.bullets))
    return Mentions(
        title_names | body_names,
        title_numbers | body_numbers,
        title_names,
        title_numbers,
        title_words=frozenset(w for w, _ in words[0]),
        words=frozenset(w.casefold() for ws in words for w, _ in ws),
    )


def entities_agree(a: Mentions, b: Mentions, *, body: bool = True) -> bool:
    """False when two close texts are about different actors or figures. With `body=False`
    only the headlines are checked, not how much the bullets' names overlap: two copies of
    one text pick different sentences, and so different names, from it."""
    only_a, only_b = a.title_words - b.title_words, b.title_words - a.title_words
    if only_a and only_b and all(w[0].isupper() for w in only_a | only_b):
        return False  # the headlines differ only in who: "Fed raises…" / "ECB raises…"
    if a.title_names - b.words or b.title_names - a.words:
        return False  # a headline names someone the other post never mentions, at all
    if a.title_numbers and b.title_numbers and not a.title_numbers & b.title_numbers:
        return False
    if body and a.names and b.names:
        overlap = len(a.names & b.names) / len(a.names | b.names)
        if overlap < MIN_NAME_OVERLAP:
            return False
    return True


def group(
    entries: Sequence[DigestEntry],
    encoder: Encoder | None,
    threshold: float = DEFAULT_THRESHOLD,
    vectors: Vectors | None = None,
    shared_run: int = SHARED_RUN_WORDS,
) -> list[list[int]]:
    """Indices of `entries` grouped into stories, each group in input order, groups by their
    first member. Without vectors (stored or encoded) only URL and text matches merge."""
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
    if n < 2:
        return [[i] for i in range(n)]
    marks: dict[int, Mentions] = {}  # only posts that are close to another need them

    def mark(i: int) -> Mentions:
        if i not in marks:
            marks[i] = mentions(entries[i])
        return marks[i]

    members: dict[int, list[int]] = {}

    def guarded_union(i: int, j: int, body: bool) -> None:
        ri, rj = find(i), find(j)
        if ri == rj:
            return
        # every pair across the two stories must agree, so a chain of close reports can't
        # carry "ECB raises rates" into the Fed's story
        a, b = members[ri][:MAX_GUARD_CHECKS], members[rj][:MAX_GUARD_CHECKS]
        if all(entities_agree(mark(x), mark(y), body=body) for x in a for y in b):
            union(ri, rj)
            members[min(ri, rj)] += members.pop(max(ri, rj))

    for i in range(n):  # posts merged by address or text are one story already
        members.setdefault(find(i), []).append(i)
    for i, j in shared_text_pairs(entries, shared_run) if shared_run else ():
        guarded_union(i, j, body=False)
    if vectors is None:
        vectors = vectors_of(entries, encoder)
    if vectors is not None:
        text, titles = vectors.text, vectors.title
        close = similar_pairs(text, threshold)
        close += [
            (i, j) for i, j in similar_pairs(titles, TITLE_THRESHOLD)
            if entries[i].title and entries[j].title and text[i] @ text[j] >= BODY_FLOOR
        ]  # fmt: skip
        for i, j in close:
            guarded_union(i, j, body=True)
    groups: dict[int, list[int]] = {}
    for i in range(n):
        groups.setdefault(find(i), []).append(i)
    return list(groups.values())


def shared_text_pairs(
    entries: Sequence[DigestEntry], run: int = SHARED_RUN_WORDS
) -> list[tuple[int, int]]:
    """(i, j), i < j, where a bullet of j repeats `run` words in a row of a bullet of i, i
    being the first post with those words; found through a hash of every run of words, so in
    time linear in the length of the bullets."""
    first: dict[int, int] = {}
    pairs: set[tuple[int, int]] = set()
    for j, entry in enumerate(entries):
        for bullet in entry.bullets:
            words = [w.rstrip(".'’-") for w in _WORD.findall(bullet.casefold())]
            for k in range(len(words) - run + 1):
                i = first.setdefault(hash(" ".join(words[k : k + run])), j)
                if i != j:
                    pairs.add((i, j))
    return sorted(pairs)


def similar_pairs(vectors: np.ndarray, threshold: float) -> list[tuple[int, int]]:
    """(i, j), i < j, with cosine >= threshold; computed in row blocks to bound memory."""
    found: list[tuple[float, int, int]] = []
    n = len(vectors)
    for start in range(0, n, BLOCK_ROWS):
        block = vectors[start : start + BLOCK_ROWS] @ vectors.T
        rows, cols = np.nonzero(block >= threshold)
        keep = cols > rows + start
        rows, cols = rows[keep], cols[keep]
        sims = block[rows, cols]
        found += zip(sims.tolist(), (rows + start).tolist(), cols.tolist(), strict=True)
    found.sort(key=lambda t: -t[0])  # the closest pairs merge first
    return [(i, j) for _, i, j in found]


def _words(text: str) -> list[tuple[str, bool]]:
    """(word, starts a sentence?) for each word of `text`."""
    out = []
    first = True
    for match in _WORD.finditer(text):
        word = match.group(0)
        stripped = _POSSESSIVE.sub("", word).rstrip(".'’-")
        if stripped:
            out.append((stripped, first))
        first = word.endswith(".") or text[match.end() : match.end() + 1] in ("!", "?", ":")
    return out


def _numbers(text: str) -> frozenset[str]:
    return frozenset(n.replace(",", "") for n in _NUMBER.findall(text))
