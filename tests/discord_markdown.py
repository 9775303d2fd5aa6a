"""A reference checker for Discord markdown: what in a string would Discord render as markup?

Discord's client parses messages and embeds with simple-markdown plus its own rules. This
module walks a string the way that parser does (an escape `\\` + any ASCII symbol consumes both
characters first, then each rule is tried where the previous token ended) and reports every
construct it would render: masked links, bare and `<…>` URLs, mentions, timestamps, emoji,
spoilers, emphasis and code, and the line-start blocks (headers, subtext, quotes, lists).

Rules and regexes follow simple-markdown (`escape`, `link`, `url`, `autolink`) and the Discord
rule set of discord-markdown-parser (mentions, `<t:…>`, `</cmd:id>`, headings `#`–`###`,
`-#` subtext, `>`/`>>>` quotes). Inline formatting characters (`* _ ~ | \\``) are reported
whenever one is left unescaped, which is stricter than Discord (a lone `*` renders as `*`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# JavaScript's `\s`, which simple-markdown's regexes mean (Python's `\s` differs slightly).
_JS_SPACE = "\t\n\v\f\r \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"

_ESCAPE = re.compile(rf"\\([^0-9A-Za-z{_JS_SPACE}])")
# simple-markdown's link regex, taking the looser of its versions for each part: older labels
# may hold a lone "[" (newer: `[^\[\]]`), newer hrefs may hold balanced "(…)". Escapes do not
# protect brackets inside a label: only the "[" that opens a link has to be unescaped.
_LINK_INSIDE = r"(?:\[[^\]]*\]|[^\]]|\](?=[^\[]*\]))*"
_SP = f"[{_JS_SPACE}]"
_LINK_HREF_AND_TITLE = (
    rf"{_SP}*<?((?:\([^)]*\)|[^{_JS_SPACE}\\]|\\.)*?)>?(?:{_SP}+['\"]([\s\S]*?)['\"])?{_SP}*"
)

#: Inline rules, in the order the parser tries them at one position.
_INLINE: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("masked link", re.compile(rf"\[({_LINK_INSIDE})\]\({_LINK_HREF_AND_TITLE}\)")),
    ("autolink", re.compile(r"<([^: >]+:/[^ >]+)>")),
    ("url", re.compile(r"(?:https?|steam)://[^\s<]+[^<.,:;\"')\]\s]")),
    ("user mention", re.compile(r"<@!?\d*>")),
    ("role mention", re.compile(r"<@&\d+>")),
    ("channel mention", re.compile(r"<#\d+>")),
    ("custom emoji", re.compile(r"<a?:\w+:\d+>")),
    ("timestamp", re.compile(r"<t:-?\d+(?::[RtTdDfF])?>", re.IGNORECASE)),
    ("slash command", re.compile(r"</[^:>\n]{1,100}:\d+>")),
    ("guild navigation", re.compile(r"<\d+:[\w-]+(?::\d+)?>")),
    ("everyone", re.compile(r"@everyone")),
    ("here", re.compile(r"@here")),
    ("code block", re.compile(r"```[\s\S]*?```")),
    ("spoiler", re.compile(r"\|\|[\s\S]+?\|\|")),
    ("formatting", re.compile(r"[*_~|`]")),
)

#: Block rules, tried only at the start of a line.
_LINE_START: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("block quote", re.compile(r" *>>> | *> ")),
    ("subtext", re.compile(r"-# +\S")),
    ("heading", re.compile(r"#{1,3} +\S")),
    ("list", re.compile(r" *(?:[*+-]|\d+\.) +\S")),
)


@dataclass(frozen=True)
class Markup:
    """One construct Discord would render: its rule, where it starts, and its source text."""

    kind: str
    start: int
    source: str
    target: str | None = None  # the URL a masked link points to


def live_markup(text: str) -> list[Markup]:
    """Every construct in `text` that Discord would render rather than show literally."""
    found: list[Markup] = []
    _scan(text, 0, len(text), found, blocks=True)
    return found


def _scan(text: str, i: int, end: int, found: list[Markup], *, blocks: bool) -> None:
    while i < end:
        if blocks and (i == 0 or text[i - 1] == "\n"):
            for kind, rule in _LINE_START:
                if m := rule.match(text, i, end):
                    found.append(Markup(kind, i, m.group(0)))
        if _ESCAPE.match(text, i, end):
            i += 2
            continue
        for kind, rule in _INLINE:
            if m := rule.match(text, i, end):
                if kind == "masked link":  # its label is parsed again as inline markdown
                    found.append(Markup(kind, i, m.group(0), m.group(2)))
                    _scan(text, m.start(1), m.end(1), found, blocks=False)
                else:
                    found.append(Markup(kind, i, m.group(0)))
                i = m.end()
                break
        else:
            i += 1


def masked_links(text: str) -> list[Markup]:
    """The masked links `[label](url)` Discord would render in `text`."""
    return [m for m in live_markup(text) if m.kind == "masked link"]


def visible_text(text: str) -> str:
    """What Discord shows for `text` that holds no live markup: each escape shows its symbol."""
    return _ESCAPE.sub(r"\1", text)
