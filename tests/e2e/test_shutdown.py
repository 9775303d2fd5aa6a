"""SIGTERM to a real `newsbot run` while a page is stuck being read: it exits within the drain.

Slack HTTP mode, a fake Slack Web API and a hostile PDF (a few KB that take minutes to read) on
127.0.0.1. The page deadline is set far beyond the drain, so only
shutdown itself can end the stuck extraction.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import aiohttp
import pytest

from tests.e2e.running import wait_ready
from tests.fake_slack import TOKEN, FakeSlack, command_body, sign
from tests.hostile_pages import shared_stream_pdf
from tests.pages import PageServer
from tests.redis_server import free_ports

pytestmark = pytest.mark.slow

SIGNING_SECRET = "e2e-shutdown-secret"
#: The adapters' documented drain (shutdown_grace) plus a margin for process start-up noise.
DRAIN_SECONDS = 10.0
MARGIN_SECONDS = 8.0


def _config(path: Path, *, port: int, health: int, slack: FakeSlack, pages: PageServer) -> Path:
    path.write_text(
        f"""
[slack]
enabled = true
mode = "http"
api_base_url = "{slack.api_url}"
http_host = "127.0.0.1"
http_port = {port}

[fetch]
allowed_networks = ["127.0.0.1/32"]
allowed_ports = [{pages.port}]

[service]
page_timeout = 300.0

[cache]
backend = "memory"

[ops]
health_host = "127.0.0.1"
health_port = {health}
"""
    )
    return path




async def test_sigterm_during_a_stuck_extraction_exits_within_the_drain(tmp_path):
    slack = await FakeSlack().start()
    pages = await PageServer().start()
    # 20 pages sharing one 100k-operation stream: minutes of pypdf, whatever the machine
    pages.add("/endless", shared_stream_pdf(20, 100_000), ctype="application/pdf")
    env = {**os.environ, "SLACK_BOT_TOKEN": TOKEN, "SLACK_SIGNING_SECRET": SIGNING_SECRET,
           "HF_HUB_OFFLINE": "1"}  # fmt: skip
    for name in ("SLACK_APP_TOKEN", "SLACK_CLIENT_ID", "SLACK_CLIENT_SECRET", "NEWSBOT_CONFIG"):
        env.pop(name, None)
    port, health = free_ports(2)
    cfg = _config(tmp_path / "bot.toml", port=port, health=health, slack=slack, pages=pages)
    log = (tmp_path / "bot.log").open("w+b")
    proc = subprocess.Popen(  # noqa: ASYNC220 - started once, waited for below
        [sys.executable, "-m", "bot", "run", "--config", str(cfg)],
        env=env, stdout=log, stderr=subprocess.STDOUT, cwd=tmp_path,
    )  # fmt: skip
    try:
        async with aiohttp.ClientSession() as session:
            await wait_ready(session, health, proc, log)
            body = command_body(f"<{pages.base}/endless>", response_url=slack.response_url())
            headers = {"Content-Type": "application/x-www-form-urlencoded",
                       **sign(SIGNING_SECRET, body)}  # fmt: skip
            async with session.post(
                f"http://127.0.0.1:{port}/slack/events", data=body.encode(), headers=headers
            ) as resp:
                assert resp.status == 200
            for _ in range(600):
                if pages.hits.get("/endless"):
                    break
                await asyncio.sleep(0.1)
            await asyncio.sleep(2.0)  # the page is now being parsed, and will be for minutes
        started = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        code = await asyncio.to_thread(proc.wait, DRAIN_SECONDS + MARGIN_SECONDS + 30)
        took = time.monotonic() - started
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        await pages.stop()
        await slack.stop()
        log.seek(0)
        output = log.read().decode(errors="replace")
        log.close()
    assert code == 0, output[-3000:]
    assert took <= DRAIN_SECONDS + MARGIN_SECONDS, f"exit took {took:.1f} s\n{output[-3000:]}"
    # the user whose summary was cut off was told, not left waiting in silence
    answers = [str(c.args) for c in slack.of("respond")]
    assert any("restarting" in a for a in answers), (answers, output[-3000:])
