"""Guess an article's language so sentence splitting and output use the right rules."""

from __future__ import annotations

import threading

_lock = threading.Lock()
_preloader: threading.Thread | None = None
#: Below this many letters a guess is noise; callers then get None.
MIN_LETTERS = 20


def preload() -> None:
    """Start loading the identifier's model in a background thread (~0.3 s of LZMA, which
    runs outside the GIL), so it overlaps the backend's own loading instead of delaying the
    first summary. Safe to call more than once."""
    global _preloader
    with _lock:
        if _preloader is not None:
            return
        _preloader = threading.Thread(target=_load, name="newsbot-langid", daemon=True)
        _preloader.start()


def _load() -> None:
    import py3langid

    with _lock:
        py3langid.langid._get_identifier()


def detect_language(text: str) -> str | None:
    """ISO 639-1 code of the text's language, or None when it is too short to tell."""
    sample = text[:3000]
    if sum(ch.isalpha() for ch in sample) < MIN_LETTERS:
        return None
    import py3langid

    with _lock:  # py3langid's shared identifier is not documented as thread-safe
        lang, _score = py3langid.classify(sample)
    return str(lang)
