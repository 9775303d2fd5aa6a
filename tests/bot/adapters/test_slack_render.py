"""Block Kit rendering: escaping, limits, and a property test over hostile article text."""

from __future__ import annotations

import json
import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.adapters.slack_render import (
    MAX_BLOCKS,
    SECTION_TEXT_LIMIT,
    TOTAL_TEXT_BUDGET,
    escape,
    fit,
    link,
    render_already,
    render_error,
    render_summary,
)
from bot.results import ResultBullet, SummaryResult


def result(**kw) -> SummaryResult:
    base = dict(
        bullets=(ResultBullet("Tides power the plant.", "Tides power the plant.", (0, 22)),),
        backend="extractive",
        title="Harbor plant",
        url="https://news.example/story?a=1&b=2",
        site="Coastal Courier",
        reading_minutes=4,
        summary_id="abc123",
    )
    return SummaryResult(**{**base, **kw})


def all_texts(blocks: list[dict]) -> list[str]:
    out = []
    for block in blocks:
        if "text" in block:
            out.append(block["text"]["text"])
        for element in block.get("elements", []):
            out.append(element["text"] if element["type"] == "mrkdwn" else element["text"]["text"])
    return out


def test_escape_neutralises_control_characters_and_broadcasts():
    assert escape("a & b < c > d") == "a &amp; b &lt; c &gt; d"
    assert escape("<!channel> <@U1>") == "&lt;!channel&gt; &lt;@U1&gt;"
    assert escape("ping @here and @Channel") == "ping @\u2060here and @\u2060Channel"
    assert escape("&lt;!here&gt;") == "&amp;lt;!here&amp;gt;"  # stays literal text


def test_fit_cuts_without_splitting_an_entity():
    text = "&" * 10
    out = fit(text, 12)
    assert len(out) <= 12 and out == "&amp;&amp;…"


def test_link_url_cannot_close_the_link_early():
    md = link("https://a.example/x>|<!channel>", "label")
    assert md.count("<") == 1 and md.count(">") == 1 and "<!" not in md
    assert md.endswith("|label>")


def test_summary_blocks_header_bullets_context_buttons():
    message = render_summary(result(cached=True))
    blocks = message.blocks
    assert blocks[0]["text"]["text"] == "*<https://news.example/story?a=1&amp;b=2|Harbor plant>*"
    assert blocks[1]["text"]["text"].startswith("• Tides power the plant.")
    assert "#:~:text=Tides%20power%20the%20plant." in blocks[1]["text"]["text"]
    assert blocks[2] == {
        "type": "context",
        "elements": [
            {
                "type": "mrkdwn",
                "text": "Coastal Courier · 4 min read · extractive · cached",
                "verbatim": True,
            }
        ],
    }
    assert [b["value"] for b in blocks[3]["elements"]] == ["abc123", "abc123"]
    assert message.text == "Summary: Harbor plant — Tides power the plant."


def test_pasted_text_has_no_link_and_no_site():
    message = render_summary(result(url=None, site=None, title=None, reading_minutes=None))
    assert message.blocks[0]["text"]["text"] == "*Pasted text*"
    assert "<" not in message.blocks[1]["text"]["text"]
    assert message.blocks[2]["elements"][0]["text"] == "extractive"


def test_long_bullets_split_into_sections_under_the_limit():
    bullets = tuple(ResultBullet("word " * 600) for _ in range(10))
    message = render_summary(result(bullets=bullets))
    texts = all_texts(message.blocks)
    assert all(len(t) <= SECTION_TEXT_LIMIT for t in texts)
    assert sum(len(t) for t in texts) <= TOTAL_TEXT_BUDGET + 1000
    assert message.blocks[1]["text"]["text"].count("•") == 2  # packed two per section


def test_error_and_already_messages_escape_their_text():
    err = render_error("Couldn't read <!channel> & co")
    assert err.blocks[0]["text"]["text"] == ":warning: Couldn't read &lt;!channel&gt; &amp; co"
    already = render_already("https://a.example/<x>", "https://t.slack.com/archives/C/p1")
    assert "<https://t.slack.com/archives/C/p1|https://a.example/&lt;x&gt;>" in json.dumps(
        already.blocks
    )


_PIECES = list("<>&|!@^*_~`:#/ abcU0\né👍") + ["<!channel>", "<@U1>", "@here", "<!subteam^S1>"]
hostile = st.lists(st.sampled_from(_PIECES), max_size=1500).map("".join)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    title=hostile,
    site=hostile,
    bullets=st.lists(st.tuples(hostile, hostile), min_size=1, max_size=10),
    url=st.sampled_from(["https://n.example/a", "https://n.example/a?x=<!here>|y", None]),
)
def test_no_output_exceeds_limits_or_lets_article_text_ping(title, site, bullets, url):
    res = result(
        title=title,
        site=site,
        url=url,
        bullets=tuple(ResultBullet(text, source or None) for text, source in bullets),
    )
    message = render_summary(res)
    assert len(message.blocks) <= MAX_BLOCKS
    texts = all_texts(message.blocks)
    assert all(len(t) <= SECTION_TEXT_LIMIT for t in texts)
    assert sum(len(t) for t in texts) <= 13_000
    for text in [*texts, message.text]:
        assert "<!" not in text and "<@" not in text and "<#" not in text
        assert not re.search(r"(?<!@)@(here|channel|everyone)\b", text, re.IGNORECASE)
        # every "<" that remains opens one of our own links to an http(s) URL
        assert all(m.startswith(("<http://", "<https://")) for m in re.findall(r"<[^>]*>?", text))


# --- issue 33: bidi controls never reach Slack; the joiners scripts and emoji need do ------------

BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
PERSIAN = "می\u200cخواهم"  # ZWNJ between the prefix and the verb
FAMILY = "👩\u200d👩\u200d👧"  # ZWJ sequence


def test_bidi_controls_are_removed_from_title_bullets_and_context():
    res = result(
        title=f"\u202eevil.exe{PERSIAN}\u2066 {FAMILY}",
        site="Coastal\u202e Courier",
        bullets=(ResultBullet(f"Tides \u202dpower{BIDI} {PERSIAN} {FAMILY}.", None),),
    )
    message = render_summary(res)
    texts = [*all_texts(message.blocks), message.text]
    assert all(not set(text) & set(BIDI) for text in texts)
    assert message.blocks[0]["text"]["text"].endswith(f"|evil.exe{PERSIAN} {FAMILY}>*")
    assert message.blocks[1]["text"]["text"] == f"• Tides power {PERSIAN} {FAMILY}."
    assert message.blocks[2]["elements"][0]["text"].startswith("Coastal Courier · ")


def test_a_bidi_control_cannot_hide_a_broadcast_from_the_defang():
    assert escape("@\u202ehere") == "@\u2060here"


def test_link_urls_carry_no_raw_bidi_controls():
    assert link("https://a.example/\u202ex", "l") == "<https://a.example/%E2%80%AEx|l>"
