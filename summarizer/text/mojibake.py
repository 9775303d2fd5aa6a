"""Undo UTF-8 text that was decoded as Windows-1252: "Â£1m" → "£1m", "itâ€™s" → "it's".

A page served with the wrong charset, or text pasted from one, arrives with each non-ASCII
character as two or three Latin-1 look-alikes (63 of the 688 XSum dev articles hold "Â£" or
"â‚¬"). A chat bullet should show the character the writer typed. Only runs that re-encode
to valid UTF-8 *and* decode to a character news text plausibly holds (Latin, Greek,
Cyrillic, punctuation, currency) are replaced, so legitimate text such as German "groß“"
(bytes DF 93, which would decode to an NKo letter) is left alone.
"""

from __future__ import annotations

import re


def _cp1252_bytes() -> dict[str, int]:
    """Each character Windows-1252 (or, for its five holes, Latin-1) gives the bytes 0x80-0xFF."""
    table = {}
    for byte in range(0x80, 0x100):
        try:
            table[bytes([byte]).decode("cp1252")] = byte
        except UnicodeDecodeError:  # 0x81, 0x8D, 0x8F, 0x90, 0x9D: read as C1 controls
            table[chr(byte)] = byte
    return table


_BYTE_OF = _cp1252_bytes()


def _class(low: int, high: int) -> str:
    return "[" + "".join(re.escape(ch) for ch, b in _BYTE_OF.items() if low <= b <= high) + "]"


_CONTINUATION = _class(0x80, 0xBF)
# A UTF-8 lead byte followed by as many continuation bytes as it announces, one or more times.
_MOJIBAKE = re.compile(
    rf"(?:{_class(0xC2, 0xDF)}{_CONTINUATION}"
    rf"|{_class(0xE0, 0xEF)}{_CONTINUATION}{{2}}"
    rf"|{_class(0xF0, 0xF4)}{_CONTINUATION}{{3}})+"
)
# What a repaired run may decode to: Latin-1 letters and signs, Latin Extended-A, Greek,
# Cyrillic, general punctuation (quotes, dashes), currency and letter-like symbols ("€", "™").
_PLAUSIBLE = re.compile(
    r"^[\u00a0-\u017f\u0370-\u03ff\u0400-\u04ff\u2000-\u206f\u20a0-\u20cf\u2100-\u214f]+$"
)


def repair_mojibake(text: str) -> str:
    """`text` with every Windows-1252-decoded UTF-8 run turned back into its characters."""
    return _MOJIBAKE.sub(_repaired, text)


def _repaired(match: re.Match[str]) -> str:
    run = match.group(0)
    try:
        fixed = bytes(_BYTE_OF[ch] for ch in run).decode("utf-8")
    except UnicodeDecodeError:
        return run
    return fixed if _PLAUSIBLE.match(fixed) else run
