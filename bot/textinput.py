"""Turn pasted or file text into (title, body): a short first line is a headline."""

from __future__ import annotations

#: A first line longer than this is a paragraph, not a headline.
MAX_TITLE_CHARS = 160


def split_title(text: str) -> tuple[str | None, str]:
    """Take a headline off the top: a short line without final punctuation, then a blank line."""
    stripped = text.lstrip("\ufeff\n\r\t ")
    head, sep, rest = stripped.partition("\n")
    head = head.strip()
    looks_like_title = (
        sep
        and 3 <= len(head) <= MAX_TITLE_CHARS
        and not head.endswith((".", ",", ";", ":"))
        and rest.startswith(("\n", "\r\n"))
        and rest.strip()
    )
    if looks_like_title:
        return head.lstrip("# ").strip(), rest
    return None, text
