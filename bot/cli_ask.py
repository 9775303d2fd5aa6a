"""`newsbot ask URL|FILE|- "question" [--json]`: a question answered from the article, quoted.

The same retrieval as a question in a summary's thread: the article's own sentences (each with
a text-fragment link into the page for a URL), or "The article doesn't say."
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TextIO

from bot.config import Config
from bot.errors import UsageError
from bot.urls import looks_like_url

if TYPE_CHECKING:
    from summarizer import Answer

# The question machinery (BM25, the questions feature) loads only when `ask` runs: building
# the CLI's parser for `newsbot summarize FILE` must not pay for it.


CLI_USAGE = 'Give a question about the article, e.g. newsbot ask FILE "when does it start?"'


def add_parser(sub: Any, subcommand: Callable[..., argparse.ArgumentParser]) -> None:
    """The `ask` subcommand, made with the CLI's own `_subcommand` helper."""
    p = subcommand(sub, "ask", "answer a question from an article (URL, file or '-')")
    p.add_argument("source", help="PATH, '-' (stdin) or an http(s) URL")
    p.add_argument("question", help="what you want to know, in quotes")
    p.add_argument("--config", help="config TOML file (default: $NEWSBOT_CONFIG)")
    p.add_argument("--json", action="store_true", help="print the answer (or error) as JSON")


async def run_ask(
    args: argparse.Namespace, config: Config, read_source: Callable[[str], tuple[str, bool]]
) -> int:
    """Answer `args.question` from `args.source`; prints the quotes and returns 0."""
    from bot.questions.asking import USAGE, checked_question

    try:
        question = checked_question(args.question, config.questions.max_question_chars)
    except UsageError as exc:
        if exc.message == USAGE:  # the chat hint names @newsbot; say it the CLI's way
            raise UsageError(CLI_USAGE) from None
        raise
    url = args.source if looks_like_url(args.source) else None
    if url is None:
        text, _cut = read_source(args.source)
    else:
        from bot.service_setup import open_service

        # through the core: the same fetch rules and cache as in chat
        async with open_service(config) as service:
            text = (await service.summarize_url(url)).article_text or ""
    answer = await asyncio.to_thread(_answer, config, text, question)
    if args.json:
        print(json.dumps(answer_json(answer, url), ensure_ascii=False, indent=2))
    else:
        print_answer(answer, url, sys.stdout)
    return 0


def _answer(config: Config, text: str, question: str) -> Answer:
    from summarizer import AnswerFinder, load_encoder

    return AnswerFinder(load_encoder(config.summarizer)).answer(text, question)


def _link(url: str | None, quote: str) -> str | None:
    from summarizer import text_fragment_url

    if url is None:
        return None
    return text_fragment_url(url, quote)


def answer_json(answer: Answer, url: str | None) -> dict[str, Any]:
    from summarizer import DOESNT_SAY

    return {
        "question": answer.question,
        "answered": answer.answered,
        "answer": None if answer.answered else DOESNT_SAY,
        "quotes": [
            {"text": q.text, "span": [q.start, q.end], "link": _link(url, q.text)}
            for q in answer.quotes
        ],
        "url": url,
    }


def print_answer(answer: Answer, url: str | None, out: TextIO) -> None:
    from summarizer import DOESNT_SAY

    if not answer.answered:
        print(DOESNT_SAY, file=out)
        return
    for quote in answer.quotes:
        print(f"> {quote.text}", file=out)
        link = _link(url, quote.text)
        if link:
            print(f"  {link}", file=out)
