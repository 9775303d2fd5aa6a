"""Grouping links into stories with the default sentence encoder (the shipped static vectors)."""

from __future__ import annotations

import pytest

from bot.digests.digest import build_digest, one_sentence
from bot.digests.model import DigestEntry
from bot.digests.stories import SHARED_RUN_WORDS, group, shared_text_pairs


@pytest.fixture(scope="module")
def encoder():
    from summarizer import load_encoder

    return load_encoder()


def post(url: str, title: str, *bullets: str, site: str = "", at: float = 0.0) -> DigestEntry:
    return DigestEntry("slack:T1:C1", url, title, site, bullets, "slack:T1:U1", at, f"p:{url}")


FED = post(
    "https://news.example/fed", "Fed raises interest rates by a quarter point",
    "The Fed raised its benchmark interest rate by a quarter of a percentage point on Wednesday.",
    "The central bank said inflation was still too high and more increases may follow.",
    "Markets had expected the move after strong jobs figures last month.", site="Reuters",
)  # fmt: skip
ECB = post(
    "https://news.example/ecb", "ECB raises interest rates by a quarter point",
    "The ECB raised its benchmark interest rate by a quarter of a percentage point on Wednesday.",
    "The central bank said inflation was still too high and more increases may follow.",
    "Markets had expected the move after strong jobs figures last month.", site="Reuters",
)  # fmt: skip
FED_AGAIN = post(
    "https://other.example/markets/fed-hike", "Fed lifts interest rates a quarter point",
    "The Fed lifted its benchmark interest rate by a quarter of a percentage point.",
    "Officials at the central bank said inflation was still too high.",
    "More increases may follow, the Fed said.", site="BBC",
)  # fmt: skip
FOOTBALL = post(
    "https://sport.example/cup", "Rovers reach the cup final",
    "Rovers beat United 2-1 to reach the cup final for the first time since 1998.",
    "A late goal from their captain settled the semi-final.", site="BBC",
)  # fmt: skip


def test_same_actor_merges_across_outlets_and_another_actor_stays_apart(encoder):
    groups = group([FED, ECB, FED_AGAIN, FOOTBALL], encoder)
    assert sorted(groups) == [[0, 2], [1], [3]]


def test_same_text_under_an_unrelated_address_is_one_story_without_an_encoder():
    copy = post("https://mirror.example/x1", FED.title, *FED.bullets, site="Mirror")
    amp = post("https://www.news.example/fed/amp?utm_source=x", "AMP page", "Short.")
    assert sorted(group([FED, copy, amp, ECB], None)) == [[0, 1, 2], [3]]


def test_digest_orders_by_shares_then_votes_then_recency_and_lists_outlets(encoder):
    fed = post(FED.url, FED.title, *FED.bullets, site="Reuters", at=10.0)
    fed_bbc = post(FED_AGAIN.url, FED_AGAIN.title, *FED_AGAIN.bullets, site="BBC", at=20.0)
    ecb = post(ECB.url, ECB.title, *ECB.bullets, site="Reuters", at=30.0)
    cup = post(FOOTBALL.url, FOOTBALL.title, *FOOTBALL.bullets, site="BBC", at=5.0)
    cup = DigestEntry(**{**cup.__dict__, "vote_key": "post:cup"})
    digest = build_digest(
        [cup, fed, fed_bbc, ecb], channel_key="slack:T1:C1", label="today", since=0,
        until=100, encoder=encoder, votes={"post:cup": (3, 0)},
    )  # fmt: skip
    assert [s.title for s in digest.stories] == [FED.title, FOOTBALL.title, ECB.title]
    fed_story = digest.stories[0]
    assert fed_story.sites == ("Reuters", "BBC") and fed_story.shares == 2
    assert fed_story.first_permalink == f"p:{FED.url}"
    assert fed_story.gist.endswith(".") and fed_story.gist.count(". ") == 0
    assert digest.stories[1].ups == 3


def test_a_gist_is_one_sentence_cut_to_length():
    assert one_sentence("Prices rose 2.5% in May. Analysts were surprised.") == (
        "Prices rose 2.5% in May."
    )
    long = "word " * 200
    assert len(one_sentence(long, 50)) <= 50 and one_sentence(long, 50).endswith("…")


def test_a_short_link_that_redirected_to_the_article_is_the_same_story():
    short = DigestEntry("slack:T1:C1", "https://sho.rt/x1", "Fed story", "", ("a",), "u", 1.0,
                        "p1", article_url="https://news.example/fed?utm_medium=social")  # fmt: skip
    direct = DigestEntry("slack:T1:C1", FED.url, "Fed story", "", ("b",), "u", 2.0, "p2")
    other = DigestEntry("slack:T1:C1", "https://sho.rt/x2", "Other", "", ("c",), "u", 3.0, "p3",
                        article_url=ECB.url)  # fmt: skip
    assert sorted(group([short, direct, other], None)) == [[0, 1], [2]]


LAYOFFS = "About 120 workers will lose their jobs when the fish processing plant on the north quay shuts in March, the union said."  # noqa: E501
HARBOR = post(
    "https://courier.example/harbor", "Nordfisk to close harbor plant after forty years",
    LAYOFFS, "The town council plans to turn the site into a marina, Mayor Anna Lind said.",
    site="Courier",
)  # fmt: skip
HARBOR_WIRE = post(
    "https://planet.example/2026/12/quay", "Latest: Nordfisk shuts north quay plant",
    "Its owner Nordfisk blamed falling catches and the cost of energy, Reuters reported.",
    LAYOFFS, site="Daily Planet",
)  # fmt: skip
FESTIVAL = post(
    "https://courier.example/festival", "Fishing town marks its festival",
    "Boats will gather when the fish processing plant on the north quay opens for the festival.",
    site="Courier",
)  # fmt: skip


def test_two_outlets_copies_of_one_text_sharing_a_sentence_are_one_story_without_vectors():
    """The copy names other people in its bullets (their names overlap little) and its
    headline names the owner the original names only in its headline: still one text."""
    assert len(LAYOFFS.split()) >= SHARED_RUN_WORDS
    assert shared_text_pairs([HARBOR, FESTIVAL, HARBOR_WIRE]) == [(0, 2)]
    assert sorted(group([HARBOR, FESTIVAL, HARBOR_WIRE], None)) == [[0, 2], [1]]


def test_a_sentence_shared_by_two_actors_stories_does_not_merge_them():
    """Two wire reports sharing a sentence of boilerplate, headlines differing only in who."""
    boiler = ("Policymakers said inflation was still too high and that further increases in "
              "borrowing costs may follow later this year.")  # fmt: skip
    fed = post(FED.url, FED.title, "The Fed raised its benchmark rate on Wednesday.", boiler)
    ecb = post(ECB.url, ECB.title, "The ECB raised its benchmark rate on Wednesday.", boiler)
    assert shared_text_pairs([fed, ecb]) == [(0, 1)]
    assert sorted(group([fed, ecb], None)) == [[0], [1]]


def test_only_a_run_of_the_full_length_counts_as_shared_text():
    words = LAYOFFS.split()
    short = post("https://x.example/1", "Other", " ".join(words[: SHARED_RUN_WORDS - 1]) + ".")
    longer = post("https://x.example/2", "Else", " ".join(words[:SHARED_RUN_WORDS]) + ".")
    assert shared_text_pairs([HARBOR, short]) == []
    assert shared_text_pairs([HARBOR, short, longer]) == [(0, 2)]
