"""Make a chosen sentence read well as a chat bullet without changing what it says."""

from __future__ import annotations

import re

_SPACE_BEFORE_PUNCT = re.compile(r"\s+([,.;:!?%)\]])")
_SPACE_AFTER_OPEN = re.compile(r"([(\[])\s+")
_TOKENISED_CLITIC = re.compile(r"\s+(n't|'s|'re|'ve|'ll|'d|'m)\b", re.IGNORECASE)


def clean_bullet(text: str, target_words: int = 40) -> str:
    """Tidy spacing and quotes; drop an unbalanced quote mark at either end."""
    text = " ".join(text.split())
    if " ." in text or " ," in text:  # tokenised input ("he said , " do n't ")
        text = _TOKENISED_CLITIC.sub(r"\1", text)
        text = _SPACE_BEFORE_PUNCT.sub(r"\1", text)
        text = _SPACE_AFTER_OPEN.sub(r"\1", text)
    text = _balance_quotes(text)
    return text.strip()


def _balance_quotes(text: str) -> str:
    for quote in ('"',):
        if text.count(quote) % 2 == 1:
            if text.startswith(quote):
                text = text[1:].lstrip()
            elif text.endswith(quote):
                text = text[:-1].rstrip()
    if text.count("“") > text.count("”") and text.startswith("“"):
        text = text[1:].lstrip()
    if text.count("”") > text.count("“") and text.endswith("”"):
        text = text[:-1].rstrip()
    return text
