"""Make a chosen sentence read well as a chat bullet without changing what it says.

Every edit here either restores the text's normal form (tokenised spacing, mis-decoded
characters such as "Â£", a typewriter " -- " dash, a dangling quote mark, a leftover
dateline, a missing final stop) or drops a part whose removal cannot change the meaning of
what is left: a parenthetical aside, everything after a semicolon, and what the article's
language pack (text/lang/) knows to be safe: in English a pronoun-only attribution after a
quotation (", he said"), a pointer to a photo the reader cannot see ("(right)", ", pictured
in 2007,"), a leading "But" or "However," that links to a sentence the list may not show,
a trailing non-restrictive clause. Sentences are never cut mid-clause and never get an
ellipsis.
"""

from __future__ import annotations

import re

from summarizer.text.lang import LanguagePack, language_pack
from summarizer.text.mojibake import repair_mojibake
from summarizer.text.sentences import AGENCIES
from summarizer.text.wordcount import word_count

#: Shortening never leaves fewer words than this.
MIN_WORDS = 8

_SPACE_BEFORE_PUNCT = re.compile(r"\s+([,.;:!?%)\]}])")
_SPACE_AFTER_OPEN = re.compile(r"([(\[{$£€])\s+")
#: A stop or comma standing alone between spaces: PTB-tokenised text, in any language.
_TOKENISED_STOP = re.compile(r"\s[.,;:!?](?:\s|$)")
_TOKENISED_HYPHEN = re.compile(r"(?<=\w) - (?=\w)")
_TOKENISED_DASH = re.compile(r"\s*--\s*")
# A typewriter dash in raw text ("online activity -- blogs, youtube channels -- have …").
_SPACED_DOUBLE_HYPHEN = re.compile(r"\s+--\s+")
# What the splitter trims off a sentence can still open a model's output or a pasted bullet.
_LEADING_DATELINE = re.compile(
    rf"^\s*(?:[\w .,'’/-]{{0,60}}?\s*)?\(\s*(?:{AGENCIES})\s*\)\s*(?:--|[-–—:])?\s*",
    re.I,
)
_LEADING_JUNK = re.compile(r"^(?:[-–—:;,.|•*]\s*|['’‘]\s+)+")
_PARENTHETICAL = re.compile(r"\s+\([^()]{3,120}\)(?=[\s,.;:])")
# Ends in a letter or digit of a script whose sentences end with ".": Latin, Greek, Cyrillic.
_ENDS_UNPUNCTUATED = re.compile(r"[%0-9A-Za-z\u00c0-\u024f\u0370-\u03ff\u0400-\u04ff]$")


def clean_bullet(text: str, target_words: int = 40, pack: LanguagePack | None = None) -> str:
    """Tidy spacing, quotes and datelines; shorten past `target_words` only at safe cuts."""
    pack = pack or language_pack(None)
    text = repair_mojibake(" ".join(text.split()))
    tokenised = bool(_TOKENISED_STOP.search(text)) or pack.shows_clitics(text)
    if tokenised:
        text = detokenise(text, pack)
    text = _SPACED_DOUBLE_HYPHEN.sub(" — ", text)
    text = _LEADING_DATELINE.sub("", text, count=1)
    text = _LEADING_JUNK.sub("", text)
    text = pack.polish(text)
    if word_count(text) > target_words:
        text = shorten(text, target_words, pack)
    text = _balance_quotes(text)
    first = re.match(r"^[\"“'(]*([^\W\d_])", text)
    if first and first.group(1).islower() and (tokenised or not any(c.isupper() for c in text)):
        i = first.start(1)  # lower-cased source: restore the sentence's capital
        text = text[:i] + text[i].upper() + text[i + 1 :]
    text = text.strip()
    if _ENDS_UNPUNCTUATED.search(text) and len(text.split()) >= 4:
        text += "."  # a standfirst or a model's bullet: end it like the others
    return text


def detokenise(text: str, pack: LanguagePack | None = None) -> str:
    """Undo PTB-style tokenisation: "do n't" → "don't", "word , word" → "word, word".

    Public because `benchmarks/quality.py` turns tokenised CNN/DM text back into raw-like
    text with it (`--form recased`).
    """
    text = (pack or language_pack(None)).join_clitics(text)
    text = _TOKENISED_DASH.sub(" — ", text)
    text = _TOKENISED_HYPHEN.sub("-", text)
    text = _SPACE_BEFORE_PUNCT.sub(r"\1", text)
    text = _SPACE_AFTER_OPEN.sub(r"\1", text)
    text = text.replace("`` ", '"').replace(" ''", '"')
    # straight double quotes alternate open/close: glue each to the words it encloses
    parts = text.split('"')
    if len(parts) > 1:
        # an odd count whose first mark follows a comma or stop closes an earlier quotation
        first_closes = len(parts) % 2 == 0 and bool(re.search(r"[,.!?]\s*$", parts[0]))
        out = [parts[0]]
        for i, part in enumerate(parts[1:], start=1):
            opening = (i % 2 == 1) != first_closes
            if opening:
                out.append('"' + part.lstrip())
            else:
                out[-1] = out[-1].rstrip()
                out.append('"' + part)
        text = "".join(out)
        text = re.sub(r'"\s+([,.;:!?])', r'"\1', text)
    return " ".join(text.split())


def shorten(text: str, target_words: int, pack: LanguagePack | None = None) -> str:
    """Cut at safe points until the text fits (or no safe cut is left)."""
    trailing_clause = (pack or language_pack(None)).cut_trailing_clause
    for cut in (_cut_parentheticals, _cut_after_semicolon, trailing_clause):
        if word_count(text) <= target_words:
            break
        shorter = cut(text)
        if word_count(shorter) >= MIN_WORDS:
            text = shorter
    return text


def _cut_parentheticals(text: str) -> str:
    return _PARENTHETICAL.sub("", text)


def _cut_after_semicolon(text: str) -> str:
    if text.count('"') % 2 or "“" in text:
        return text  # a semicolon inside a quotation: cutting would split the quote
    head, sep, _tail = text.partition("; ")
    return head + "." if sep else text


def _balance_quotes(text: str) -> str:
    """Drop a quote mark left over from a neighbouring sentence; close one left open."""
    if text.count('"') % 2 == 1:
        if text.startswith('"') and not _opens_quote_inside(text[1:]):
            text = text[1:].lstrip()
        elif text.endswith('"'):
            text = text[:-1].rstrip()
        elif text.startswith('"'):
            text = text[1:].lstrip()
        elif re.search(r'[,.!?]"\s', text):
            text = '"' + text  # it closes a quotation that this sentence opened
        else:
            text = text + '"'  # a quotation that runs on into the next sentence
    if text.startswith("(") and ")" not in text:
        text = text[1:].lstrip()  # the bracket closes in a later sentence
    while text[:1] in (")", "]"):
        text = text[1:].lstrip()  # ... or it opened in an earlier one
    if text.count("“") > text.count("”"):
        text = text[1:].lstrip() if text.startswith("“") else text + "”"
    if text.count("”") > text.count("“") and text.endswith("”"):
        text = text[:-1].rstrip()
    return text


def _opens_quote_inside(rest: str) -> bool:
    return '"' in rest
