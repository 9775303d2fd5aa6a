"""Remove the Unicode bidi embedding, override and isolate controls from untrusted text.

U+202A-202E and U+2066-2069 reorder what follows them, so an article title could show a
reversed file name or push our own link text around. Joiners (U+200C ZWNJ, U+200D ZWJ) and the
plain direction marks stay: Persian, Indic scripts and emoji sequences need them.
"""

from __future__ import annotations

_CONTROLS = dict.fromkeys([*range(0x202A, 0x202F), *range(0x2066, 0x206A)])


def strip_bidi_controls(text: str) -> str:
    """`text` without bidi embeddings, overrides and isolates (LRE…RLO, PDF, LRI…PDI)."""
    return text.translate(_CONTROLS)
