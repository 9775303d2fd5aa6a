# ruff: noqa: F811 - the CLI tests' fixture is imported and used by name
"""`newsbot digest`: inputs summarized through the core and grouped, or a stored channel."""

from __future__ import annotations

import asyncio
import io
import json
import sys
import time

from bot import cli
from bot.digests.model import DigestEntry
from bot.digests.store import SQLiteDigestStore
from tests.bot.digests.test_digest_chat import BRIDGE, HARBOR
from tests.bot.test_cli import fake_model, loopback_config  # noqa: F401
from tests.pages import PageServer, article_html


async def test_digest_of_links_files_and_stdin_groups_one_article_under_two_addresses(
    capsys, tmp_path, monkeypatch
):
    server = await PageServer().start()
    server.add("/harbor", article_html(HARBOR))
    server.add("/amp/harbor", article_html(HARBOR))
    server.add("/bridge", article_html(BRIDGE))
    note = tmp_path / "bridge.txt"
    note.write_text(BRIDGE)
    config = loopback_config(tmp_path, server.port)
    stdin = f"{server.base}/amp/harbor\n\n{server.base}/missing\n"
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    try:
        args = ["digest", f"{server.base}/harbor?utm_source=x", "-", f"{server.base}/bridge",
                str(note), "--json", "--config", str(config)]  # fmt: skip
        code = await asyncio.to_thread(cli.main, args)
    finally:
        await server.stop()
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "/missing" in err  # a failed input is reported and skipped
    stories = json.loads(out)["stories"]
    # both shared twice, no votes: the later input counts as the more recent share
    assert [s["title"] for s in stories] == [
        "Council approves new bridge over the Vell", "Harbor plant closes after forty years"
    ]
    assert stories[1]["urls"] == [f"{server.base}/harbor?utm_source=x", f"{server.base}/amp/harbor"]
    assert stories[1]["gist"].startswith("The fish processing plant on the north quay")
    # the link and the same text from a file are one story
    assert stories[0]["urls"] == [f"{server.base}/bridge"] and stories[0]["shares"] == 2
    assert set(stories[0]) >= {"title", "gist", "urls", "sites"}


async def test_digest_of_a_stored_channel_for_operators(capsys, tmp_path):
    store = SQLiteDigestStore(tmp_path / "data" / "digests.sqlite3")
    now = time.time()
    for channel, title in (("slack:T1:C1", "Harbor plant closes"), ("slack:T1:C2", "Elsewhere")):
        await store.add(DigestEntry(
            channel, f"https://news.example/{title[:4]}", title, "Courier",
            ("The plant on the north quay will close in March, its owner said.",), "slack:T1:U1",
            now - 3600, "https://t.slack.com/archives/C1/p1700000000000100",
        ))  # fmt: skip
    await store.close()
    config = tmp_path / "c.toml"
    config.write_text(f'[cache]\nbackend = "sqlite"\ndata_dir = "{tmp_path / "data"}"\n')
    code = await asyncio.to_thread(
        cli.main, ["digest", "--channel", "slack:T1:C1", "--since", "1d", "--config", str(config)]
    )
    out, err = capsys.readouterr()
    assert code == 0, err
    assert out.splitlines()[:3] == [
        "1 story from 1 link", "", "1. Harbor plant closes",
    ]
    assert "first shared: https://t.slack.com/archives/C1/p1700000000000100" in out
    assert "Elsewhere" not in out


def test_digest_needs_inputs_or_a_channel(capsys):
    assert cli.main(["digest"]) == 2
    assert "nothing to digest" in capsys.readouterr().err
    assert cli.main(["digest", "--channel", "slack:T1:C1", "--since", "fortnight"]) == 2
