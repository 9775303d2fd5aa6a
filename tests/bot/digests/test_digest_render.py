"""Digests within each platform's limits, with "and N more" for what does not fit."""

from __future__ import annotations

from bot.adapters.discord_render_digest import render_digest as discord_digest
from bot.adapters.slack_render_digest import render_digest as slack_digest
from bot.results import Digest, Story


def story(i: int, *, long: bool = False) -> Story:
    gist = ("A long sentence about the harbor " * 40 if long else f"Gist number {i}.").strip()
    return Story(
        title=f"Story {i} <!channel> & co", url=f"https://news.example/{i}", gist=gist,
        sites=("Reuters", "BBC", "AP"), urls=(f"https://news.example/{i}",), shares=2, ups=1,
        downs=0, first_permalink=f"https://t.slack.com/archives/C1/p17000000000000{i:02d}",
        first_posted=1.0, last_posted=2.0,
    )  # fmt: skip


def digest(n: int, *, long: bool = False, omitted: int = 0) -> Digest:
    stories = tuple(story(i, long=long) for i in range(n))
    return Digest("slack:T1:C1", "the last 7 days", 0, 1, stories, links=2 * n, omitted=omitted)


def test_slack_digest_fits_block_kit_limits_and_counts_the_rest():
    message = slack_digest(digest(100, long=True))
    texts = [b["text"]["text"] if "text" in b else b["elements"][0]["text"] for b in message.blocks]
    assert len(message.blocks) <= 50
    assert all(len(t) <= 3000 for t in texts) and sum(map(len, texts)) <= 12_000
    shown = len(message.blocks) - 2
    assert texts[-1] == f"…and {100 - shown} more stories."
    assert "<!channel>" not in "".join(texts) and "&lt;!channel&gt;" in texts[1]
    assert "also: BBC, AP" in texts[1] and "shared 2×" in texts[1]


def test_slack_short_digest_shows_every_story_and_omitted_ones_are_counted():
    message = slack_digest(digest(3, omitted=4))
    assert len(message.blocks) == 5
    assert message.blocks[-1]["elements"][0]["text"] == "…and 4 more stories."


def test_discord_digest_fits_embed_limits_and_counts_the_rest():
    embeds = discord_digest(digest(100, long=True))
    total = sum(len(e.title or "") + len(e.description or "") + len(e.footer.text or "")
                for e in embeds)  # fmt: skip
    assert len(embeds) <= 10 and total <= 6000
    assert all(len(e.description) <= 4096 for e in embeds)
    assert embeds[-1].footer.text.startswith("…and ") and "more stories" in embeds[-1].footer.text
    assert embeds[0].title == "Digest of the last 7 days: 100 stories from 200 links"


def test_empty_digests_say_so():
    empty = Digest("slack:T1:C1", "today", 0, 1)
    assert "Nothing was shared in this channel today." in slack_digest(empty).text
    (embed,) = discord_digest(empty)
    assert embed.description == "Nothing was shared in this channel today."
