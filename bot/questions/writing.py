"""A short written answer above the quotes, when an abstractive backend is configured."""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable, Sequence
from typing import Protocol

from summarizer import AnswerComposer

log = logging.getLogger(__name__)


class AnswerWriter(Protocol):
    async def write(self, question: str, sentences: Sequence[str]) -> str | None:
        """One or two sentences answering `question` from `sentences` only; None when the
        model's answer did not survive the faithfulness guard (the quotes then stand alone)."""
        ...


class ModelAnswerWriter:
    """Runs an `AnswerComposer` (built on first use) in a worker thread, with a timeout."""

    def __init__(self, make: Callable[[], AnswerComposer | None], timeout: float) -> None:
        self._make = make
        self._composer: AnswerComposer | None = None
        self._lock = threading.Lock()
        self.timeout = timeout

    async def write(self, question: str, sentences: Sequence[str]) -> str | None:
        try:
            return await asyncio.wait_for(
                asyncio.to_thread(self._compose, question, list(sentences)), self.timeout
            )
        except TimeoutError:
            log.warning("written answer took longer than %.0f s; quotes alone", self.timeout)
        except Exception:  # noqa: BLE001 - the quotes are a complete answer on their own
            log.exception("written answer failed; quotes alone")
        return None

    def _compose(self, question: str, sentences: list[str]) -> str | None:
        with self._lock:
            if self._composer is None:
                self._composer = self._make()
            composer = self._composer
        return composer.compose(question, sentences) if composer is not None else None
