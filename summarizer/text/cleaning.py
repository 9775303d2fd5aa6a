"""Clean raw input before anything reads it: one Unicode form, one line ending, no controls.

Edits keep the text's length nearly unchanged so that sentence spans still point into it.
"""

from __future__ import annotations

import re
import unicodedata

from summarizer.base import InputError

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean_text(text: str) -> str:
    """Normalise Unicode and drop control characters; keeps length-changing edits minimal."""
    text = unicodedata.normalize("NFC", text)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROL.sub(" ", text)


def clean_input(text: str, max_chars: int) -> tuple[str, bool]:
    """(cleaned text cut to `max_chars`, whether it was cut); InputError if there is no text."""
    if not isinstance(text, str):
        raise InputError("Expected text to summarize.")
    text = clean_text(text)
    if not text.strip():
        raise InputError("There is no text to summarize.")
    if looks_binary(text):
        raise InputError("This doesn't look like text (binary or undecodable data).")
    truncated = len(text) > max_chars
    return (text[:max_chars] if truncated else text), truncated


def looks_binary(text: str) -> bool:
    """True when over a tenth of the text's start is undecodable or unprintable."""
    sample = text[:20_000]
    odd = sum(1 for ch in sample if ch == "\ufffd" or (not ch.isprintable() and ch not in "\n\t"))
    return odd > 0.1 * len(sample)
