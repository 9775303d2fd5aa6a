"""Drop page furniture: lines and sentences that are not the story.

Pasted articles and extracted pages carry share bars, bylines, photo captions and credits,
agency trailers and player notices. None of them may become a bullet, and left in they also
skew the ranker's position and centrality features, so they are dropped before ranking. What
counts as furniture is mostly words, so the article's language pack decides (text/lang/);
a short line without sentence punctuation is a menu label in any language.
"""

from __future__ import annotations

from dataclasses import replace

from summarizer.text.lang import LanguagePack, language_pack
from summarizer.text.units import Line, Sentence

#: A longer line is judged sentence by sentence, not whole: a line that opens with furniture
#: ("Read more: …") yet runs on for this many words is prose pasted without its line breaks.
FURNITURE_LINE_MAX_WORDS = 80
# A menu or widget label rather than prose: "Share", "Getty Images", "Most read", "Topics".
# Characters bound it too: a CJK or Thai paragraph is one "word" to str.split().
LABEL_MAX_WORDS = 3
LABEL_MAX_CHARS = 25
_SENTENCE_END = tuple(".!?…:;\"”’»)。！？．؟।")


def drop_furniture_lines(lines: list[Line], pack: LanguagePack | None = None) -> list[Line]:
    """The lines that may hold story: menu labels and whole furniture lines dropped."""
    is_furniture = (pack or language_pack(None)).is_furniture
    return [
        line
        for line in lines
        if not is_page_label(line.text)
        and not (len(line.text.split()) <= FURNITURE_LINE_MAX_WORDS and is_furniture(line.text))
    ]


def drop_furniture_sentences(
    sentences: list[Sentence], pack: LanguagePack | None = None
) -> list[Sentence]:
    """The sentences that are story, numbered again from 0."""
    is_furniture = (pack or language_pack(None)).is_furniture
    kept = [s for s in sentences if not is_furniture(s.text)]
    return [s if s.index == i else replace(s, index=i) for i, s in enumerate(kept)]


def is_boilerplate(line: str, pack: LanguagePack | None = None) -> bool:
    """True for a line or sentence that is page furniture in the pack's language."""
    return (pack or language_pack(None)).is_furniture(line)


def is_page_label(line: str) -> bool:
    """True for a short line without sentence punctuation: a menu item, credit or subhead.

    Only whole lines are judged this way (a pasted page's "Share", "Getty Images" or "Most
    read"); they cannot become bullets, and left in they shift every later sentence's position.
    """
    text = line.strip()
    return (
        0 < len(text.split()) <= LABEL_MAX_WORDS
        and len(text) <= LABEL_MAX_CHARS
        and not text.endswith(_SENTENCE_END)
    )
