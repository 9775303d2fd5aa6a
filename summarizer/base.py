"""The summarizer's public types: text in, bullets out."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable


class SummarizerError(Exception):
    """The summarizer could not produce a summary; the message is fit for an end user."""


class InputError(SummarizerError):
    """The input holds nothing to summarize (empty, binary, no sentences)."""


class BusyError(SummarizerError):
    """The model's queue is full; try again shortly."""


class ModelLoadError(SummarizerError):
    """A configured model cannot be loaded (missing path, no network, wrong architecture)."""


def abandoned_error(seconds: float) -> SummarizerError:
    """What a caller hears when its summary outlived the time it was given."""
    return SummarizerError(
        f"The summary took longer than {seconds:g} s and was abandoned; try again later."
    )


@dataclass(frozen=True)
class Bullet:
    """One bullet; `span` is the (start, end) of its source sentence in the input text."""

    text: str
    span: tuple[int, int] | None = None
    #: Score the ranker (or the faithfulness guard) gave this bullet; higher is better.
    score: float | None = None


@dataclass(frozen=True)
class Summary:
    bullets: tuple[Bullet, ...]
    language: str | None
    backend: str
    #: Seconds spent per stage, e.g. {"split": 0.002, "embed": 0.05, "rank": 0.001}.
    timings: dict[str, float] = field(default_factory=dict)
    #: True when the input was cut to the backend's `max_input_chars` first.
    truncated: bool = False
    notes: tuple[str, ...] = ()

    def as_dict(self) -> dict:
        return {
            "bullets": [
                {"text": b.text, "span": list(b.span) if b.span else None} for b in self.bullets
            ],
            "language": self.language,
            "backend": self.backend,
            "timings": dict(self.timings),
            "truncated": self.truncated,
        }


class Pace:
    """Recent seconds of model time per summary (an exponential moving average).

    What a queue's expected wait is made of: `waiting × per_item`. Zero until something
    has been measured, so a fresh process never refuses work on a guess.
    """

    def __init__(self, weight: float = 0.3) -> None:
        self.weight = weight
        self.per_item = 0.0
        self._measured = False

    def observe(self, seconds: float, items: int = 1) -> None:
        each = seconds / max(1, items)
        if not self._measured:
            self.per_item, self._measured = each, True
        else:
            self.per_item += self.weight * (each - self.per_item)


@runtime_checkable
class Summarizer(Protocol):
    """What every backend offers. Calls are blocking; run them off an event loop."""

    name: str

    def summarize(
        self,
        text: str,
        *,
        max_bullets: int = 3,
        language: str | None = None,
        article_language: str | None = None,
    ) -> Summary: ...

    def summarize_many(
        self,
        texts: Sequence[str],
        *,
        max_bullets: int = 3,
        language: str | None = None,
        article_language: str | None = None,
    ) -> list[Summary | SummarizerError]: ...


class BatchFirst:
    """For backends that implement `summarize_many`: one text is a batch of one."""

    def summarize(
        self,
        text: str,
        *,
        max_bullets: int = 3,
        language: str | None = None,
        article_language: str | None = None,
    ) -> Summary:
        many = self.summarize_many  # type: ignore[attr-defined]
        result = many(
            [text], max_bullets=max_bullets, language=language, article_language=article_language
        )[0]
        if isinstance(result, SummarizerError):
            raise result
        return result
