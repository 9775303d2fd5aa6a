"""What the end-to-end tests share about a real `newsbot run` process."""

from __future__ import annotations

import asyncio
import subprocess
from typing import IO

import aiohttp


async def wait_ready(
    session: aiohttp.ClientSession,
    port: int,
    proc: subprocess.Popen,
    log: IO[bytes],
    within: float = 120,
) -> None:
    """Until the bot's /readyz says 200; fails with the log's tail if the bot exits first."""
    deadline = asyncio.get_running_loop().time() + within
    while asyncio.get_running_loop().time() < deadline:
        if proc.poll() is not None:
            log.seek(0)
            tail = log.read().decode(errors="replace")[-2000:]
            raise AssertionError(f"bot exited early with {proc.returncode}:\n{tail}")
        try:
            async with session.get(f"http://127.0.0.1:{port}/readyz") as resp:
                if resp.status == 200:
                    return
        except aiohttp.ClientError:
            pass
        await asyncio.sleep(0.25)
    raise AssertionError("bot never became ready")
