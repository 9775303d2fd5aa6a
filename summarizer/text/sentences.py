"""Split cleaned news text into sentences with exact spans.

Three steps, each a function here or in text/furniture.py: `paragraphs` cuts the text into
lines (and cuts out widgets glued into a line), `drop_furniture_lines` drops lines that are
not the story, `segment` splits the rest into sentences (pysbd, plus the run-on, tokenised
and quotation fixes below; datelines trimmed), then `drop_furniture_sentences` drops the
sentences that are page furniture. `split_sentences` runs them in that order.
"""

from __future__ import annotations

import re
from functools import lru_cache

import pysbd

from summarizer.text.furniture import drop_furniture_lines, drop_furniture_sentences
from summarizer.text.lang import LanguagePack, language_pack
from summarizer.text.units import Line, Sentence

#: pysbd ships rules for these; other languages fall back to English rules.
PYSBD_LANGUAGES = frozenset(
    "en hi mr zh es am ar hy bg ur ru pl fa nl da fr my el it ja de kk sk".split()
)

__all__ = ["Sentence", "paragraphs", "segment", "split_sentences"]


# "WASHINGTON (Reuters) -", "LONDON, March 3 (AP) —", "(CNN) --", "marseille , france ( cnn )".
#: News agencies whose name in brackets marks a dateline (the bullet clean-up shares it).
AGENCIES = r"reuters|ap|afp|cnn|bloomberg|upi|dpa|ansa|efe|xinhua|pa|bbc|ians|pti"
_DATELINE = re.compile(
    rf"""^\s*(?:
        [^\W\d_][\w .,'’/-]{{0,60}}?\s*\(\s*(?:{AGENCIES})\s*\)\s*(?:--|[-–—:])?\s*
      | \(\s*(?:{AGENCIES})\s*\)\s*(?:--|[-–—:])?\s*
      | [A-Z][A-Z .,'’-]{{2,40}}(?:,\s*[A-Z][a-z]{{2,9}}\.?\s+\d{{1,2}})?\s*(?:--|[–—])\s+
    )""",
    re.IGNORECASE | re.VERBOSE,
)
# "PORTHALLOW, Cornwall (Newsbot Wire) -", "TRURO, Cornwall, March 3 (Newsbot Wire) -": an
# all-caps place, up to two more parts (region, date), then any agency in brackets.
_DATELINE_AGENCY = re.compile(
    r"^\s*[A-Z][A-Z .'’-]{2,40}(?:,\s*[A-Z][\w .'’-]{1,30}){0,2}\s*\([A-Z][\w .&'’-]{1,30}\)"
    r"\s*(?:--|[-–—:])\s*"
)
_DATELINE_CAPS_ONLY = re.compile(r"^\s*[A-Z][A-Z .,'’-]{2,40}(?:,|\s*(?:--|[–—]))")

_LIST_ITEM = re.compile(r"^\s*(?:[-*•‣◦]|\d{1,2}[.)])\s+")
#: pysbd sentences longer than this are checked for sentences it ran together (_split_run_on).
RUN_ON_WORDS = 50
_RUN_ON_BREAK = re.compile(
    r"(?P<stop>(?<![\w.])(?P<word>[A-Za-z][a-z'’-]+|[A-Z]{2,}\d*|[A-Z]\d+|\d[\d,.%]*)"
    r"[)\]]?[.!?]+[\"”’]?)"
    # the next sentence after a space, or glued on where a line break was lost ("1958.His"),
    # or after a number, glued to an acronym ("£35.NHS Improvement …", "killed 30.IS also …")
    r"(?:\s+(?=[\"“‘]?[A-Z])|(?=[\"“]?[A-Z][a-z])|(?<=\d\.)(?=[A-Z]{2,}\b))"
)
_QUOTE_MARKS = ('"', "“", "”")
_OPENING_QUOTES = ('"', "“")
_CLOSING_QUOTES = ('"', "”")
# Tokenised text (" . " between sentences) that pysbd leaves glued together.
_TOKENISED_BREAK = re.compile(r"(?<=\s[.!?])\s+(?=\S)")


@lru_cache(maxsize=16)
def _segmenter(language: str) -> pysbd.Segmenter:
    lang = language if language in PYSBD_LANGUAGES else "en"
    return pysbd.Segmenter(language=lang, clean=False)


def split_sentences(text: str, language: str | None = None) -> list[Sentence]:
    """Sentences of `text` in order, page furniture removed, spans into `text`."""
    pack = language_pack(language)
    lines = drop_furniture_lines(paragraphs(text, pack), pack)
    return drop_furniture_sentences(segment(lines, language, pack), pack)


def paragraphs(text: str, pack: LanguagePack | None = None) -> list[Line]:
    """Each non-empty line with its offset; list items stay separate lines.

    A share widget or player notice glued into a line is cut out of it, leaving the text on
    either side as lines of their own: judged whole, a line that opens with "Share this with
    ..." is page furniture, and the story glued to it would be dropped with it.
    """
    glued = (pack or language_pack(None)).glued_furniture
    out, pos = [], 0
    for line in text.split("\n"):
        cursor = 0
        for furniture in glued.finditer(line) if glued else ():
            out.append(Line(pos + cursor, line[cursor : furniture.start()]))
            cursor = furniture.end()
        out.append(Line(pos + cursor, line[cursor:]))
        pos += len(line) + 1
    return [line for line in out if line.text.strip()]


def segment(
    lines: list[Line], language: str | None = None, pack: LanguagePack | None = None
) -> list[Sentence]:
    """The sentences of the story's lines, datelines and inline captions trimmed off.

    `index` counts every sentence returned; dropping furniture renumbers them.
    """
    segmenter = _segmenter((language or "en").split("-")[0].lower())
    pack = pack or language_pack(language)
    sentences: list[Sentence] = []
    for paragraph, line in enumerate(lines):
        start, block = line.start, line.text
        for s_start, s_end in _segment_block(block, segmenter, pack.abbreviations):
            piece = block[s_start:s_end]
            lead, trail = _trim_offsets(piece)
            if not piece[lead : len(piece) - trail].strip():
                continue
            a, b = start + s_start + lead, start + s_end - trail
            found = block[a - start : b - start]
            if pack.inline_caption is not None:
                found = pack.inline_caption.sub(" ", found)
            cleaned = " ".join(found.split())
            if cleaned and _has_words(cleaned):
                sentences.append(Sentence(cleaned, a, b, paragraph, len(sentences)))
    return sentences


def _segment_block(
    block: str, segmenter: pysbd.Segmenter, abbreviations: frozenset[str]
) -> list[tuple[int, int]]:
    """Sentence (start, end) offsets within one line.

    Runs pysbd's processor rather than `Segmenter.segment`: that locates every sentence again
    with a regex compiled from the sentence's own text, which is ~40 % of pysbd's time and
    flushes Python's regex cache of pysbd's abbreviation patterns. `str.find` from the
    previous sentence's end gives the same spans.
    """
    spans: list[tuple[int, int]] = []
    cursor = 0
    for piece in segmenter.processor(block).process():
        core = piece.strip()
        if not core:
            continue
        found = block.find(core, cursor)
        if found < 0:  # not verbatim in the block: pysbd's own segment() drops these too
            continue
        end = found + len(core)
        for a, b in _split_tokenised(block, found, end):
            spans.extend(_split_run_on(block, a, b, abbreviations))
        cursor = end
    return _reattach_closing_quotes(block, spans)


def _reattach_closing_quotes(block: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Give a quotation's closing mark back to the sentence it closes.

    pysbd can end a sentence at '… the repairs.' and start the next with '" The council …'
    when the quote marks are unbalanced; the mark closes the quotation the previous sentence
    opened, so it moves back there (only after an untokenised stop, and only when that
    sentence has an odd number of marks).
    """
    out: list[tuple[int, int]] = []
    for start, end in spans:
        mark, gap = block[start : start + 1], block[start + 1 : start + 2]
        closes = mark in _CLOSING_QUOTES and gap.isspace()
        if out and closes and _closes_previous(block, out[-1], start):
            out[-1] = (out[-1][0], start + 1)
            rest = block[start + 1 : end]
            start = end - len(rest.lstrip())
            if start >= end:
                continue
        out.append((start, end))
    return out


def _closes_previous(block: str, previous: tuple[int, int], mark: int) -> bool:
    """True if the quote mark at `mark` closes the quotation the previous sentence opened."""
    text = block[previous[0] : previous[1]]
    return (
        not block[previous[1] : mark].strip()
        and re.search(r"\w[.!?]$", text) is not None
        and _opens_quotation(text)
    )


def _split_run_on(
    block: str, start: int, end: int, abbreviations: frozenset[str]
) -> list[tuple[int, int]]:
    """Split a pysbd sentence where a stop is followed by a capitalised sentence.

    Two kinds of line break lost in a paste or a scraped page leave sentences run together:
    - a stop glued to the next paragraph ("… in 1993.The final column …"), which pysbd never
      splits: split at any length;
    - a quotation that runs over several paragraphs opens each one with a quote mark and
      closes only the last; pysbd then pairs the marks wrongly and keeps two paragraphs
      ('… on the next one. "Airlines cannot …') together, or returns paragraphs of quoted and
      reported speech as one "sentence" of 100-300 words, which would become one bullet.
      A stop, a space and an opening mark are split at any length, a stop and a space only
      in pieces over 50 words.
    Either only after a word of two or more letters that is not a title ("Mr.", "Gov."), an
    acronym ("the BBC.On", "WW1.The") or a number, each perhaps closing a bracket, and before
    a capital (after a number, also before an acronym: "£35.NHS Improvement"),
    so abbreviations such as "U.S. Army" or "Batman v. Superman" and short quoted sentences
    pysbd keeps whole stay as they are. A quote mark glued between the two sentences goes with
    the one it belongs to: it closes a quotation the first one opened, else it opens the second.
    """
    piece = block[start:end]
    long = len(piece.split()) > RUN_ON_WORDS
    out, last = [], 0
    for m in _RUN_ON_BREAK.finditer(piece):
        glued = m.end() == m.end("stop")
        quoted = piece[m.end() : m.end() + 1] in _OPENING_QUOTES
        if m.group("word").lower() in abbreviations or not (long or glued or quoted):
            continue
        if glued and _in_address(piece, m.end("word")):
            continue
        cut = m.end("stop")
        if glued and piece[cut - 1] in _QUOTE_MARKS and not _opens_quotation(piece[last : cut - 1]):
            cut -= 1
        out.append((start + last, start + cut))
        last = cut if glued else m.end()
    out.append((start + last, end))
    return out


def _in_address(piece: str, at: int) -> bool:
    """True if the stop at `at` sits inside a web or e-mail address ("www.Example.com",
    "https://…/News.Today", "Jane.Doe@…"), not between two sentences."""
    start = piece.rfind(" ", 0, at) + 1
    end = len(piece) if (space := piece.find(" ", at)) < 0 else space
    before, after = piece[start:at], piece[at:end].lstrip(".!?\"”’)]").split(".", 1)
    return (
        "://" in before
        or before.lower().startswith("www")
        or "@" in after[0]
        or "/" in after[0]
        or (len(after) > 1 and after[1][:1].isalpha())
    )


def _opens_quotation(text: str) -> bool:
    """True if `text` leaves a quotation open (an odd number of double quote marks)."""
    return sum(text.count(mark) for mark in _QUOTE_MARKS) % 2 == 1


def _split_tokenised(block: str, start: int, end: int) -> list[tuple[int, int]]:
    """Split a pysbd sentence further where tokenised text has " . " breaks."""
    piece = block[start:end]
    if " . " not in piece and " ? " not in piece and " ! " not in piece:
        return [(start, end)]
    out, last = [], 0
    for m in _TOKENISED_BREAK.finditer(piece):
        cut, nxt = m.start(), m.end()
        if nxt < last:
            continue
        # a closing quote after the stop belongs to the sentence it ends
        if piece[nxt : nxt + 1] == '"' and piece[last:cut].count('"') % 2 == 1:
            cut = nxt + 1
            nxt = cut + len(piece[cut:]) - len(piece[cut:].lstrip())
        out.append((start + last, start + cut))
        last = nxt
    out.append((start + last, end))
    return [s for s in out if s[1] > s[0]]


def _trim_offsets(piece: str) -> tuple[int, int]:
    """How many characters to cut from each end: whitespace and a leading dateline."""
    lead = len(piece) - len(piece.lstrip())
    marker = _LIST_ITEM.match(piece, lead)
    if marker and marker.end() < len(piece):
        lead = marker.end()
    m = _DATELINE_AGENCY.match(piece, lead) or _DATELINE.match(piece, lead)
    if m and _dateline_ok(piece, m):
        # a dateline pysbd split off on its own ("(CNN) The …" → "(CNN)") is no sentence
        lead = m.end() if m.end() < len(piece.rstrip()) else len(piece)
    trail = len(piece) - len(piece.rstrip())
    return lead, trail


def _dateline_ok(piece: str, match: re.Match[str]) -> bool:
    """Only cut an all-caps place name if it really is one (not a shouted sentence)."""
    head = match.group(0)
    if "(" in head:
        return True
    return bool(_DATELINE_CAPS_ONLY.match(piece)) and len(head.split()) <= 6


def _has_words(text: str) -> bool:
    return sum(ch.isalpha() for ch in text) >= 3

