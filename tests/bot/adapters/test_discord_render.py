"""Embeds within Discord's limits, untrusted text defused, and the persistent vote view."""

from __future__ import annotations

from bot.adapters import discord_render as r
from bot.results import ResultBullet, SummaryResult

URL = "https://news.example/2026/harbor-vote"


def result(bullets: list[str], **kw) -> SummaryResult:
    fields = {
        "title": "Harbor town votes to build a seawall",
        "url": URL,
        "site": "Coastal Courier",
        "reading_minutes": 4,
        "summary_id": "0123456789abcdef",
        "backend": "extractive",
        **kw,
    }
    items = tuple(ResultBullet(b, source=b) for b in bullets)
    return SummaryResult(bullets=items, **fields)


def total(embed) -> int:
    return len(embed.title or "") + len(embed.description or "") + len(embed.footer.text or "")


def test_embed_has_linked_title_bullets_and_footer():
    embed = r.render_summary(result(["Residents voted yes.", "Work starts in May."], cached=True))
    assert embed.title == "Harbor town votes to build a seawall"
    assert embed.url == URL
    lines = embed.description.splitlines()
    assert lines[0].startswith("• Residents voted yes. [↗](https://news.example/")
    assert "#:~:text=Residents%20voted%20yes" in lines[0]  # links into the article
    assert embed.footer.text == (
        "Coastal Courier · 4 min read · extractive · cached · id 0123456789abcdef"
    )
    assert r.summary_id_of(embed) == "0123456789abcdef"


def test_pasted_text_summary_has_no_link_and_a_plain_title():
    embed = r.render_summary(result(["Only bullet."], url=None, title=None, site=None))
    assert embed.title == "Summary" and embed.url is None
    assert embed.description == "• Only bullet."
    assert embed.footer.text.startswith("4 min read · extractive")


def test_limits_hold_for_huge_titles_and_bullets():
    embed = r.render_summary(result(["word " * 500] * 10, title="T" * 1000, site="S" * 3000))
    assert len(embed.title) <= r.TITLE_LIMIT and embed.title.endswith("…")
    assert len(embed.description) <= r.DESCRIPTION_LIMIT
    assert len(embed.footer.text) <= r.FOOTER_LIMIT
    assert total(embed) <= r.EMBED_TOTAL_LIMIT
    # whole bullets are dropped rather than cut mid-sentence
    assert all(line.endswith("word") for line in embed.description.splitlines())


def test_links_are_dropped_before_bullets_when_space_is_short():
    long_sentence = " ".join(f"w{i}" for i in range(5)) + " " + "x" * 300
    bullets = [long_sentence] * 6
    with_links = r.description(result(bullets), limit=100_000)
    assert "[↗](" in with_links
    budget = len(with_links) - 10
    squeezed = r.description(result(bullets), limit=budget)
    assert "[↗](" not in squeezed and squeezed.count("• ") == 6


def test_a_single_bullet_longer_than_the_limit_is_cut_with_an_ellipsis():
    text = r.description(result(["y" * 5000], url=None), limit=r.DESCRIPTION_LIMIT)
    assert len(text) == r.DESCRIPTION_LIMIT and text.endswith("…")


def test_markdown_mentions_and_masked_links_in_article_text_are_escaped():
    evil = "**Big** news @everyone <@123456789012345678> [click](https://evil.example) `x`"
    embed = r.render_summary(result([evil], title="@here _urgent_ <#123456789012345678>"))
    assert "@everyone" not in embed.description.replace("@\u200beveryone", "")
    assert "@\u200b" in embed.description and "<@123" not in embed.description
    assert "\\*\\*Big\\*\\*" in embed.description
    assert "\\[click\\]" in embed.description  # no hidden link behind innocent text
    assert embed.title == "@\u200bhere \\_urgent\\_ \\<\\#123456789012345678\\>"


def test_allowed_mentions_is_none_for_everything():
    assert r.ALLOWED_MENTIONS.to_dict() == {"parse": []}


def test_error_and_already_posted_texts_are_short_and_defused():
    assert r.error_text("x" * 5000).endswith("…") and len(r.error_text("x" * 5000)) == 2000
    assert r.error_text("ping @everyone") == "ping @\u200beveryone"
    link = "https://discord.com/channels/1/2/3"
    assert r.already_posted_text(((URL, link),)) == f"Already summarized here: {link}"


async def test_vote_view_is_persistent_with_stable_custom_ids():
    view = r.VoteView()
    assert view.timeout is None
    assert [item.custom_id for item in view.children] == ["newsbot:vote:up", "newsbot:vote:down"]
    assert view.is_persistent() and view.is_dispatchable()
    again = r.VoteView(counts=(3, 1), render_only=True)
    assert [item.custom_id for item in again.children] == [r.VOTE_UP_ID, r.VOTE_DOWN_ID]
    assert [item.label for item in again.children] == ["3", "1"]
    assert not again.is_dispatchable()  # copies on messages aren't stored per message
    rows = again.to_components()
    assert [c["custom_id"] for c in rows[0]["components"]] == [r.VOTE_UP_ID, r.VOTE_DOWN_ID]


async def test_vote_view_calls_its_handler():
    seen = []

    async def on_vote(interaction, vote):
        seen.append((interaction, vote))

    view = r.VoteView(on_vote)
    await view.vote_up.callback("interaction")
    await view.vote_down.callback("interaction")
    assert seen == [("interaction", "up"), ("interaction", "down")]


# --- properties: whatever the article says, the embed fits and pings no one ---------------------

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_NASTY = st.sampled_from(
    ["@everyone", "@here", "<@123456789012345678>", "<@&987654321098765432>", "<#42>",
     "[x](https://evil.example)", "**", "`", "\\", "||", "\n", "ü", "🙂", " "]
)  # fmt: skip
_TEXT = st.lists(st.one_of(_NASTY, st.text(max_size=30)), max_size=60).map("".join)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(bullets=st.lists(_TEXT, min_size=1, max_size=10), title=_TEXT, site=_TEXT)
def test_any_article_text_fits_the_limits_and_cannot_mention(bullets, title, site):
    import re

    summary = result([b or "x" for b in bullets], title=title or None)
    summary = SummaryResult(**{**summary.__dict__, "site": site or None})
    embed = r.render_summary(summary)
    assert len(embed.title or "") <= r.TITLE_LIMIT
    assert len(embed.description or "") <= r.DESCRIPTION_LIMIT
    assert len(embed.footer.text or "") <= r.FOOTER_LIMIT
    assert len(embed) <= r.EMBED_TOTAL_LIMIT
    for text in (embed.title or "", embed.description or "", embed.footer.text or ""):
        # a live mention is "@everyone", "@here" or an unescaped <@id>, <@!id>, <@&id>, <#id>
        assert not re.search(r"(?<!\\)<(@[!&]?|#)\d", text)
        assert "@everyone" not in text and "@here" not in text


# --- issue 33: one escape, checked against Discord's own parsing rules --------------------------

import pytest  # noqa: E402

from tests.discord_markdown import live_markup, masked_links, visible_text  # noqa: E402

PHISH = "[Read the full story on bbc.co.uk](https://evil.example/login)"


def test_a_masked_link_in_article_text_renders_as_literal_text():
    embed = r.render_summary(result([f"Officials confirmed the plan. {PHISH}"], title=PHISH))
    links = masked_links(embed.description)
    # the only link Discord renders is our own ↗ into the article, never the article's link
    assert [(m.source[:4], m.target.split("#")[0]) for m in links] == [("[↗](", URL)]
    assert live_markup(embed.title) == []
    assert visible_text(embed.title) == PHISH  # shown as the article wrote it, no stray "\"


def test_a_later_bullet_cannot_close_our_link_label_and_retarget_it():
    # Discord's link regex ignores escapes inside a label: "\\](" in bullet 2 could close the
    # "[↗" of bullet 1, turning our URL and the text between into the label of the article's link
    embed = r.render_summary(result(["Officials confirmed the plan.", "](https://evil.example/x)"]))
    links = masked_links(embed.description)
    assert [m.source[:4] for m in links] == ["[↗](", "[↗]("]
    assert all(m.target.startswith(URL + "#:~:text=") for m in links)


@pytest.mark.parametrize(
    "text",
    [
        PHISH,
        "\\" + PHISH,  # an article backslash must not cancel the escape of "["
        "\\\\" + PHISH,
        "[x](<https://evil.example>)",  # the <url> form
        '[x](https://evil.example "Official title")',
        "[outer [nested] label](https://evil.example)",
        "[spaces in the label]( https://evil.example )",
        "[a\\](https://evil.example)",
        "||spoiler|| **bold** __under__ *em* ~~strike~~ `code` ```block```",
        "# Header",
        "## Header",
        "-# subtext",
        "> quoted",
        ">>> quoted",
        "- list item",
        "* list item",
        "1. list item",
        "@everyone and @here",
        "<@123456789012345678> <@!123456789012345678> <@&123456789012345678>",
        "<#123456789012345678> <t:1700000000:R> <:emoji:123456789012345678>",
        "</summarize:123456789012345678> <123456789012345678:customize>",
        "visit https://evil.example/login or <https://evil.example>",
    ],
)
def test_escaped_text_has_no_markup_discord_would_render(text):
    escaped = r.escape(text)
    assert live_markup(escaped) == []
    assert visible_text(escaped).replace("@\u200b", "@") == text


BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
PERSIAN = "می\u200cخواهم"  # ZWNJ between the prefix and the verb
FAMILY = "👩\u200d👩\u200d👧"  # ZWJ sequence


def test_bidi_controls_are_removed_and_joiners_kept():
    title = f"\u202eevil.exe{PERSIAN}\u2066 {FAMILY}"
    embed = r.render_summary(
        result([f"Bullet \u202dwith{BIDI} {PERSIAN} and {FAMILY}."], title=title, site="S\u202eX")
    )
    for text in (embed.title, embed.description, embed.footer.text):
        assert not set(text) & set(BIDI)
    assert embed.title == f"evil.exe{PERSIAN} {FAMILY}"
    assert embed.description.startswith(f"• Bullet with {PERSIAN} and {FAMILY}.")
    assert embed.footer.text.startswith("SX · ")


def test_clip_never_leaves_half_an_escape():
    escaped = r.escape("\\\\\\" + "x" * 20)  # three backslashes (six once escaped), then text
    for limit in range(2, 12):
        cut = r.clip(escaped, limit)
        assert len(cut) <= limit and cut.endswith("…")
        body = cut[:-1]
        # an odd run of backslashes would escape our ellipsis and show half of the article's "\\"
        assert (len(body) - len(body.rstrip("\\"))) % 2 == 0, cut
