"""`newsbot digest`: a digest of links and text files (summarized through the core and its
cache), or of a stored channel (`--channel KEY --since 7d`), as text or JSON."""

from __future__ import annotations

import asyncio
import json
import sys
import time
from pathlib import Path
from typing import IO, Any

from bot.adapters.digest_text import links_read
from bot.config import Config
from bot.digests.feature import DigestFeature
from bot.digests.model import DigestEntry
from bot.digests.period import parse_period
from bot.digests.store import MemoryDigestStore, open_digest_store
from bot.errors import BotError, UsageError
from bot.results import Digest
from bot.urls import looks_like_url

CLI_CHANNEL = "cli:local:inputs"


def read_inputs(inputs: list[str], stdin: IO[str]) -> list[tuple[str, str | None]]:
    """(label, url) for links, (label, text) for files; `-` reads one URL per line."""
    items: list[tuple[str, str | None]] = []
    for item in inputs:
        if item == "-":
            items += [(line.strip(), None) for line in stdin if line.strip()]
        elif looks_like_url(item):
            items.append((item, None))
        else:
            path = Path(item)
            if not path.is_file():
                raise UsageError(f"{item}: no such file (give URLs, text files or '-')")
            items.append((item, path.read_text(encoding="utf-8", errors="replace")))
    if not items:
        raise UsageError("nothing to digest: give URLs, text files, '-' or --channel")
    return items


def _feature(config: Config, store: Any, state: Any) -> DigestFeature:
    from summarizer import load_encoder

    return DigestFeature(store, state, config.digest, lambda: load_encoder(config.summarizer))


async def digest_inputs(
    config: Config, items: list[tuple[str, str | None]], bullets: int | None
) -> Digest:
    """Summarize each input (links through the cache), then group them like a channel's posts."""
    from bot.service_setup import open_service

    async with open_service(config) as service:

        async def one(label: str, text: str | None) -> Any:
            try:
                if text is None:
                    return await service.summarize_url(label, bullets=bullets)
                return await service.summarize_text(text, bullets=bullets)
            except BotError as exc:
                print(f"newsbot: {label}: {exc}", file=sys.stderr)
                return None

        results = await asyncio.gather(*(one(label, text) for label, text in items))
    entries = []
    for n, ((label, text), result) in enumerate(zip(items, results, strict=True)):
        if result is None:
            continue
        url = label if text is None else ""
        entries.append(DigestEntry(
            CLI_CHANNEL, url, (result.title or "").strip(), result.site or "",
            tuple(b.text for b in result.bullets), "cli", float(n), "",
            article_url=result.url or "",
        ))  # fmt: skip
    if not entries:
        raise BotError("none of the inputs could be summarized")
    feature = _feature(config, MemoryDigestStore(), None)
    return await feature.digest_of(
        entries, channel_key=CLI_CHANNEL, label="the inputs", since=0.0, until=float(len(items))
    )


async def digest_channel(config: Config, channel: str, since: str) -> Digest:
    """A stored channel's digest, with its votes, as `/digest` would post it."""
    from bot.state import open_state_store

    period = parse_period(since, config.digest.retention_days)
    store, state = open_digest_store(config.cache), open_state_store(config.cache)
    try:
        start, end = period.window(time.time())
        return await _feature(config, store, state).digest_for(channel, period.label, start, end)
    finally:
        await store.close()
        await state.close()


def digest_json(digest: Digest) -> dict[str, Any]:
    return {
        "stories": [
            {"title": s.title, "gist": s.gist, "urls": list(s.urls), "sites": list(s.sites),
             "shares": s.shares, "ups": s.ups, "downs": s.downs, "first_post": s.first_permalink}
            for s in digest.stories
        ]  # fmt: skip
    }


def print_digest(digest: Digest, out: IO[str]) -> None:
    if not digest.stories:
        print(f"Nothing was shared in {digest.label}.", file=out)
        return
    n = len(digest.stories)
    print(f"{n} {'story' if n == 1 else 'stories'} from {links_read(digest)}", file=out)
    for i, story in enumerate(digest.stories, 1):
        print(f"\n{i}. {story.title}", file=out)
        if story.gist:
            print(f"   {story.gist}", file=out)
        facts = [", ".join(story.sites)] if story.sites else []
        if story.shares > 1:
            facts.append(f"shared {story.shares}×")
        if story.ups or story.downs:
            facts.append(f"+{story.ups}/-{story.downs}")
        if facts:
            print(f"   ({' · '.join(facts)})", file=out)
        for url in story.urls:
            print(f"   {url}", file=out)
        if story.first_permalink:
            print(f"   first shared: {story.first_permalink}", file=out)
    if digest.omitted:
        print(f"\n…and {digest.omitted} more stories.", file=out)


def emit(digest: Digest, as_json: bool, out: IO[str]) -> None:
    if as_json:
        print(json.dumps(digest_json(digest), ensure_ascii=False, indent=2), file=out)
    else:
        print_digest(digest, out)
