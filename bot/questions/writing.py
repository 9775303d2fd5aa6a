"""A short written answer above the quotes, when an abstractive backend is configured."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol


class AnswerWriter(Protocol):
    async def write(self, question: str, sentences: Sequence[str]) -> str | None:
        """One or two sentences answering `question` from `sentences` only; None when the
        model's answer did not survive the faithfulness guard (the quotes then stand alone)."""
        ...
