"""Open the summary core: the summarizer, cache, fetcher and page workers, once per process.

Everything a one-shot CLI command needs and nothing of the chat bot (`bot.runtime`), so
`newsbot summarize FILE` imports no chat, adapter or feature code.
"""

from __future__ import annotations

import dataclasses
import functools
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

from bot.cache import open_cache
from bot.config import Config, LogConfig
from bot.errors import ConfigError
from bot.logs import setup_logging
from bot.service import PASTE_IN_THREAD_CHARS, SummaryService
from bot.state import StateStore
from bot.workpool import WorkPool
from summarizer import (
    BatchingRunner,
    ModelLoadError,
    ProcessSummarizer,
    Summarizer,
    load_summarizer,
)

if TYPE_CHECKING:
    from bot.fetch import Fetcher
    from bot.observability import Metrics


def build_summarizer(
    config: Config, on_batch: Callable[[int], None] | None = None
) -> Summarizer:
    """Load the configured backend now, so a bad model is a start-up error, not a chat one.
    `on_batch` hears the size of every model call (the bot's metrics)."""
    try:
        if config.summarizer.isolation == "process":
            setup = functools.partial(setup_logging, _log_config_in_effect(config))
            backend: Summarizer = ProcessSummarizer(config.summarizer, child_setup=setup)
        else:
            backend = load_summarizer(config.summarizer)
    except ModelLoadError as exc:
        raise ConfigError(f"summarizer backend {config.summarizer.backend!r}: {exc}") from exc
    # one worker thread feeds the model; requests arriving together are batched into one call.
    # The core's [service] limits decide what is "busy", so the runner's queue must not be
    # the smaller one.
    limits = config.service
    waiting = limits.max_queue + limits.max_concurrent_summaries
    queue_size = max(config.summarizer.queue_size, waiting)
    runner_config = dataclasses.replace(config.summarizer, queue_size=queue_size)
    return BatchingRunner.from_config(backend, runner_config, on_batch=on_batch)


def _log_config_in_effect(config: Config) -> LogConfig:
    """The log settings this process runs with (`--debug` or the CLI's quieter level
    included), so the model process logs exactly like it: format, level, token masking."""
    level = logging.getLevelName(logging.getLogger().getEffectiveLevel())
    if level in ("DEBUG", "INFO", "WARNING", "ERROR"):
        return dataclasses.replace(config.log, level=level)
    return config.log


@asynccontextmanager
async def open_service(
    config: Config,
    summarizer: Summarizer | None = None,
    fetcher: Fetcher | None = None,
    state: StateStore | None = None,
    metrics: Metrics | None = None,
    paste_in_thread_chars: int = PASTE_IN_THREAD_CHARS,
) -> AsyncIterator[SummaryService]:
    """A ready `SummaryService`, closed (sessions, cache, pools) on exit. The bot passes its
    `metrics` and reads every paste in the page workers; a CLI command records nothing (and
    never imports prometheus) and reads a short paste in a thread (no worker to start)."""
    on_batch = metrics.observe_batch if metrics is not None else None
    summarizer = summarizer or build_summarizer(config, on_batch)
    cache = open_cache(config.cache)
    # page workers start on first use; closing kills busy ones, so a stuck page can't hold
    # up shutdown
    setup = functools.partial(setup_logging, _log_config_in_effect(config))
    pages = WorkPool.from_config(config.service, child_setup=setup)
    service = SummaryService(
        config, summarizer, cache=cache, fetcher=fetcher, state=state, pages=pages,
        metrics=metrics, paste_in_thread_chars=paste_in_thread_chars,
    )  # fmt: skip
    try:
        yield service
    finally:
        try:
            await service.close()
        finally:
            await pages.close()
