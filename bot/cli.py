"""`newsbot` command line: summarize a file, URL or stdin; batch JSONL; check a config.

Exit codes: 0 ok, 2 usage error, 1 failure with one clear line on stderr (a traceback only
with --debug).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from bot.config import Config, LogConfig, load_config, replace
from bot.errors import BotError, UsageError
from bot.logs import setup_logging
from bot.urls import looks_like_url

log = logging.getLogger("newsbot")

EXIT_OK, EXIT_FAILURE, EXIT_USAGE = 0, 1, 2
#: Texts handed to the summarizer per batched call in `newsbot batch`.
BATCH_CHUNK = 32
#: Bytes read from a file or stdin at most; longer input is cut (the summarizer truncates
#: further to summarizer.max_input_chars and says so).
MAX_INPUT_BYTES = 5_000_000


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="newsbot", description=__doc__.splitlines()[0])
    parser.add_argument("--debug", action="store_true", help="show tracebacks and debug logs")
    sub = parser.add_subparsers(dest="command", required=True)

    s = sub.add_parser("summarize", help="summarize a text file, '-' for stdin, or a URL")
    s.add_argument("source", help="PATH, '-' (stdin) or an http(s) URL")
    _common(s)
    s.add_argument("--backend", help="summarizer backend (overrides the config)")
    s.add_argument("--json", action="store_true", help="print the result as JSON")
    s.add_argument("--no-cache", action="store_true", help="neither read nor write the cache")

    b = sub.add_parser("batch", help="summarize every {'id','text'} line of a JSONL file")
    b.add_argument("input", type=Path)
    b.add_argument("output", type=Path)
    _common(b)
    b.add_argument("--backend", help="summarizer backend (overrides the config)")

    c = sub.add_parser("check-config", help="validate a config file and print a summary")
    c.add_argument("file", nargs="?", type=Path)

    r = sub.add_parser("run", help="start the configured chat platforms")
    r.add_argument("--config", type=Path, help="config TOML file")

    d = sub.add_parser("discord-sync", help="register the Discord slash and context commands")
    d.add_argument("--config", type=Path, help="config TOML file")
    d.add_argument("--guild", type=int, help="sync to one guild (instant) instead of globally")
    return parser


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--bullets", type=_bullets, help="number of bullets (1-10)")
    p.add_argument("--config", type=Path, help="config TOML file")


def _bullets(value: str) -> int:
    try:
        n = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError("must be a whole number from 1 to 10") from None
    if not 1 <= n <= 10:
        raise argparse.ArgumentTypeError("must be between 1 and 10")
    return n


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    # masked logging from the first line on; `run` re-configures it from the config file
    setup_logging(LogConfig(level="WARNING"), debug=args.debug)
    try:
        return _dispatch(args)
    except UsageError as exc:
        print(f"newsbot: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except BotError as exc:
        if args.debug:
            raise
        print(f"newsbot: {exc}", file=sys.stderr)
        return EXIT_FAILURE
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # noqa: BLE001 - the promise is one clear line, not a traceback
        if args.debug:
            raise
        print(f"newsbot: unexpected error: {exc.__class__.__name__}: {exc}", file=sys.stderr)
        return EXIT_FAILURE


def _dispatch(args: argparse.Namespace) -> int:
    if args.command == "check-config":
        return _check_config(args.file)
    config = _config(args)
    if args.command == "summarize":
        return asyncio.run(_summarize(args, config))
    if args.command == "batch":
        return _batch(args, config)
    if args.command == "run":
        from bot.runtime import run

        setup_logging(config.log, debug=args.debug)
        return asyncio.run(run(config))
    if args.command == "discord-sync":
        from bot.adapters.discord import sync_commands

        return asyncio.run(sync_commands(config, guild_id=args.guild))
    raise UsageError(f"unknown command {args.command}")


def _config(args: argparse.Namespace) -> Config:
    path = getattr(args, "config", None) or os.environ.get("NEWSBOT_CONFIG") or None
    config = load_config(path)
    backend = getattr(args, "backend", None)
    if backend:
        config = replace(config, summarizer=replace(config.summarizer, backend=backend))
    return config


def _check_config(path: Path | None) -> int:
    config = load_config(path)
    where = path or "built-in defaults"
    print(f"{where}: OK")
    print(f"  summarizer: {config.summarizer.backend} ({config.summarizer.bullets} bullets)")
    print(f"  cache: {config.cache.backend}")
    print(f"  slack: {'on, ' + config.slack.mode if config.slack.enabled else 'off'}")
    print(f"  discord: {'on' if config.discord.enabled else 'off'}")
    return EXIT_OK


async def _summarize(args: argparse.Namespace, config: Config) -> int:
    from bot.runtime import open_service

    source: str = args.source
    is_url = looks_like_url(source)
    text = None if is_url else _read_source(source)
    if args.no_cache:
        config = replace(config, cache=replace(config.cache, backend="none"))
    # one summary and exit: a separate model process would only add its start-up time
    config = replace(config, summarizer=replace(config.summarizer, isolation="thread"))
    async with open_service(config) as service:
        if is_url:
            result = await service.summarize_url(
                source, bullets=args.bullets, use_cache=not args.no_cache
            )
        else:
            assert text is not None
            result = await service.summarize_text(text, bullets=args.bullets)
    if args.json:
        print(json.dumps(result_json(result), ensure_ascii=False, indent=2))
    else:
        if result.title:
            print(result.title)
        for bullet in result.bullets:
            print(f"- {' '.join(bullet.text.split())}")
        if result.url:
            print(f"Source: {result.url}")
    return EXIT_OK


def result_json(result: Any) -> dict[str, Any]:
    return {
        "title": result.title,
        "url": result.url,
        "site": result.site,
        "language": result.language,
        "backend": result.backend,
        "cached": result.cached,
        "truncated": result.truncated,
        "reading_minutes": result.reading_minutes,
        "bullets": [
            {"text": b.text, "source": b.source, "span": list(b.span) if b.span else None}
            for b in result.bullets
        ],
        "timings": {k: round(v, 4) for k, v in result.timings.items()},
    }


def _read_source(source: str) -> str:
    if source == "-":
        data = sys.stdin.buffer.read(MAX_INPUT_BYTES)
    else:
        path = Path(source)
        if source.startswith(("file:", "ftp:", "gopher:", "data:", "javascript:")):
            raise UsageError("only http and https links can be summarized")
        if not path.is_file():
            raise UsageError(f"{source}: no such file (give a text file, '-' or a URL)")
        with path.open("rb") as fh:
            data = fh.read(MAX_INPUT_BYTES)
    return _decode(data)


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("utf-8", errors="replace")


def _batch(args: argparse.Namespace, config: Config) -> int:
    from tqdm import tqdm

    from summarizer import load_summarizer

    if not args.input.is_file():
        raise UsageError(f"{args.input}: no such file")
    summarizer = load_summarizer(config.summarizer)
    bullets = args.bullets or config.summarizer.bullets
    with args.input.open("rb") as fh:
        total = sum(1 for _ in fh)
    failures = 0
    with args.output.open("w", encoding="utf-8") as out, tqdm(
        total=total, unit="article", file=sys.stderr, disable=None
    ) as progress:
        for chunk in _chunks(_read_jsonl(args.input), BATCH_CHUNK):
            texts = [text for _id, text, err in chunk if err is None]
            results = iter(summarizer.summarize_many(texts, max_bullets=bullets) if texts else [])
            for item_id, _text, err in chunk:
                row: dict[str, Any] = {"id": item_id, "bullets": [], "error": err}
                if err is None:
                    res = next(results)
                    if isinstance(res, Exception):
                        row["error"] = str(res)
                    else:
                        row["bullets"] = [b.text for b in res.bullets]
                failures += row["error"] is not None
                out.write(json.dumps(row, ensure_ascii=False) + "\n")
            progress.update(len(chunk))
    if failures:
        print(f"newsbot: {failures} of {total} lines failed (see 'error')", file=sys.stderr)
    return EXIT_OK


def _read_jsonl(path: Path) -> Iterator[tuple[Any, str, str | None]]:
    """(id, text, error) per line; a bad line becomes an error row, never an exception."""
    with path.open("rb") as fh:
        for number, raw in enumerate(fh, 1):
            try:
                obj = json.loads(_decode(raw))
            except ValueError:
                yield None, "", f"line {number}: not valid JSON"
                continue
            if not isinstance(obj, dict):
                yield None, "", f"line {number}: expected an object with 'id' and 'text'"
                continue
            text = obj.get("text")
            if not isinstance(text, str) or not text.strip():
                yield obj.get("id"), "", f"line {number}: 'text' must be a non-empty string"
                continue
            yield obj.get("id"), text, None


def _chunks(items: Iterator[Any], size: int) -> Iterator[list[Any]]:
    chunk: list[Any] = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk

