"""Start-up and shutdown: build the summarizer, cache, fetcher and service once per process."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from bot.cache import open_cache
from bot.config import Config
from bot.errors import ConfigError
from bot.fetch import Fetcher
from bot.service import SummaryService
from summarizer import ModelLoadError, Summarizer, load_summarizer

log = logging.getLogger(__name__)


def build_summarizer(config: Config) -> Summarizer:
    """Load the configured backend now, so a bad model is a start-up error, not a chat one."""
    try:
        return load_summarizer(config.summarizer)
    except ModelLoadError as exc:
        raise ConfigError(f"summarizer backend {config.summarizer.backend!r}: {exc}") from exc


@asynccontextmanager
async def open_service(
    config: Config, summarizer: Summarizer | None = None, fetcher: Fetcher | None = None
) -> AsyncIterator[SummaryService]:
    """A ready `SummaryService`, closed (sessions, cache, pools) on exit."""
    summarizer = summarizer or build_summarizer(config)
    cache = open_cache(config.cache)
    service = SummaryService(config, summarizer, cache=cache, fetcher=fetcher)
    try:
        yield service
    finally:
        await service.close()
