"""How long a text is, in words, for scripts written with or without spaces between words.

`str.split()` sees a Japanese, Chinese or Thai paragraph as one word, so every length judgement
(the page gate, bullet length, reading time) goes through `word_count` instead: spaced text
counts its tokens as before; each run of an unspaced script counts its characters divided by
that script's average word length.
"""

from __future__ import annotations

import math
import re

#: Unspaced scripts: characters of each, and how many of them make one word on average
#: (Chinese and Japanese words run ~1.5-2 characters; Thai, Lao, Khmer and Burmese ~4-6,
#: their vowel and tone marks included).
_UNSPACED = (
    (
        re.compile(
            "[\u3040-\u30ff"  # Hiragana, Katakana
            "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"  # CJK ideographs
            "\u31f0-\u31ff\uff66-\uff9f]"  # Katakana extensions, half-width Katakana
        ),
        2.0,
    ),
    (re.compile("[\u0e00-\u0e7f\u0e80-\u0eff\u1000-\u109f\u1780-\u17ff]"), 5.0),
)
#: CJK punctuation and full-width forms: neither words nor part of one.
_CJK_PUNCTUATION = re.compile("[\u3000-\u303f\uff01-\uff0f\uff1a-\uff20\uff5b-\uff65]")
_ANY_UNSPACED = re.compile("|".join(p.pattern for p, _ in _UNSPACED))


def word_count(text: str) -> int:
    """Words in `text`; for spaced text exactly `len(text.split())`."""
    if not _ANY_UNSPACED.search(text):
        return len(text.split())
    unspaced = sum(len(pattern.findall(text)) / per_word for pattern, per_word in _UNSPACED)
    spaced = _CJK_PUNCTUATION.sub(" ", _ANY_UNSPACED.sub(" ", text))
    return len(spaced.split()) + math.ceil(unspaced)


def unspaced_share(text: str) -> float:
    """Share of the letters in `text` that belong to a script written without spaces."""
    letters = sum(ch.isalpha() for ch in text)
    return min(1.0, len(_ANY_UNSPACED.findall(text)) / letters) if letters else 0.0
