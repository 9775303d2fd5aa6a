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
def fake_model(monkeypatch, tmp_path):
    """CLI tests exercise the CLI, not the model: swap in the fake summarizer. The user's
    cache and data folders are redirected into tmp_path, as platformdirs reads XDG_*."""
    import bot.service_setup
    import summarizer

    monkeypatch.setattr(bot.service_setup, "load_summarizer", lambda config: FakeSummarizer())
    monkeypatch.setattr(summarizer, "load_summarizer", lambda config: FakeSummarizer())
    monkeypatch.delenv("NEWSBOT_CONFIG", raising=False)
    monkeypatch.delenv("NEWSBOT_DATA_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg-cache"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))


def loopback_config(tmp_path: Path, port: int, cache: str = "memory") -> Path:
    """A config that may fetch from the test's page server on 127.0.0.1."""
    path = tmp_path / "loopback.toml"
    path.write_text(
        f'[fetch]\nallowed_networks = ["127.0.0.1/32"]\nallowed_ports = [{port}]\n'
        f'[cache]\nbackend = "{cache}"\n'
    )
    return path


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
    assert [r["id"] for r in rows] == ["a", None, "c", 4, None]
    assert rows[0]["error"] is None and len(rows[0]["bullets"]) == 2
    assert "not valid JSON" in rows[1]["error"]
    assert "non-empty" in rows[2]["error"]
    assert [b["text"] for b in rows[3]["bullets"]] == [
        "The mayor resigned.",
        "A vote follows in May.",
    ]
    # any failed line: exit 1, with the count on stderr
    assert rows[4]["error"] and code == 1
    assert err == "newsbot: 3 of 5 lines failed (their rows say why)\n"


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


_ENTRY = (
    "import atexit, sys, threading\n"
    "atexit.register(lambda: print('teardown ran', file=sys.stderr))\n"
    "if sys.argv[1] == 'busy':\n"
    "    threading.Thread(target=threading.Event().wait, daemon=True).start()\n"
    "sys.argv = ['newsbot', *sys.argv[2:]]\n"
    "from bot.cli import entry\n"
    "entry()\n"
)


@pytest.mark.parametrize("state", ["idle", "busy"])
def test_the_command_skips_the_teardown_only_when_nothing_is_left_running(tmp_path, state):
    """The `newsbot` entry point leaves at once after a one-shot command, with its output
    flushed and its exit code kept; a thread still running gets the normal exit."""
    article = tmp_path / "article.txt"
    article.write_text(SAMPLE_TEXT)
    argv = [sys.executable, "-c", _ENTRY, state, "summarize", str(article), "--json"]
    proc = subprocess.run(
        argv, capture_output=True, text=True, timeout=120, cwd=tmp_path, env=_child_env(tmp_path)
    )
    assert proc.returncode == 0, proc.stderr
    assert len(json.loads(proc.stdout)["bullets"]) >= 1  # every byte reached the pipe
    assert ("teardown ran" in proc.stderr) == (state == "busy")
    missing = [sys.executable, "-c", _ENTRY, state, "summarize", str(tmp_path / "nothing.txt")]
    proc = subprocess.run(
        missing, capture_output=True, text=True, timeout=120, cwd=tmp_path,
        env=_child_env(tmp_path),
    )  # fmt: skip
    assert proc.returncode == cli.EXIT_USAGE and "no such file" in proc.stderr


# --- where files go (#32.6) ---------------------------------------------------------------------


async def test_summarize_writes_nothing_into_the_working_directory(capsys, tmp_path, monkeypatch):
    """The SQLite cache lands in the user cache dir (XDG_CACHE_HOME here), never in ./data,
    for a refused link and for a summarized one alike."""
    import asyncio

    cwd = tmp_path / "cwd"
    cwd.mkdir()
    monkeypatch.chdir(cwd)
    code = await asyncio.to_thread(cli.main, ["summarize", "http://127.0.0.1/refused"])
    _, err = capsys.readouterr()
    assert code == 1 and "private or internal address" in err
    assert list(cwd.iterdir()) == []

    server = await PageServer().start()
    server.add("/story", article_html())
    try:
        config = loopback_config(tmp_path, server.port, cache="sqlite")
        argv = ["summarize", f"{server.base}/story", "--config", str(config)]
        code = await asyncio.to_thread(cli.main, argv)
    finally:
        await server.stop()
    out, err = capsys.readouterr()
    assert code == 0 and out.startswith("Harbor town votes"), err
    assert list(cwd.iterdir()) == []
    assert (tmp_path / "xdg-cache" / "newsbot" / "cache.sqlite3").is_file()


def test_help_says_where_the_files_are_and_what_exit_codes_mean(capsys, tmp_path):
    with pytest.raises(SystemExit) as exit_:
        cli.main(["--help"])
    out = capsys.readouterr().out
    assert exit_.value.code == 0
    assert str(tmp_path / "xdg-cache" / "newsbot") in out
    assert str(tmp_path / "xdg-data" / "newsbot") in out
    assert "data_dir" in out
    for line in ("0    success", "1    failure", "2    usage error", "141  the output was closed"):
        assert line in out


# --- batch (#32.7) ------------------------------------------------------------------------------


def test_batch_reads_stdin_and_writes_stdout(capsys, monkeypatch):
    import io

    lines = [{"id": "a", "text": SAMPLE_TEXT}, {"id": "b", "text": "One fact. Another fact."}]
    data = "".join(json.dumps(line) + "\n" for line in lines).encode()
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
    code, out, err = run_cli(capsys, "batch", "-", "-", "--bullets", "2")
    rows = [json.loads(line) for line in out.splitlines()]
    assert code == 0, err
    assert [r["id"] for r in rows] == ["a", "b"]
    assert [b["text"] for b in rows[1]["bullets"]] == ["One fact.", "Another fact."]
    assert err == ""  # not a terminal: no progress bar


def test_batch_progress_bar_only_on_a_terminal(capsys, monkeypatch, tmp_path):
    import io

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    src, dst = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    src.write_text("".join(json.dumps({"id": i, "text": SAMPLE_TEXT}) + "\n" for i in range(3)))
    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    assert cli.main(["batch", str(src), str(dst)]) == 0
    assert "3/3" in terminal.getvalue()  # off a terminal it stays quiet: see the test above


def test_batch_missing_output_folder_is_a_clear_usage_error(capsys, tmp_path):
    src = tmp_path / "in.jsonl"
    src.write_text(json.dumps({"id": 1, "text": SAMPLE_TEXT}) + "\n")
    missing = tmp_path / "no" / "such" / "out.jsonl"
    code, out, err = run_cli(capsys, "batch", str(src), str(missing))
    assert code == 2 and out == ""
    assert err == f"newsbot: {missing}: the folder {missing.parent} does not exist\n"
    assert not missing.parent.exists()


async def test_batch_fetches_url_lines_and_rows_match_summarize_json(capsys, tmp_path):
    import asyncio

    server = await PageServer().start()
    server.add("/story", article_html())
    src, dst = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    src.write_text(
        json.dumps({"id": "link", "url": f"{server.base}/story"})
        + "\n"
        + json.dumps({"id": "text", "text": SAMPLE_TEXT})
        + "\n"
        + json.dumps({"id": "elsewhere", "url": "http://127.0.0.1:1/other"})
        + "\n"
    )
    config = loopback_config(tmp_path, server.port)
    try:
        code = await asyncio.to_thread(
            cli.main, ["batch", str(src), str(dst), "--config", str(config), "--bullets", "2"]
        )
    finally:
        await server.stop()
    _, err = capsys.readouterr()
    link, text, elsewhere = (json.loads(line) for line in dst.read_text().splitlines())
    assert server.hits["/story"] == 1
    assert link["error"] is None and link["url"] == f"{server.base}/story"
    assert link["title"].startswith("Harbor town votes") and link["site"] == "Coastal Courier"
    assert link["truncated"] is False and len(link["bullets"]) == 2
    for row in (link, text):
        for bullet in row["bullets"]:
            start, end = bullet["span"]
            assert bullet["source"] and end > start
    assert text["title"].startswith("Harbor town votes") and text["url"] is None
    # same keys as `summarize --json`, plus id and error
    code_json = await asyncio.to_thread(cli.main, ["summarize", str(SAMPLE), "--json"])
    shape = json.loads(capsys.readouterr().out)
    assert code_json == 0 and set(link) == set(shape) | {"id", "error"} == set(elsewhere)
    # a port the config doesn't allow: that row fails, the batch goes on, exit 1
    assert "ports" in elsewhere["error"] and elsewhere["bullets"] == []
    assert code == 1 and "1 of 3 lines failed" in err


# --- check-config (#32.8) -----------------------------------------------------------------------


def test_check_config_reports_every_problem_in_one_run(capsys, tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text(
        '[sumarizer]\nbullets = 3\n[fetch]\ntimeout_total = "fast"\n'
        '[cache]\nttl_seconds = -1\n[policy]\nchannels = { a = "loud", b = "auto" }\n'
    )
    code, out, err = run_cli(capsys, "check-config", str(bad))
    lines = err.splitlines()
    assert code == 1 and out == ""
    assert lines[0] == f"newsbot: {bad}: 4 problems"
    assert "unknown config key 'sumarizer'; did you mean 'summarizer'?" in lines[1]
    assert "fetch.timeout_total must be a number" in lines[2]
    assert "cache.ttl_seconds must be between 0" in lines[3]
    assert "policy.channels.a must be one of" in lines[4]
    assert len(lines) == 5


def test_check_config_checks_the_config_run_would_use(capsys, tmp_path, monkeypatch):
    """Like every other command: --config, else $NEWSBOT_CONFIG (the container sets it), and
    only then the built-in defaults."""
    bad = tmp_path / "bad.toml"
    bad.write_text("[cache]\nttl_seconds = -1\n")
    good = ROOT / "config.example.toml"
    monkeypatch.setenv("NEWSBOT_CONFIG", str(bad))
    code, _, err = run_cli(capsys, "check-config")
    assert code == 1 and err.splitlines()[0] == f"newsbot: {bad}: 1 problem"
    code, out, _ = run_cli(capsys, "check-config", "--config", str(good))
    assert code == 0 and out.startswith(f"{good}: OK")
    code, out, _ = run_cli(capsys, "check-config", str(good))
    assert code == 0 and out.startswith(f"{good}: OK")
    code, _, err = run_cli(capsys, "check-config", str(good), "--config", str(bad))
    assert code == cli.EXIT_USAGE and "as FILE or as --config" in err
    monkeypatch.delenv("NEWSBOT_CONFIG")
    code, out, _ = run_cli(capsys, "check-config")
    assert code == 0 and out.startswith("built-in defaults: OK")


# --- pipes (#32.9) ------------------------------------------------------------------------------


def _child_env(tmp_path: Path) -> dict[str, str]:
    import os

    # the user cache (the language model's copy, the summary cache) lives outside the cwd
    cache = tmp_path.with_name(f"{tmp_path.name}-cache")
    env = dict(os.environ, PYTHONPATH=str(ROOT), XDG_CACHE_HOME=str(cache))
    env.pop("NEWSBOT_CONFIG", None)
    return env


def test_output_closed_before_writing_exits_quietly(tmp_path):
    """The reader is gone before newsbot writes: no BrokenPipeError noise, exit 141."""
    import os

    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "bot", "check-config"],
            stdout=write_end,
            stderr=subprocess.PIPE,
            text=True,
            timeout=60,
            cwd=tmp_path,
            env=_child_env(tmp_path),
        )
    finally:
        os.close(write_end)
    assert proc.stderr == "" and proc.returncode == cli.EXIT_PIPE


def test_batch_into_head_ends_quietly(tmp_path):
    """`newsbot batch in.jsonl - | head -1`: head takes one row and leaves; newsbot stops."""
    src = tmp_path / "in.jsonl"
    src.write_text("".join(json.dumps({"id": i, "text": SAMPLE_TEXT}) + "\n" for i in range(200)))
    # the child runs the real CLI with the fake model, as the in-process tests do
    child = (
        "import sys, bot.service_setup; from tests.fakes import FakeSummarizer; "
        "bot.service_setup.load_summarizer = lambda config: FakeSummarizer(); "
        "from bot.cli import main; sys.exit(main(sys.argv[1:]))"
    )
    argv = [sys.executable, "-c", child, "batch", str(src), "-", "--bullets", "10"]
    pipes = {"stdout": subprocess.PIPE, "stderr": subprocess.PIPE}
    with subprocess.Popen(argv, **pipes, cwd=tmp_path, env=_child_env(tmp_path)) as newsbot:
        assert newsbot.stdout is not None and newsbot.stderr is not None
        with subprocess.Popen(["head", "-1"], stdin=newsbot.stdout, stdout=subprocess.PIPE) as head:
            newsbot.stdout.close()  # only head reads the pipe now
            first, _ = head.communicate(timeout=120)
        err = newsbot.stderr.read().decode()
        code = newsbot.wait(timeout=120)
    assert json.loads(first)["id"] == 0
    assert err == "" and code in (0, cli.EXIT_PIPE)
    assert list(tmp_path.iterdir()) == [src]


# --- flags and help (#32.10) --------------------------------------------------------------------


def test_version(capsys):
    from importlib.metadata import version

    with pytest.raises(SystemExit) as exit_:
        cli.main(["--version"])
    assert exit_.value.code == 0
    assert capsys.readouterr().out == f"newsbot {version('newsbot')}\n"


def test_debug_after_the_subcommand_shows_the_traceback(tmp_path):
    from bot.errors import ExtractError

    empty = tmp_path / "empty.txt"
    empty.write_text("\n")
    with pytest.raises(ExtractError):
        cli.main(["summarize", str(empty), "--debug"])
    with pytest.raises(ExtractError):
        cli.main(["--debug", "summarize", str(empty)])


def test_backend_lists_its_choices(capsys):
    with pytest.raises(SystemExit) as exit_:
        cli.main(["summarize", str(SAMPLE), "--backend", "gpt"])
    err = capsys.readouterr().err
    assert exit_.value.code == 2
    assert "invalid choice: 'gpt'" in err
    for backend in ("extractive", "seq2seq", "instruct", "remote"):
        assert backend in err


@pytest.mark.parametrize(
    ("command", "needles"),
    [
        (
            "batch",
            ["input       ", "'-' for stdin", "output      ", "folder must exist", "'url'"],
        ),
        ("check-config", ["file             ", "$NEWSBOT_CONFIG", "--config CONFIG"]),
    ],
)
def test_subcommand_arguments_have_help_and_exit_codes(capsys, command, needles):
    with pytest.raises(SystemExit):
        cli.main([command, "--help"])
    out = capsys.readouterr().out
    for needle in [*needles, "exit codes:", "2    usage error"]:
        assert needle in out, needle


# --- messages for a terminal (#32.11) -----------------------------------------------------------


def test_messages_speak_to_a_cli_user(capsys, tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_text("\n")
    code, out, err = run_cli(capsys, "summarize", str(empty))
    assert code == 1 and out == ""
    assert err == "newsbot: There is no text to summarize here.\n"


async def test_refused_page_points_to_the_cli_way_out(capsys, tmp_path):
    import asyncio

    server = await PageServer().start()
    server.add("/teaser", article_html("Short one\n\nOnly a teaser line here."))
    config = loopback_config(tmp_path, server.port)
    try:
        code = await asyncio.to_thread(
            cli.main, ["summarize", f"{server.base}/teaser", "--config", str(config)]
        )
    finally:
        await server.stop()
    _, err = capsys.readouterr()
    assert code == 1 and "/summarize" not in err
    assert err.endswith("Save the article text to a file and run: newsbot summarize FILE.\n")


def test_json_failure_prints_an_error_object_on_stdout(capsys, tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_text("\n")
    code, out, err = run_cli(capsys, "summarize", str(empty), "--json")
    message = "There is no text to summarize here."
    assert code == 1 and err == f"newsbot: {message}\n"
    assert json.loads(out) == {"error": {"kind": "extract", "message": message}}
    code, out, err = run_cli(capsys, "summarize", "missing.txt", "--json")
    assert code == 2 and json.loads(out)["error"]["kind"] == "usage"


def test_plain_output_says_when_the_input_was_cut(capsys, monkeypatch):
    monkeypatch.setattr(cli, "MAX_INPUT_BYTES", 400)
    code, out, _ = run_cli(capsys, "summarize", str(SAMPLE))
    assert code == 0
    assert "Note: the input was too long, so this summary covers only its beginning." in out
    code, out, _ = run_cli(capsys, "summarize", str(SAMPLE), "--json")
    assert json.loads(out)["truncated"] is True


def test_plain_output_says_when_the_summarizer_cut_the_input(capsys, monkeypatch):
    import dataclasses

    import bot.service_setup

    class CuttingSummarizer(FakeSummarizer):
        def summarize(self, text, **options):
            summary = super().summarize(text, **options)
            return dataclasses.replace(summary, truncated=True)

    monkeypatch.setattr(bot.service_setup, "load_summarizer", lambda config: CuttingSummarizer())
    code, out, _ = run_cli(capsys, "summarize", str(SAMPLE))
    lines = out.splitlines()
    assert code == 0 and lines[-1].startswith("Note: the input was too long")
    # a summary of the whole text carries no note
    monkeypatch.setattr(bot.service_setup, "load_summarizer", lambda config: FakeSummarizer())
    code, out, _ = run_cli(capsys, "summarize", str(SAMPLE))
    assert "Note:" not in out
