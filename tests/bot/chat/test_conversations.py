"""Whole conversations through the real chat workflow and core, on the in-memory platform.

No platform fake: what the workflow decides is read back as its own outcomes. Article pages
are served on 127.0.0.1; the model is the deterministic `FakeSummarizer`.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack

import pytest

from bot.adapters.memory import MemoryAdapter
from bot.chat import (
    AlreadySummarized,
    ChatEvent,
    Conversation,
    Failure,
    Notice,
    RequestOptions,
    Silent,
    SummaryPost,
    VoteCounted,
)
from bot.config import CacheConfig, Config, FetchConfig, PolicyConfig
from bot.runtime import Deps, open_deps
from summarizer import BusyError as ModelBusy
from tests.fakes import FakeSummarizer
from tests.pages import SAMPLE_TEXT, PageServer, article_html

AUTO, MENTION_ONLY, OFF = "CAUTO", "CNEWS", "COFF"
TITLE = SAMPLE_TEXT.strip().splitlines()[0]


@pytest.fixture
async def pages() -> AsyncIterator[PageServer]:
    srv = await PageServer().start()
    srv.add("/story", article_html())
    srv.add("/other", article_html(title="Second story about the harbor plant"))
    srv.add("/gone", "gone", status=404, ctype="text/plain")
    yield srv
    await srv.stop()


@pytest.fixture
async def chat(pages) -> AsyncIterator:
    """`await chat(**policy)` → (platform, deps): the in-memory adapter on a fresh core."""
    async with AsyncExitStack() as stack:

        async def make(summarizer=None, **policy) -> tuple[MemoryAdapter, Deps]:
            channels = {f"memory:W1:{AUTO}": "auto", f"memory:W1:{OFF}": "off"}
            config = Config(
                fetch=FetchConfig(allowed_networks=("127.0.0.1/32",), allowed_ports=(pages.port,)),
                cache=CacheConfig(backend="memory"),
                policy=PolicyConfig(channels=channels, **policy),
            )
            deps = await stack.enter_async_context(
                open_deps(config, summarizer or FakeSummarizer())
            )
            platform = MemoryAdapter(deps.for_adapters)
            await platform.start()
            stack.push_async_callback(platform.close)
            return platform, deps

        yield make


def only(delivered, kind):
    (item,) = delivered
    assert isinstance(item.outcome, kind), item.outcome
    return item


# --- summaries ----------------------------------------------------------------------------------


async def test_link_in_an_auto_channel_gets_one_summary_in_its_thread(chat, pages):
    platform, _ = await chat()
    got = only(await platform.post(AUTO, f"worth a read {pages.base}/story"), SummaryPost)
    assert got.outcome.result.title == TITLE
    assert got.outcome.url == f"{pages.base}/story"
    assert got.to_user is None and got.thread == "m1"  # public, in the message's thread
    assert "Residents of the fishing town" in got.outcome.result.bullets[0].text


async def test_plain_link_in_a_mention_only_channel_waits_for_a_mention(chat, pages):
    platform, _ = await chat()
    only(await platform.post(MENTION_ONLY, f"{pages.base}/story"), Silent)
    only(await platform.post(MENTION_ONLY, f"@newsbot {pages.base}/story"), SummaryPost)


async def test_repeated_link_points_to_the_first_summary(chat, pages):
    platform, _ = await chat()
    first = only(await platform.post(AUTO, f"{pages.base}/story"), SummaryPost)
    again = only(
        await platform.post(AUTO, f"again {pages.base}/story?utm_source=x"), AlreadySummarized
    )
    ((url, permalink),) = again.outcome.links
    assert url == f"{pages.base}/story?utm_source=x"
    assert permalink == platform.permalink(AUTO, first.message_id)
    assert again.to_user is None  # everyone who saw the repeat sees where the summary is
    # another channel has not seen it yet
    only(await platform.post("COTHER", f"@newsbot {pages.base}/story"), SummaryPost)


async def test_a_command_on_an_already_summarized_link_answers_only_the_requester(chat, pages):
    platform, _ = await chat()
    only(await platform.post(AUTO, f"{pages.base}/story"), SummaryPost)
    again = only(await platform.command(AUTO, f"{pages.base}/story"), AlreadySummarized)
    assert again.to_user == "U1"


async def test_private_summary_is_not_remembered_for_the_channel(chat, pages):
    platform, _ = await chat()
    private = RequestOptions(private=True)
    mine = only(await platform.command(AUTO, f"{pages.base}/story", options=private), SummaryPost)
    assert mine.to_user == "U1" and not mine.message_id
    only(await platform.post(AUTO, f"{pages.base}/story"), SummaryPost)


async def test_pasted_text_and_options_reach_the_core(chat):
    platform, _ = await chat()
    options = RequestOptions(bullets=2)
    got = only(await platform.command(MENTION_ONLY, SAMPLE_TEXT, options=options), SummaryPost)
    assert got.outcome.url is None and len(got.outcome.result.bullets) == 2


# --- who is not answered --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "kwargs", "reason"),
    [
        ("{base}/story !nosummary", {}, "opted out"),
        ("{base}/story", {"is_bot": True}, "message from a bot"),
        ("no link here at all", {}, "no links"),
    ],
    ids=["opt-out", "bot", "no-link"],
)
async def test_auto_channel_stays_silent_and_says_why_in_the_log(chat, pages, text, kwargs, reason):
    platform, _ = await chat()
    got = only(await platform.post(AUTO, text.format(base=pages.base), **kwargs), Silent)
    assert got.outcome.reason == reason


async def test_opt_out_is_honoured_even_when_the_bot_is_mentioned(chat, pages):
    platform, _ = await chat()
    only(await platform.post(AUTO, f"@newsbot {pages.base}/story !nosummary"), Silent)


async def test_mention_where_summaries_are_off_is_told_privately_but_the_command_works(
    chat, pages
):
    platform, _ = await chat()
    note = only(await platform.post(OFF, f"@newsbot {pages.base}/story"), Notice)
    assert note.outcome.text == "Nothing to summarize: summaries are off in this channel."
    assert note.to_user == "U1"
    only(await platform.command(OFF, f"{pages.base}/story"), SummaryPost)


async def test_replayed_delivery_is_answered_once(chat, pages):
    summarizer = FakeSummarizer()
    platform, _ = await chat(summarizer)
    only(await platform.post(AUTO, f"{pages.base}/story", event_id="Ev1"), SummaryPost)
    replay = only(await platform.post(AUTO, f"{pages.base}/other", event_id="Ev1"), Silent)
    assert replay.outcome.reason == "duplicate delivery"
    assert summarizer.calls == 1


# --- limits -------------------------------------------------------------------------------------


async def test_rate_limit_tells_the_asker_and_keeps_auto_channels_quiet(chat, pages):
    platform, _ = await chat(user_requests_per_minute=1)
    only(await platform.post(MENTION_ONLY, f"@newsbot {pages.base}/story"), SummaryPost)
    told = only(await platform.post(MENTION_ONLY, f"@newsbot {pages.base}/other"), Notice)
    assert "faster than I can read" in told.outcome.text and told.to_user == "U1"
    assert told.outcome.kind == "rate_limited"
    only(await platform.post(AUTO, f"{pages.base}/other"), Silent)  # nobody asked: no noise
    # another user is not limited by the first one
    only(await platform.post(AUTO, f"{pages.base}/other", user="U2"), SummaryPost)


async def test_channel_rate_limit_counts_every_user(chat, pages):
    platform, _ = await chat(channel_requests_per_minute=1)
    only(await platform.post(MENTION_ONLY, f"@newsbot {pages.base}/story", user="U1"), SummaryPost)
    told = only(
        await platform.post(MENTION_ONLY, f"@newsbot {pages.base}/other", user="U2"), Notice
    )
    assert told.outcome.kind == "rate_limited"


@pytest.mark.parametrize(
    ("text", "expected"),
    [("@newsbot", "link to a news article"), ("@newsbot " + "word " * 30_000, "too long")],
    ids=["empty", "too-long"],
)
async def test_bad_pastes_get_a_private_hint(chat, text, expected):
    platform, _ = await chat()
    told = only(await platform.post(MENTION_ONLY, text), Notice)
    assert expected in told.outcome.text and told.outcome.kind == "usage"


# --- failures -----------------------------------------------------------------------------------


async def test_failed_fetch_is_reported_honestly_in_the_thread(chat, pages):
    platform, _ = await chat()
    failed = only(await platform.post(AUTO, f"{pages.base}/gone"), Failure)
    assert "404" in failed.outcome.text and failed.to_user is None
    assert failed.outcome.kind == "fetch"


async def test_blocked_address_is_skipped_in_auto_channels_and_refused_to_a_command(chat):
    platform, _ = await chat()
    only(await platform.post(AUTO, "http://10.1.2.3/internal"), Silent)
    refused = only(await platform.command(AUTO, "http://10.1.2.3/internal"), Notice)
    assert refused.to_user == "U1" and refused.outcome.kind == "blocked"


async def test_busy_model_is_told_to_whoever_asked(chat, pages):
    platform, _ = await chat(FakeSummarizer(error=ModelBusy("queue full")))
    busy = only(await platform.post(AUTO, f"{pages.base}/story"), Failure)
    assert "busy" in busy.outcome.text and busy.outcome.kind == "busy"
    busy = only(await platform.command(AUTO, f"{pages.base}/other"), Notice)
    assert busy.outcome.kind == "busy" and busy.to_user == "U1"


async def test_an_unexpected_error_is_an_apology_and_the_next_request_still_works(chat, pages):
    summarizer = FakeSummarizer(error=RuntimeError("bug"))
    platform, _ = await chat(summarizer)
    sorry = only(await platform.post(MENTION_ONLY, f"@newsbot {pages.base}/story"), Failure)
    assert "went wrong" in sorry.outcome.text and "bug" not in sorry.outcome.text
    only(await platform.post(AUTO, f"{pages.base}/other"), Silent)  # auto: logged, not posted
    summarizer.error = None
    only(await platform.post(MENTION_ONLY, f"@newsbot {pages.base}/other"), SummaryPost)


async def test_work_cut_off_by_shutdown_tells_the_thread(chat, pages):
    platform, _ = await chat(FakeSummarizer(delay=2.0))
    work = asyncio.create_task(platform.post(AUTO, f"{pages.base}/story"))
    await asyncio.sleep(0.3)
    work.cancel()
    with pytest.raises(asyncio.CancelledError):
        await work
    (told,) = platform.transcript
    assert isinstance(told.outcome, Failure) and "restarting" in told.outcome.text


# --- votes --------------------------------------------------------------------------------------


async def test_votes_count_per_post_and_a_user_can_change_theirs(chat, pages):
    platform, _ = await chat()
    here = only(await platform.post(AUTO, f"{pages.base}/story"), SummaryPost)
    there = only(await platform.post("CELSE", f"@newsbot {pages.base}/story"), SummaryPost)
    summary_id = here.outcome.result.summary_id
    assert there.outcome.result.summary_id == summary_id  # one cached summary, two posts

    up = only(await platform.vote(here.message_id, summary_id, "up"), VoteCounted)
    assert (up.outcome.ups, up.outcome.downs) == (1, 0) and up.to_user == "U1"
    other = only(await platform.vote(there.message_id, summary_id, "down", user="U2"), VoteCounted)
    assert (other.outcome.ups, other.outcome.downs) == (0, 1)  # not (1, 1): another post
    changed = only(await platform.vote(here.message_id, summary_id, "down"), VoteCounted)
    assert (changed.outcome.ups, changed.outcome.downs) == (0, 1)


async def test_a_vote_that_names_no_summary_gets_a_private_note(chat, pages):
    platform, _ = await chat()
    here = only(await platform.post(AUTO, f"{pages.base}/story"), SummaryPost)
    note = only(await platform.vote(here.message_id, "", "up"), Notice)
    assert "which summary" in note.outcome.text


async def test_shortcut_on_someone_elses_message_summarizes_into_its_thread(chat, pages):
    platform, _ = await chat()
    only(await platform.post(MENTION_ONLY, f"have a look {pages.base}/story", user="U9"), Silent)
    got = only(await platform.shortcut("m1", user="U1"), SummaryPost)
    assert got.thread == "m1" and got.to_user is None


async def test_a_burst_of_requests_all_get_answers(chat, pages):
    platform, _ = await chat(user_requests_per_minute=100, channel_requests_per_minute=100)
    texts = [f"{SAMPLE_TEXT}\n\nVariant {i}." for i in range(20)]
    results = await asyncio.gather(*(platform.command(AUTO, t, user=f"U{i}") for i, t in
                                     enumerate(texts)))  # fmt: skip
    assert all(isinstance(only(r, SummaryPost).outcome, SummaryPost) for r in results)


# --- extension points: features and post listeners -----------------------------------------------


class Echo:
    """A toy feature: `/echo text` answers with the text, after a fast acceptance."""

    def __init__(self) -> None:
        self.done: list[str] = []

    async def wants(self, event: ChatEvent) -> bool:
        return event.command == "echo"

    async def receive(self, event: ChatEvent) -> Conversation:
        if not event.text:
            return Conversation(event, reply_now=Notice("echo what?", "usage"))
        return Conversation(event, work=event.text)

    async def carry_out(self, conversation: Conversation, outbox) -> None:
        self.done.append(conversation.work)
        await outbox.send(Failure(f"echo: {conversation.work}", "echo"))


async def test_a_feature_takes_its_own_command_and_unknown_commands_are_told(chat):
    platform, deps = await chat()
    echo = Echo()
    deps.chat.features.append(echo)
    said = only(await platform.command(AUTO, "hello", command="echo"), Failure)
    assert said.outcome.text == "echo: hello" and echo.done == ["hello"]
    only(await platform.command(AUTO, "", command="echo"), Notice)
    unknown = only(await platform.command(AUTO, "week", command="nope"), Notice)
    assert unknown.outcome.text == "I don't know /nope."


async def test_post_listeners_hear_of_public_posts_only(chat, pages):
    platform, deps = await chat()
    heard = []

    async def listener(event, post, permalink):
        heard.append((event.channel, post.url, permalink))

    async def broken(event, post, permalink):
        raise RuntimeError("listener bug")

    deps.chat.on_posted(broken)  # a failing listener must not stop the others or the post
    deps.chat.on_posted(listener)
    posted = only(await platform.post(AUTO, f"{pages.base}/story"), SummaryPost)
    private = RequestOptions(private=True)
    only(await platform.command(AUTO, f"{pages.base}/other", options=private), SummaryPost)
    assert heard == [
        (AUTO, f"{pages.base}/story", platform.permalink(AUTO, posted.message_id))
    ]


async def test_a_delivery_replayed_after_a_restart_is_not_answered_again(pages, tmp_path):
    """Delivery ids live in the shared state store (SQLite here), not in the process."""
    config = Config(
        fetch=FetchConfig(allowed_networks=("127.0.0.1/32",), allowed_ports=(pages.port,)),
        cache=CacheConfig(backend="sqlite", data_dir=str(tmp_path)),
        policy=PolicyConfig(channels={f"memory:W1:{AUTO}": "auto"}),
    )
    for run, expected in ((1, SummaryPost), (2, Silent)):
        summarizer = FakeSummarizer()
        async with open_deps(config, summarizer) as deps:
            platform = MemoryAdapter(deps.for_adapters)
            only(await platform.post(AUTO, f"{pages.base}/story", event_id="EvReplayed"), expected)
        assert summarizer.calls == (1 if run == 1 else 0)
