"""`newsbot feed check URL`: the feed as the bot sees it, and a dry-run verdict per item."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.cli import main
from bot.feeds.parse import parse_feed
from bot.feeds.poller import seen_space_for
from bot.state import SQLiteStateStore
from tests.feed_server import FeedServer, rss


@pytest.fixture
async def server() -> AsyncIterator[FeedServer]:
    srv = await FeedServer().start()
    yield srv
    await srv.stop()


def _config(tmp_path: Path, port: int) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(
        f'[fetch]\nallowed_networks = ["127.0.0.1/32"]\nallowed_ports = [{port}]\n'
        f'[cache]\nbackend = "sqlite"\ndata_dir = "{tmp_path}"\n'
    )
    return path


async def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = await asyncio.to_thread(main, list(args))
    out, err = capsys.readouterr()
    return code, out, err


async def test_check_shows_title_items_and_what_a_new_subscription_posts(
    server: FeedServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    feed = server.add_feed("world", "World News", 4)
    feed.add(server.item("world", 5, link=None))
    config = _config(tmp_path, server.port)
    code, out, err = await _run(
        capsys, "feed", "check", server.feed_url("world"), "--config", str(config)
    )
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[0] == "World News"
    assert "items: 5; latest 5:" in out
    verdicts = [
        ln.strip()
        for ln in lines
        if ln.startswith("      ") and ln.strip() != "-" and not ln.strip().startswith("http")
    ]
    assert verdicts == [
        "skipped: the item has no link",
        "would post (a new subscription posts the latest few)",
        "would post (a new subscription posts the latest few)",
        "backlog: a new subscription would not post it",
        "backlog: a new subscription would not post it",
    ]
    assert server.hits["/a/world-4"] == 0  # a dry run: no article fetched


async def test_check_finds_the_feed_of_a_page_and_knows_what_a_channel_saw(
    server: FeedServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    feed = server.add_feed("world", "World News", 2)
    server.pages["/home"] = (
        "text/html",
        b'<html><head><link rel="alternate" type="application/atom+xml" href="/feeds/world.xml">'
        b"</head></html>",
    )
    state = SQLiteStateStore(tmp_path / "state.sqlite3")
    channel, url = "slack:T1:C1", server.feed_url("world")
    seen = parse_feed(rss(feed), url).items[1].key  # world-1
    await state.remember_post(seen_space_for(channel, url), seen, "posted", 3600)
    await state.close()
    config = _config(tmp_path, server.port)
    code, out, err = await _run(
        capsys,
        "feed",
        "check",
        f"{server.base}/home",
        "--config",
        str(config),
        "--channel",
        channel,
    )
    assert err == ""
    assert code == 0
    assert f"found through the page {server.base}/home" in out
    assert out.index("would post") < out.index("already seen in that channel")


async def test_check_of_a_page_without_a_feed_is_a_clear_error(
    server: FeedServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    server.pages["/plain"] = ("text/html", b"<html><head><title>x</title></head></html>")
    config = _config(tmp_path, server.port)
    code, out, err = await _run(
        capsys, "feed", "check", f"{server.base}/plain", "--config", str(config)
    )
    assert code == 1
    assert "doesn't link to a feed" in err


def test_check_config_validates_configured_feeds(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    good, bad = tmp_path / "good.toml", tmp_path / "bad.toml"
    good.write_text(
        '[[feeds.subscriptions]]\nchannel = "slack:T1:C1"\nurl = "https://e.example/f"\n'
    )
    bad.write_text('[[feeds.subscriptions]]\nchannel = "C1"\nurl = "https://e.example/f"\n')
    assert main(["check-config", str(good)]) == 0
    assert "feeds: on, 1 configured" in capsys.readouterr().out
    assert main(["check-config", str(bad)]) == 1
    assert "feeds.subscriptions[0].channel must look like" in capsys.readouterr().err
