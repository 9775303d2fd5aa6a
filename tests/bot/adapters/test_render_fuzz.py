"""Property tests over both renderers: hostile article text never yields live markup or bidi tricks.

Article text is drawn from markdown, Slack markup, mentions, links in every form, backslashes,
bidi controls and joiners. Discord output is read with the reference checker in
`tests/discord_markdown.py`; Slack output is read with Slack's own rule (`<…>` is markup,
`&amp; &lt; &gt;` are the only entities).
"""

from __future__ import annotations

import html
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.adapters import discord_render, slack_render
from bot.results import ResultBullet, SummaryResult
from tests.discord_markdown import live_markup, visible_text

URL = "https://news.example/2026/story?a=1&b=2"
BIDI = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")

_PIECES = st.sampled_from(
    [
        "[Read the full story](https://evil.example/login)", "[x](<https://evil.example>)",
        '[t](https://evil.example "title")', "[a [b] c]", "](", ")", "(", "[", "]",
        "https://evil.example/a_b", "steam://run/1", "<https://evil.example>", "<", ">", "&",
        "@everyone", "@here", "@channel", "<@123456789012345678>", "<@!123456789012345678>",
        "<@&123456789012345678>", "<#123456789012345678>", "<t:1700000000:R>",
        "<:e:123456789012345678>", "</cmd:123456789012345678>", "<!channel>", "<!here>",
        "<@U123>", "<!subteam^S1>", "&lt;", "&amp;", "&#60;", "&gt;", "||", "**", "__", "*", "_",
        "~~", "`", "```", "# ", "## ", "-# ", "> ", ">>> ", "- ", "1. ", "+ ", "\\", "\\\\",
        "\n", "  ", ":", "/", "\u200b", "\u200c", "\u200d", "می\u200cخواهم", "👩\u200d💻",
        *sorted(BIDI),
    ]
)  # fmt: skip
_ALPHABET = st.characters(codec="utf-8", exclude_characters="\u2060")
ARTICLE_TEXT = st.lists(st.one_of(_PIECES, st.text(_ALPHABET, max_size=8)), max_size=25).map(
    "".join
)
FAST = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def summary(title: str, bullets: list[str], site: str, url: str | None) -> SummaryResult:
    return SummaryResult(
        bullets=tuple(ResultBullet(b or "x", source=b or None) for b in bullets),
        backend="extractive",
        title=title or None,
        url=url,
        site=site or None,
        reading_minutes=3,
        summary_id="0123456789abcdef",
    )


def shown(text: str) -> str:
    """`text` as a reader sees it, with our invisible mention breakers taken out."""
    return text.replace("\u200b", "").replace("\u2060", "")


# --- Discord ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "kinds"),
    [
        # what the old double escape produced: an escaped "\\", then a live link
        ("\\\\[Read the story\\](https://evil.example/login)", ["masked link"]),
        ("\\[Read the story](https://evil.example/login)", ["url"]),  # bare, but still live
        ("[a [b] c](<https://evil.example>)", ["masked link"]),
        ("[a\\](https://evil.example)", ["masked link"]),  # escapes don't guard a label's "]"
        ("see https://evil.example/x", ["url"]),
        ("https\\://evil.example/x", []),
        ("<@123456789012345678> <#1> <@&2> <t:3:R>", ["user mention", "channel mention",
                                                    "role mention", "timestamp"]),
        ("\\<@123456789012345678>", []),
        ("@everyone @\u200bhere", ["everyone"]),
        ("||x|| \\|\\|y\\|\\|", ["spoiler"]),
        ("# h\n-# s\n> q\n1. l\nx # not", ["heading", "subtext", "block quote", "list"]),
    ],
)  # fmt: skip
def test_the_reference_checker_finds_what_discord_renders(text, kinds):
    assert [m.kind for m in live_markup(text)] == kinds


@FAST
@given(text=ARTICLE_TEXT, limit=st.integers(2, 300))
def test_discord_escape_leaves_no_markup_and_shows_the_text_as_written(text, limit):
    escaped = discord_render.escape(text)
    assert live_markup(escaped) == []
    assert not BIDI & set(escaped)
    plain = " ".join("".join(ch for ch in text if ch not in BIDI).split())
    assert shown(visible_text(escaped)) == shown(plain)  # escaped once: no stray "\"
    clipped = discord_render.clip(escaped, limit)
    assert live_markup(clipped) == [] and len(clipped) <= limit


@FAST
@given(
    title=ARTICLE_TEXT,
    bullets=st.lists(ARTICLE_TEXT, min_size=1, max_size=6),
    site=ARTICLE_TEXT,
    url=st.sampled_from([URL, None]),
)
def test_discord_embed_holds_only_our_own_links(title, bullets, site, url):
    embed = discord_render.render_summary(summary(title, bullets, site, url))
    assert live_markup(embed.title) == []
    found = live_markup(embed.description)
    # the only markup Discord renders is our ↗ link into the article, at most one per bullet
    assert all(m.kind == "masked link" and m.source.startswith("[↗](") for m in found), found
    assert all(m.target == URL or m.target.startswith(f"{URL}#:~:text=") for m in found)
    assert len(found) <= len(bullets) and (url or not found)
    assert all(line.startswith("• ") for line in embed.description.split("\n"))
    footer = embed.footer.text
    assert not re.search(r"<[@#!:/at\d]", footer) and "@everyone" not in footer
    for text in (embed.title, embed.description, footer):
        assert not BIDI & set(text)


# --- Slack --------------------------------------------------------------------------------------

_OUR_LINK = re.compile(r"<(https://[^\s<>|]*)\|([^<>]*)>")  # label is all after the first "|"
_SLACK_URL = slack_render.link(URL, "")[1:-2]  # the article URL as it appears inside <…|…>


def _slack_texts(message: slack_render.Message) -> list[str]:
    texts = [message.text]
    for block in message.blocks:
        if block["type"] == "section":
            texts.append(block["text"]["text"])
        elif block["type"] == "context":
            texts.extend(element["text"] for element in block["elements"])
    return texts


@FAST
@given(text=ARTICLE_TEXT)
def test_slack_escape_leaves_only_the_three_entities(text):
    escaped = slack_render.escape(text)
    assert "<" not in escaped and ">" not in escaped
    assert not re.search(r"&(?!amp;|lt;|gt;)", escaped)
    assert not BIDI & set(escaped)
    plain = "".join(ch for ch in text if ch not in BIDI)
    assert shown(html.unescape(escaped)) == shown(plain)


@FAST
@given(
    title=ARTICLE_TEXT,
    bullets=st.lists(ARTICLE_TEXT, min_size=1, max_size=6),
    site=ARTICLE_TEXT,
    url=st.sampled_from([URL, None]),
)
def test_slack_blocks_hold_only_our_own_links(title, bullets, site, url):
    message = slack_render.render_summary(summary(title, bullets, site, url))
    for text in _slack_texts(message):
        links = _OUR_LINK.findall(text)
        # every "<…>" left is a link we made: to the article or into it, never article text
        assert all(target == _SLACK_URL or target.startswith(f"{_SLACK_URL}#:~:text=")
                   for target, _label in links), links  # fmt: skip
        rest = _OUR_LINK.sub("", text)
        assert "<" not in rest and ">" not in rest
        assert not re.search(r"&(?!amp;|lt;|gt;)", text)
        assert not BIDI & set(text)
        assert not re.search(r"(?<!\u2060)@(?:here|channel|everyone)\b", text, re.IGNORECASE)
