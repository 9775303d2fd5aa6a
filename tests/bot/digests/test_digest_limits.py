"""A channel that shared more links than a digest reads: the newest are read, and it says so."""

from __future__ import annotations

from bot.adapters.discord_render_digest import render_digest as discord_digest
from bot.adapters.slack_render_digest import render_digest as slack_digest
from bot.config import DigestConfig
from bot.digests.feature import DigestFeature
from bot.digests.model import MAX_ENTRIES, DigestEntry
from bot.digests.store import MemoryDigestStore

CHANNEL = "slack:T1:C1"
NOW = 1_800_000_000.0
WEEK = 7 * 86_400


def link(n: int, at: float, channel: str = CHANNEL) -> DigestEntry:
    bullet = f"Report number {n} says something happened in the harbor."
    return DigestEntry(channel, f"https://news.example/{n}", f"Story {n}", "Courier", (bullet,),
                       "slack:T1:U1", at, f"https://t.slack.com/archives/C1/p{n}")  # fmt: skip


async def test_ten_thousand_links_in_a_week_read_the_newest_and_say_so():
    store = MemoryDigestStore()
    total = 10_000
    for n in range(total):  # one a minute or so, all inside the week
        await store.add(link(n, NOW - WEEK + 1 + n * (WEEK - 2) / total))
    await store.add(link(99_999, NOW - 60, channel="slack:T2:C1"))  # another workspace
    feature = DigestFeature(store, None, DigestConfig(), lambda: None, clock=lambda: NOW)

    digest = await feature.digest_for(CHANNEL, "the last 7 days", NOW - WEEK, NOW)

    assert digest.capped and digest.links == MAX_ENTRIES
    assert len(digest.stories) == DigestConfig().max_stories
    assert digest.omitted == MAX_ENTRIES - len(digest.stories)
    numbers = [int(s.title.split()[-1]) for s in digest.stories]
    assert min(numbers) >= total - MAX_ENTRIES  # the newest links, never the other workspace's
    assert numbers[0] == total - 1  # shared once each, no votes: the most recent first
    slack = slack_digest(digest)
    assert len(slack.blocks) <= 50
    assert slack.blocks[0]["text"]["text"] == (
        f"*Digest of the last 7 days: {MAX_ENTRIES:,} stories from the newest 5,000 links*"
    )
    assert slack.blocks[-1]["type"] == "context" and "more stories" in str(slack.blocks[-1])
    embeds = discord_digest(digest)
    assert len(embeds) <= 10 and "the newest 5,000 links" in embeds[0].title
    assert "more stories" in embeds[-1].footer.text


async def test_a_channel_within_the_cap_reads_every_link():
    store = MemoryDigestStore()
    for n in range(3):
        await store.add(link(n, NOW - 3600 + n))
    feature = DigestFeature(store, None, DigestConfig(), lambda: None, clock=lambda: NOW)
    digest = await feature.digest_for(CHANNEL, "today", NOW - 86_400, NOW)
    assert not digest.capped and digest.links == 3 and len(digest.stories) == 3
    assert slack_digest(digest).blocks[0]["text"]["text"].endswith("3 stories from 3 links*")


async def test_the_memory_store_keeps_a_busy_channel_bounded():
    store = MemoryDigestStore()
    for n in range(2 * MAX_ENTRIES + 500):
        await store.add(link(n, NOW - 86_400 + n))
    await store.add(link(0, NOW - 60, channel="slack:T2:C1"))
    kept = await store.entries(CHANNEL, 0.0, NOW, limit=10 * MAX_ENTRIES)
    assert MAX_ENTRIES < len(kept) <= 2 * MAX_ENTRIES
    assert kept[-1].url.endswith(f"/{2 * MAX_ENTRIES + 499}")  # the newest are the ones kept
    assert len(await store.entries("slack:T2:C1", 0.0, NOW)) == 1
