"""`newsbot batch`: one JSON row out per JSONL line in, texts and links alike, order kept."""

from __future__ import annotations

import asyncio
import contextlib
import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from bot.cli_output import cli_message, failed_json, result_json
from bot.config import Config
from bot.errors import BotError, UsageError

#: Lines summarized at once; the model runner batches the texts among them.
BATCH_CHUNK = 32


@dataclass(frozen=True)
class Line:
    """One input line: its id and either a text or a URL, or why it can't be summarized."""

    number: int
    id: Any = None
    text: str | None = None
    url: str | None = None
    error: str | None = None


def check_paths(input_: str, output: str) -> None:
    """Missing input file or output folder: a usage error before any model loads."""
    if input_ != "-" and not Path(input_).is_file():
        raise UsageError(f"{input_}: no such file (give a JSONL file or '-' for stdin)")
    if output == "-":
        return
    out = Path(output)
    if out.is_dir():
        raise UsageError(f"{output} is a folder; give a file name for the output")
    if not out.parent.is_dir():
        raise UsageError(f"{output}: the folder {out.parent} does not exist")


async def run_batch(
    config: Config, input_: str, output: str, bullets: int | None
) -> tuple[int, int]:
    """Write one row per line to `output`; returns (lines failed, lines read)."""
    from tqdm import tqdm

    from bot.service_setup import open_service

    check_paths(input_, output)
    total = None if input_ == "-" else _count_lines(Path(input_))
    limits = config.service
    chunk_size = max(1, min(BATCH_CHUNK, limits.max_queue + limits.max_concurrent_summaries))
    failures = lines = 0
    with (
        _open_input(input_) as src,
        _open_output(output) as out,
        tqdm(
            total=total,
            unit="line",
            file=sys.stderr,
            disable=None,  # None: only on a terminal
        ) as progress,
    ):
        async with open_service(config) as service:
            for chunk in _chunks(read_lines(src), chunk_size):
                rows = await asyncio.gather(*(_summarize(service, ln, bullets) for ln in chunk))
                for row in rows:
                    failures += row["error"] is not None
                    out.write(json.dumps(row, ensure_ascii=False) + "\n")
                out.flush()
                lines += len(chunk)
                progress.update(len(chunk))
    return failures, lines


async def _summarize(service: Any, line: Line, bullets: int | None) -> dict[str, Any]:
    if line.error is not None:
        return {"id": line.id, **failed_json(line.url), "error": line.error}
    try:
        if line.url is not None:
            result = await service.summarize_url(line.url, bullets=bullets)
        else:
            result = await service.summarize_text(line.text or "", bullets=bullets)
    except BotError as exc:
        message = cli_message(str(exc), url=line.url is not None)
        return {"id": line.id, **failed_json(line.url), "error": message}
    return {"id": line.id, **result_json(result), "error": None}


def read_lines(src: IO[bytes]) -> Iterator[Line]:
    """A `Line` per input line; a bad line carries its error, it never raises."""
    for number, raw in enumerate(src, 1):
        try:
            obj = json.loads(decode(raw))
        except ValueError:
            yield Line(number, error=f"line {number}: not valid JSON")
            continue
        if not isinstance(obj, dict):
            message = f"line {number}: expected an object with 'id' and 'text' or 'url'"
            yield Line(number, error=message)
            continue
        item_id, text, url = obj.get("id"), obj.get("text"), obj.get("url")
        if text is not None and url is not None:
            yield Line(number, item_id, error=f"line {number}: give 'text' or 'url', not both")
        elif url is not None:
            if isinstance(url, str) and url.strip():
                yield Line(number, item_id, url=url.strip())
            else:
                yield Line(
                    number, item_id, error=f"line {number}: 'url' must be a non-empty string"
                )
        elif isinstance(text, str) and text.strip():
            yield Line(number, item_id, text=text)
        else:
            yield Line(number, item_id, error=f"line {number}: 'text' must be a non-empty string")


def decode(data: bytes) -> str:
    """UTF-8 with or without a BOM; invalid bytes become U+FFFD instead of failing."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("utf-8", errors="replace")


def _count_lines(path: Path) -> int:
    with path.open("rb") as fh:
        return sum(1 for _ in fh)


@contextlib.contextmanager
def _open_input(name: str) -> Iterator[IO[bytes]]:
    if name == "-":
        yield sys.stdin.buffer
    else:
        with open(name, "rb") as fh:
            yield fh


@contextlib.contextmanager
def _open_output(name: str) -> Iterator[IO[str]]:
    if name == "-":
        yield sys.stdout
    else:
        with open(name, "w", encoding="utf-8") as fh:
            yield fh


def _chunks(items: Iterator[Line], size: int) -> Iterator[list[Line]]:
    chunk: list[Line] = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk
