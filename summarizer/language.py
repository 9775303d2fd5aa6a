"""Guess an article's language so sentence splitting and output use the right rules."""

from __future__ import annotations

import threading

_lock = threading.Lock()
#: Below this many letters a guess is noise; callers then get None.
MIN_LETTERS = 20


def detect_language(text: str) -> str | None:
    """ISO 639-1 code of the text's language, or None when it is too short to tell."""
    sample = text[:3000]
    if sum(ch.isalpha() for ch in sample) < MIN_LETTERS:
        return None
    import py3langid

    with _lock:  # py3langid's shared identifier is not documented as thread-safe
        lang, _score = py3langid.classify(sample)
    return str(lang)
