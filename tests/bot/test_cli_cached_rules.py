"""`newsbot summarize` of a link whose summary was cached under a config that allowed it."""

from __future__ import annotations

import asyncio

from bot import cli
from tests.pages import PageServer, article_html


async def test_a_cached_loopback_summary_is_refused_under_the_default_config(capsys, tmp_path):
    server = await PageServer().start()
    server.add("/story", article_html())
    cache = f'[cache]\nbackend = "sqlite"\ndata_dir = "{tmp_path / "data"}"\n'
    allowing = tmp_path / "allowing.toml"
    allowing.write_text(
        f'[fetch]\nallowed_networks = ["127.0.0.1/32"]\nallowed_ports = [{server.port}]\n{cache}'
    )
    default = tmp_path / "default.toml"
    default.write_text(cache)  # everything else as shipped, the same cache file
    url = f"{server.base}/story"
    try:
        # the CLI runs its own event loop: run it in a thread so this test's loop serves pages
        code = await asyncio.to_thread(cli.main, ["summarize", url, "--config", str(allowing)])
        out, err = capsys.readouterr()
        assert code == 0, err
        assert out.startswith("Harbor town votes")
        code = await asyncio.to_thread(cli.main, ["summarize", url, "--config", str(default)])
        out, err = capsys.readouterr()
        assert code == 1 and out == ""
        assert "only fetch links on ports" in err
        # the entry was there all along: the allowing config is served from the cache
        code = await asyncio.to_thread(cli.main, ["summarize", url, "--config", str(allowing)])
        out, err = capsys.readouterr()
        assert code == 0 and out.startswith("Harbor town votes"), err
    finally:
        await server.stop()
    assert server.hits["/story"] == 1
