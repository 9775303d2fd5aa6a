"""The `newsbot` command: exit codes, output formats, batch robustness, URL handling."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from bot import cli
from tests.fakes import FakeSummarizer
from tests.pages import SAMPLE_TEXT, PageServer, article_html

ROOT = Path(__file__).parents[2]
SAMPLE = ROOT / "examples" / "sample_article.txt"


@pytest.fixture(autouse=True)
def fake_model(monkeypatch):
    """CLI tests exercise the CLI, not the model: swap in the fake summarizer."""
    import bot.runtime
    import summarizer

    monkeypatch.setattr(bot.runtime, "load_summarizer", lambda config: FakeSummarizer())
    monkeypatch.setattr(summarizer, "load_summarizer", lambda config: FakeSummarizer())
    monkeypatch.delenv("NEWSBOT_CONFIG", raising=False)


def run_cli(capsys, *args: str) -> tuple[int, str, str]:
    code = cli.main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_summarize_file_prints_title_and_bullets(capsys, tmp_path):
    code, out, err = run_cli(capsys, "summarize", str(SAMPLE), "--no-cache")
    lines = out.splitlines()
    assert code == 0, err
    assert lines[0].startswith("Harbor town votes")
    assert [ln for ln in lines[1:] if ln.startswith("- ")] == lines[1:4]
    assert len(lines) == 4


def test_bullets_option(capsys):
    code, out, _ = run_cli(capsys, "summarize", str(SAMPLE), "--bullets", "5")
    assert code == 0
    assert sum(ln.startswith("- ") for ln in out.splitlines()) == 5


@pytest.mark.parametrize("value", ["0", "11", "x"])
def test_bullets_out_of_range_is_usage_error(capsys, value):
    with pytest.raises(SystemExit) as exit_:
        cli.main(["summarize", str(SAMPLE), "--bullets", value])
    assert exit_.value.code == 2
    assert "--bullets" in capsys.readouterr().err


def test_json_output_includes_spans(capsys):
    code, out, _ = run_cli(capsys, "summarize", str(SAMPLE), "--json", "--bullets", "2")
    data = json.loads(out)
    assert code == 0 and len(data["bullets"]) == 2
    assert data["title"].startswith("Harbor town")
    for bullet in data["bullets"]:
        assert bullet["source"] and bullet["span"][1] > bullet["span"][0]


def test_one_shot_summary_keeps_the_model_in_process(capsys):
    """No model process for a single summary: the (patched) in-process loader is used."""
    code, out, err = run_cli(capsys, "summarize", str(SAMPLE), "--json", "--no-cache")
    assert code == 0, err
    assert json.loads(out)["backend"] == "fake"


def test_stdin(capsys, monkeypatch):
    import io

    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(SAMPLE_TEXT.encode())))
    code, out, _ = run_cli(capsys, "summarize", "-")
    assert code == 0 and out.startswith("Harbor town votes")


def test_missing_file_is_usage_error_one_line(capsys):
    code, out, err = run_cli(capsys, "summarize", "nope.txt")
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and "no such file" in err


def test_empty_file_fails_with_one_line_no_traceback(capsys, tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_text("   \n")
    code, _, err = run_cli(capsys, "summarize", str(empty))
    assert code == 1 and err.count("\n") == 1 and "Traceback" not in err


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://example.com/x"])
def test_unsupported_schemes_are_refused(capsys, url):
    code, _, err = run_cli(capsys, "summarize", url)
    assert code in (1, 2) and "http" in err


def test_bad_config_names_the_key(capsys, tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("[summarizer]\nbullets = 42\n")
    code, _, err = run_cli(capsys, "check-config", str(bad))
    assert code == 1 and "summarizer.bullets" in err
    code, _, err = run_cli(capsys, "summarize", str(SAMPLE), "--config", str(bad))
    assert code == 1 and "summarizer.bullets" in err


def test_check_config_ok(capsys):
    code, out, _ = run_cli(capsys, "check-config", str(ROOT / "config.example.toml"))
    assert code == 0 and "OK" in out


def test_batch_keeps_order_and_isolates_bad_lines(capsys, tmp_path):
    src, dst = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    src.write_text(
        "\n".join(
            [
                json.dumps({"id": "a", "text": SAMPLE_TEXT}),
                "{not json",
                json.dumps({"id": "c", "text": ""}),
                json.dumps({"id": 4, "text": "The mayor resigned. A vote follows in May."}),
                json.dumps(["not", "an", "object"]),
            ]
        )
        + "\n"
    )
    code, _, err = run_cli(capsys, "batch", str(src), str(dst), "--bullets", "2")
    rows = [json.loads(line) for line in dst.read_text().splitlines()]
    assert code == 0
    assert [r["id"] for r in rows] == ["a", None, "c", 4, None]
    assert rows[0]["error"] is None and len(rows[0]["bullets"]) == 2
    assert "not valid JSON" in rows[1]["error"]
    assert "non-empty" in rows[2]["error"]
    assert rows[3]["bullets"] == ["The mayor resigned.", "A vote follows in May."]
    assert rows[4]["error"] and "3 of 5 lines failed" in err


async def test_url_through_the_core_with_allowed_loopback(capsys, tmp_path):
    server = await PageServer().start()
    server.add("/story", article_html())
    config = tmp_path / "c.toml"
    config.write_text(
        f'[fetch]\nallowed_networks = ["127.0.0.1/32"]\nallowed_ports = [{server.port}]\n'
        f'[cache]\nbackend = "memory"\n'
    )
    try:
        # the CLI runs its own event loop: run it in a thread so this test's loop serves pages
        import asyncio

        code = await asyncio.to_thread(
            cli.main, ["summarize", f"{server.base}/story", "--config", str(config)]
        )
        out, err = capsys.readouterr()
        assert code == 0, err
        assert out.startswith("Harbor town votes") and f"Source: {server.base}/story" in out
        assert server.hits["/story"] == 1
        # without allowed_networks loopback is refused, and the server sees no request
        ports_only = tmp_path / "ports.toml"
        ports_only.write_text(f"[fetch]\nallowed_ports = [{server.port}]\n")
        code = await asyncio.to_thread(
            cli.main, ["summarize", f"{server.base}/story", "--config", str(ports_only)]
        )
        _, err = capsys.readouterr()
        assert code == 1 and "private or internal address" in err
        assert server.hits["/story"] == 1
    finally:
        await server.stop()


def test_python_dash_m_bot_runs(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "bot", "check-config"], capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0 and "built-in defaults: OK" in proc.stdout
