"""`newsbot ask` on the shipped sample article and on a link served on 127.0.0.1."""

from __future__ import annotations

import asyncio
import json

from bot import cli
from bot.cli_ask import CLI_USAGE
from tests.bot.test_cli import SAMPLE, fake_model, loopback_config, run_cli  # noqa: F401
from tests.pages import SAMPLE_TEXT, PageServer, article_html

QUESTION = "How much fresh water will it make each day?"


def test_ask_quotes_the_sample_article(capsys):
    code, out, err = run_cli(capsys, "ask", str(SAMPLE), QUESTION)
    assert code == 0, err
    first = out.splitlines()[0]
    assert first == "> The plant would produce about 12 million litres of fresh water a day."


def test_ask_json_gives_spans_into_the_article(capsys):
    code, out, _ = run_cli(capsys, "ask", str(SAMPLE), QUESTION, "--json")
    data = json.loads(out)
    assert code == 0 and data["answered"] and data["answer"] is None
    quote = data["quotes"][0]
    start, end = quote["span"]
    assert SAMPLE_TEXT[start:end] == quote["text"] and "12 million litres" in quote["text"]


def test_a_question_the_article_cannot_answer(capsys):
    code, out, _ = run_cli(capsys, "ask", str(SAMPLE), "Which football club won the league?")
    assert code == 0 and out == "The article doesn't say.\n"


def test_an_empty_question_is_a_usage_error(capsys):
    code, out, err = run_cli(capsys, "ask", str(SAMPLE), "  ", "--json")
    assert code == 2 and err == f"newsbot: {CLI_USAGE}\n"
    assert json.loads(out)["error"]["kind"] == "usage"


async def test_ask_about_a_link_goes_through_the_core_and_links_each_quote(capsys, tmp_path):
    server = await PageServer().start()
    server.add("/story", article_html())
    config = loopback_config(tmp_path, server.port)
    try:
        args = ["ask", f"{server.base}/story", QUESTION, "--json", "--config", str(config)]
        code = await asyncio.to_thread(cli.main, args)
    finally:
        await server.stop()
    data = json.loads(capsys.readouterr().out)
    assert code == 0
    assert data["quotes"][0]["link"].startswith(f"{server.base}/story#:~:text=The%20plant")
