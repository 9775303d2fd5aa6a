"""What `newsbot` prints: a summary as text or JSON, and failures worded for a terminal."""

from __future__ import annotations

import re
from typing import Any, TextIO

#: A sentence of a chat reply that tells the user to run a chat command.
_CHAT_HINT = re.compile(r"[^.!?]*/summarize[^.!?]*[.!?]?")
CLI_HINT = "Save the article text to a file and run: newsbot summarize FILE"
TRUNCATED_NOTE = "Note: the input was too long, so this summary covers only its beginning."


def cli_message(message: str, *, url: bool) -> str:
    """A core message for a terminal: chat commands like /summarize become the CLI's own."""
    if "/summarize" not in message:
        return message
    stripped = " ".join(_CHAT_HINT.sub("", message).split())
    # for a link, pasting the text is still the way out; for a text it already was the input
    return f"{stripped} {CLI_HINT}." if url else stripped


def result_json(result: Any) -> dict[str, Any]:
    """The JSON form of a `SummaryResult`, shared by `summarize --json` and `batch` rows."""
    return {
        "title": result.title,
        "url": result.url,
        "site": result.site,
        "language": result.language,
        "backend": result.backend,
        "cached": result.cached,
        "truncated": result.truncated,
        "reading_minutes": result.reading_minutes,
        "bullets": [
            {"text": b.text, "source": b.source, "span": list(b.span) if b.span else None}
            for b in result.bullets
        ],
        "timings": {k: round(v, 4) for k, v in result.timings.items()},
    }


def failed_json(url: str | None = None) -> dict[str, Any]:
    """The same keys as `result_json` for an input that has no summary."""
    return {
        "title": None,
        "url": url,
        "site": None,
        "language": None,
        "backend": None,
        "cached": False,
        "truncated": False,
        "reading_minutes": None,
        "bullets": [],
        "timings": {},
    }


def error_json(kind: str, message: str) -> dict[str, Any]:
    """What `--json` prints on stdout for a failure (the same line also goes to stderr)."""
    return {"error": {"kind": kind, "message": message}}


def print_plain(result: Any, out: TextIO) -> None:
    """Title, one line per bullet, a note when the input was cut, then the source link."""
    if result.title:
        print(result.title, file=out)
    for bullet in result.bullets:
        print(f"- {' '.join(bullet.text.split())}", file=out)
    if result.truncated:
        print(TRUNCATED_NOTE, file=out)
    if result.url:
        print(f"Source: {result.url}", file=out)
