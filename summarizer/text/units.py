"""The pieces of an article the text steps hand on: lines and sentences, each with its span.

A span is (start, end) into the cleaned input text, so a bullet can link back to its place.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Line:
    """One non-empty line (a paragraph of the page) and where it starts in the text."""

    start: int
    text: str


@dataclass(frozen=True)
class Sentence:
    text: str
    start: int
    end: int
    #: Index of the paragraph (input line block) the sentence came from.
    paragraph: int
    #: Position among the kept sentences, 0-based.
    index: int
