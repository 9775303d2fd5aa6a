import pytest

from bot.chat import ChatEvent, Trigger
from bot.chat.policy import ChatPolicy
from bot.config import PolicyConfig
from bot.errors import RateLimited, UsageError
from bot.state import MemoryStateStore

LINK = "https://news.example.com/story?id=7&utm_source=x"
LONG_TEXT = "The council approved a new budget for the harbour on Monday evening. " * 5


def event(text=f"look {LINK}", trigger=Trigger.AUTO, channel="C1", user="U1", **kw):
    return ChatEvent("slack", "T1", channel, user, text, trigger, **kw)


@pytest.fixture
async def policy():
    config = PolicyConfig(
        default="mention",
        channels={"slack:T1:CAUTO": "auto", "slack:T1:COFF": "off", "discord": "auto"},
        user_requests_per_minute=3,
        channel_requests_per_minute=100,
    )
    store = MemoryStateStore()
    yield ChatPolicy(config, store, post_ttl=3600)
    await store.close()


def test_most_specific_override_wins(policy):
    assert policy.mode("slack", "T1", "CAUTO") == "auto"
    assert policy.mode("slack", "T1", "COFF") == "off"
    assert policy.mode("slack", "T1", "C9") == "mention"
    assert policy.mode("discord", "G1", "C1") == "auto"


async def test_auto_links_only_in_auto_channels(policy):
    assert (await policy.plan(event(channel="CAUTO"))).links == (LINK,)
    skipped = await policy.plan(event(channel="C1"))
    assert not skipped.has_work and skipped.skip_reason == "channel policy is mention"


async def test_off_channel_still_answers_slash_command(policy):
    assert not (await policy.plan(event(channel="COFF", trigger=Trigger.MENTION))).has_work
    assert (await policy.plan(event(channel="COFF", trigger=Trigger.COMMAND))).links == (LINK,)


async def test_opt_out_and_bots_are_ignored(policy):
    assert (await policy.plan(event(f"{LINK} !NoSummary", channel="CAUTO"))).skip_reason == (
        "opted out"
    )
    assert (await policy.plan(event(channel="CAUTO", is_bot=True))).skip_reason == (
        "message from a bot"
    )


async def test_explicit_request_without_link_uses_pasted_text(policy):
    plan = await policy.plan(event(LONG_TEXT, trigger=Trigger.COMMAND))
    assert plan.text == LONG_TEXT.strip() and not plan.links
    with pytest.raises(UsageError, match="link"):
        await policy.plan(event("hello?", trigger=Trigger.COMMAND))
    with pytest.raises(UsageError, match="too long"):
        await policy.plan(event("word " * 30_000, trigger=Trigger.COMMAND))


async def test_rate_limit_per_user(policy):
    for _ in range(3):
        await policy.plan(event(trigger=Trigger.MENTION))
    with pytest.raises(RateLimited) as err:
        await policy.plan(event(trigger=Trigger.MENTION))
    assert err.value.retry_after > 0 and "Try again" in str(err.value)
    # another user is unaffected
    assert (await policy.plan(event(trigger=Trigger.MENTION, user="U2"))).links


async def test_already_summarized_here_by_normalised_link(policy):
    first = event(channel="CAUTO")
    await policy.remember_post(first, LINK, "https://slack.example/archives/CAUTO/p1")
    again = await policy.plan(event("https://NEWS.example.com/story?id=7#top", channel="CAUTO"))
    assert not again.links
    assert again.already_posted == (
        ("https://NEWS.example.com/story?id=7#top", "https://slack.example/archives/CAUTO/p1"),
    )
    # other channels still get their own summary
    assert (await policy.plan(event(channel="CAUTO2", trigger=Trigger.MENTION))).links
