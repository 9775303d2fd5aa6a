"""The chat bot process: the core plus shared state, the chat workflow, its features and the
adapters, started and stopped together (`newsbot run`)."""

from __future__ import annotations

import asyncio
import functools
import logging
import signal
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from bot.adapters.base import Adapter, AdapterDeps
from bot.chat import ChatWorkflow, Outbox
from bot.chat.policy import ChatPolicy
from bot.config import Config
from bot.errors import ChannelUnavailable, ConfigError
from bot.fetch import Fetcher
from bot.observability import METRICS, ReadinessChecks, serve_health
from bot.resilient_state import FallbackStateStore
from bot.service import SummaryService
from bot.service_setup import open_service
from bot.state import StateStore, open_state_store
from summarizer import Summarizer

if TYPE_CHECKING:
    from bot.digests.setup import Digests
    from bot.feeds import Feeds

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Deps:
    """Everything one process runs on: the core, the shared state and the chat workflow."""

    config: Config
    service: SummaryService
    state: StateStore
    chat: ChatWorkflow
    readiness: ReadinessChecks = field(default_factory=ReadinessChecks)
    digests: Digests | None = None
    #: Followed RSS/Atom feeds (None when `feeds.enabled` is false); started by `run`.
    feeds: Feeds | None = None

    @property
    def for_adapters(self) -> AdapterDeps:
        """What an adapter may see: config, the workflow and readiness, not the core."""
        return AdapterDeps(self.config, self.chat, self.readiness)


@asynccontextmanager
async def open_deps(
    config: Config, summarizer: Summarizer | None = None, fetcher: Fetcher | None = None
) -> AsyncIterator[Deps]:
    async with AsyncExitStack() as stack:
        state = open_state_store(config.cache)
        if config.cache.backend in ("redis", "sqlite"):
            state = FallbackStateStore(state)  # a lost Redis degrades, never crashes
        stack.push_async_callback(state.close)
        # every paste read in a page worker: the event loop keeps the GIL for acks
        service = await stack.enter_async_context(
            open_service(config, summarizer, fetcher, state, METRICS, paste_in_thread_chars=0)
        )
        policy = ChatPolicy(config.policy, state, post_ttl=config.cache.ttl_seconds)
        chat = ChatWorkflow(service, policy, state)
        # the chat capabilities load only for a bot: `newsbot summarize FILE` needs none of them
        from bot.digests.setup import open_digests

        digests = await stack.enter_async_context(open_digests(config, state, chat))
        feeds = None
        if config.feeds.enabled:
            from bot.feeds import Feeds

            feeds = Feeds(config, state, service.fetcher, chat, work=service.pages.run)
            stack.push_async_callback(feeds.close)
        if config.questions.enabled:
            _add_questions(chat, config, service, policy, state)
        yield Deps(config, service, state, chat, digests=digests, feeds=feeds)


def _add_questions(
    chat: ChatWorkflow,
    config: Config,
    service: SummaryService,
    policy: ChatPolicy,
    state: StateStore,
) -> None:
    """Follow-up questions: a feature of the workflow that hears of every summary posted."""
    from bot.questions import QuestionFeature
    from bot.questions.writing import ModelAnswerWriter

    writer = None
    if config.summarizer.backend == "instruct":  # the model writes a short answer too
        from summarizer import load_answer_composer

        make = functools.partial(load_answer_composer, config.summarizer)
        writer = ModelAnswerWriter(make, config.service.summarize_timeout)
    questions = QuestionFeature(config, service, policy, state, writer=writer)
    chat.features.append(questions)
    chat.on_posted(questions.on_posted)


def build_adapters(deps: AdapterDeps) -> list[Adapter]:
    """Adapters for every enabled platform; a missing token is a ConfigError right here."""
    adapters: list[Adapter] = []
    if deps.config.slack.enabled:  # imported only when enabled: each pulls in its platform SDK
        from bot.adapters.slack import SlackAdapter

        adapters.append(SlackAdapter(deps))
    if deps.config.discord.enabled:
        from bot.adapters.discord import DiscordAdapter

        adapters.append(DiscordAdapter(deps))
    if not adapters:
        raise ConfigError(
            "no chat platform is enabled: set slack.enabled or discord.enabled to true"
        )
    return adapters


async def run(
    config: Config, stop: asyncio.Event | None = None, summarizer: Summarizer | None = None
) -> int:
    """Run the enabled platforms until SIGINT/SIGTERM (or `stop` is set), then shut down."""
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, stop.set)
        except (NotImplementedError, RuntimeError):  # not the main thread / not supported
            pass
    if not (config.slack.enabled or config.discord.enabled):  # fail before loading a model
        raise ConfigError(
            "no chat platform is enabled: set slack.enabled or discord.enabled to true"
        )
    _check_secrets(config)
    exit_code = 0
    async with open_deps(config, summarizer) as deps, AsyncExitStack() as stack:
        checks = deps.readiness
        checks.mark("model", True)  # build_summarizer succeeded inside open_deps
        deps.service.pages.warm_soon()  # the first page after a start needs no worker start
        if config.ops.health_port:
            await stack.enter_async_context(
                serve_health(config.ops.health_host, config.ops.health_port, checks)
            )
        adapters = build_adapters(deps.for_adapters)
        started: list[Adapter] = []
        try:
            for adapter in adapters:
                checks.mark(type(adapter).__name__, False)
                await adapter.start()
                checks.mark(type(adapter).__name__, True)
                started.append(adapter)
            if deps.feeds is not None:
                await deps.feeds.start(outbox_router(started))
            log.info("newsbot running: %s", ", ".join(type(a).__name__ for a in started))
            await _start_digest_schedules(deps, started, stop, stack)
            ended = await _until_stop_or_adapter_ends(stop, started)
            if ended is not None:
                log.error("%s lost its connection for good; shutting down", type(ended).__name__)
                exit_code = 1
            log.info("shutting down")
            checks.mark("accepting", False)  # /readyz turns 503 first, so a proxy drains us
        finally:
            if deps.feeds is not None:
                await deps.feeds.poller.close()  # no new feed posts while adapters close
            for adapter in reversed(started):
                try:
                    await adapter.close()
                except Exception:  # noqa: BLE001 - keep closing the others
                    log.exception("error while closing %s", type(adapter).__name__)
    return exit_code


def _check_secrets(config: Config) -> None:
    """A missing token stops the start before the model loads, not after it."""
    if config.slack.enabled:
        from bot.adapters.slack import slack_secrets

        slack_secrets(config.slack)
    if config.discord.enabled:
        from bot.adapters.discord import discord_token

        discord_token()


async def _start_digest_schedules(
    deps: Deps, adapters: list[Adapter], stop: asyncio.Event, stack: AsyncExitStack
) -> None:
    """Post `[[digest.schedules]]` through the adapters, in a task stopped on shutdown."""
    scheduler = deps.digests.scheduler(outbox_router(adapters)) if deps.digests else None
    if scheduler is None:
        return
    task = asyncio.create_task(scheduler.run(stop), name="digest-schedules")

    async def stop_scheduler() -> None:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)

    stack.push_async_callback(stop_scheduler)


def outbox_router(adapters: list[Adapter]) -> Callable[[str], Outbox]:
    """`outbox_for(channel_key)` across platforms: "slack:T1:C1" goes to the Slack adapter."""
    by_platform = {getattr(a, "platform", ""): a for a in adapters}

    def outbox_for(channel_key: str) -> Outbox:
        adapter = by_platform.get(channel_key.split(":", 1)[0])
        if adapter is None:
            raise ChannelUnavailable(f"{channel_key.split(':', 1)[0]} is not connected")
        return adapter.outbox_for(channel_key)

    return outbox_for


async def _until_stop_or_adapter_ends(stop: asyncio.Event, adapters: list[Adapter]) -> Any:
    """Wait for `stop`, or for an adapter whose connection ended; returns that adapter."""
    waiters = {asyncio.create_task(stop.wait()): None}
    for adapter in adapters:
        wait_closed = getattr(adapter, "wait_closed", None)
        if wait_closed is not None:
            waiters[asyncio.create_task(wait_closed())] = adapter
    done, pending = await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
    for task in pending:
        task.cancel()
    await asyncio.gather(*pending, return_exceptions=True)
    return None if stop.is_set() else waiters[next(iter(done))]
