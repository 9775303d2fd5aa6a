"""The core keeps the article it summarized with the summary, so questions need no re-fetch."""

from __future__ import annotations

from bot.cache import MemoryCache
from bot.service import ARTICLE_KEEP_CHARS, SummaryService
from tests.bot.test_service import make_config, server  # noqa: F401 - the page server fixture
from tests.fakes import FakeSummarizer


async def test_the_article_text_travels_with_the_summary_and_its_cache_entry(server):  # noqa: F811
    svc = SummaryService(make_config(server.port), FakeSummarizer(), cache=MemoryCache(10))
    try:
        first = await svc.summarize_url(f"{server.base}/story")
        again = await svc.summarize_url(f"{server.base}/story")
    finally:
        await svc.close()
    assert "Residents of the fishing town of Porthallow" in first.article_text
    assert "cookies" not in first.article_text  # the extracted text, not the page
    assert again.cached and again.article_text == first.article_text
    assert server.hits["/story"] == 1  # kept, not fetched again
    assert first.article_text not in repr(first)  # never dumped into logs with the result


async def test_pasted_text_is_kept_bounded_and_not_cached(server):  # noqa: F811
    svc = SummaryService(make_config(server.port), FakeSummarizer(), cache=MemoryCache(10))
    text = "Headline\n\n" + "The council met on Tuesday and voted. " * 3000
    try:
        result = await svc.summarize_text(text)
    finally:
        await svc.close()
    assert result.article_text.startswith("The council met on Tuesday")
    assert len(result.article_text) == ARTICLE_KEEP_CHARS
