"""Extraction in worker processes: same articles, honest errors across the process boundary,
and a pool that outlives a crashed worker."""

from __future__ import annotations

import os
import pickle

import pytest

from bot.errors import ExtractError
from bot.extract import PageRejected, extract_article
from bot.extract_pool import ExtractionPool
from tests.pages import PAYWALL_HTML, article_html

URL = "https://news.example/story"


@pytest.fixture
async def pool():
    extraction = ExtractionPool(workers=1)
    yield extraction
    extraction.shutdown()


def test_page_rejected_survives_pickling():
    error = pickle.loads(pickle.dumps(PageRejected("paywall")))
    assert isinstance(error, PageRejected) and error.reason == "paywall"
    assert str(error) == str(PageRejected("paywall"))
    custom = pickle.loads(pickle.dumps(PageRejected("too_short", "Too short, sorry.")))
    assert (custom.reason, str(custom)) == ("too_short", "Too short, sorry.")


async def test_pages_are_extracted_in_another_process(pool):
    assert await pool.run(os.getpid) != os.getpid()
    html = article_html()
    assert await pool.run(extract_article, html, URL) == extract_article(html, URL)


async def test_a_rejected_page_keeps_its_reason_across_processes(pool):
    with pytest.raises(PageRejected) as caught:
        await pool.run(extract_article, PAYWALL_HTML, URL)
    assert caught.value.reason == "paywall"


async def test_a_dead_worker_fails_its_page_and_the_pool_is_replaced(pool):
    with pytest.raises(ExtractError, match="crashed"):
        await pool.run(os._exit, 3)  # the worker dies mid-task, as a segfault would
    assert pool.replaced == 1
    assert await pool.run(os.getpid) != os.getpid()  # a fresh pool answers
