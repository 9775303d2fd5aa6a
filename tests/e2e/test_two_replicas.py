"""Two real `newsbot run` processes (Slack HTTP mode) share one Redis, like two replicas.

Slack may deliver the same event to both (a retry reaching the other replica behind a load
balancer): exactly one reply must be posted. The processes' logs, at DEBUG level, must never
contain a token. Uses the embedded model, a fake Slack Web API and an article page, all on
127.0.0.1.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path

import aiohttp
import pytest

from tests.e2e.running import wait_ready
from tests.fake_slack import TEAM, TOKEN, FakeSlack, event_body, sign
from tests.pages import PageServer, article_html
from tests.redis_server import RedisServer, free_ports, redis_server_path

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(redis_server_path() is None, reason="redis-server is not installed"),
]

BOT_TOKEN = TOKEN  # the one token the fake Web API accepts
SIGNING_SECRET = "e2e-signing-secret-value"
CHANNEL = "C0AUTO"


def _config(path: Path, *, port: int, health: int, slack: FakeSlack, pages: PageServer,
            redis_url: str) -> Path:
    path.write_text(
        f"""
[slack]
enabled = true
mode = "http"
api_base_url = "{slack.api_url}"
http_host = "127.0.0.1"
http_port = {port}

[policy]
channels = {{ "slack:{TEAM}:{CHANNEL}" = "auto" }}

[fetch]
allowed_networks = ["127.0.0.1/32"]
allowed_ports = [{pages.port}]

[cache]
backend = "redis"
redis_url = "{redis_url}"

[ops]
health_host = "127.0.0.1"
health_port = {health}

[log]
level = "DEBUG"
format = "json"
"""
    )
    return path




async def test_same_event_to_both_replicas_gives_one_reply_and_logs_hold_no_token(tmp_path):
    redis = RedisServer(redis_server_path())
    redis.start()
    slack = await FakeSlack().start()
    pages = await PageServer().start()
    pages.add("/story", article_html())
    env = {
        **os.environ,
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "HF_HUB_OFFLINE": "1",
    }
    for name in ("SLACK_APP_TOKEN", "SLACK_CLIENT_ID", "SLACK_CLIENT_SECRET", "NEWSBOT_CONFIG"):
        env.pop(name, None)
    procs, ports, logs = [], [], []
    try:
        # all four ports at once, so the two replicas can never be handed the same one
        free = free_ports(4)
        for i in range(2):
            port, health = free[2 * i], free[2 * i + 1]
            cfg = _config(tmp_path / f"bot{i}.toml", port=port, health=health, slack=slack,
                          pages=pages, redis_url=redis.url)
            log = (tmp_path / f"bot{i}.log").open("w+b")
            logs.append(log)
            procs.append(subprocess.Popen(  # noqa: ASYNC220 - started once, never awaited
                [sys.executable, "-m", "bot", "run", "--config", str(cfg)],
                env=env, stdout=log, stderr=subprocess.STDOUT, cwd=tmp_path,
            ))
            ports.append((port, health))
        async with aiohttp.ClientSession() as session:
            for (_port, health), proc, log in zip(ports, procs, logs, strict=True):
                await wait_ready(session, health, proc, log)
            event = {"type": "message", "channel": CHANNEL, "user": "U0USER",
                     "text": f"look <{pages.base}/story>", "ts": "1700000001.000100",
                     "channel_type": "channel"}
            body = event_body(event, "EvTwice")
            statuses = []
            # no retry header: only the event id, claimed in the shared Redis, can dedupe
            for port, _health in ports:
                headers = {"Content-Type": "application/json", **sign(SIGNING_SECRET, body)}
                async with session.post(f"http://127.0.0.1:{port}/slack/events",
                                        data=body.encode(), headers=headers) as resp:
                    statuses.append(resp.status)
            assert statuses == [200, 200]
            posts = await slack.wait_for("chat.postMessage", 1, within=60)
            await asyncio.sleep(2.0)  # give a duplicate every chance to show up
            posts = slack.of("chat.postMessage")
            assert len(posts) == 1
            assert posts[0].args["thread_ts"] == "1700000001.000100"
            assert "Harbor town" in str(posts[0].args.get("blocks"))
            assert pages.hits["/story"] == 1
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in procs:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        await pages.stop()
        await slack.stop()
        redis.stop()
        output = b"".join(log.seek(0) or log.read() for log in logs).decode(errors="replace")
        for log in logs:
            log.close()  # also on failure: a leaked file fails a later test (filterwarnings)
    assert [p.returncode for p in procs] == [0, 0], output[-3000:]
    assert "newsbot running" in output  # the DEBUG/INFO logs really were captured
    for secret in (BOT_TOKEN, SIGNING_SECRET):
        assert secret not in output
