"""Invented article pages and an in-process HTTP server on 127.0.0.1 that counts requests."""

from __future__ import annotations

import html
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from aiohttp import web

SAMPLE_TEXT = (Path(__file__).parents[1] / "examples" / "sample_article.txt").read_text()


def article_html(text: str = SAMPLE_TEXT, *, title: str | None = None) -> str:
    """A news page around `text`: nav, cookie banner and footer the extractor must skip."""
    lines = [ln for ln in text.strip().splitlines() if ln.strip()]
    title = title or lines[0]
    body = "\n".join(f"<p>{html.escape(p)}</p>" for p in lines[1:])
    return f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>{html.escape(title)} | Coastal Courier</title>
<meta property="og:title" content="{html.escape(title)}">
<meta property="og:site_name" content="Coastal Courier">
<meta name="author" content="Mara Ellison">
<meta property="article:published_time" content="2026-11-20T09:00:00Z">
</head><body>
<nav><a href="/">Home</a> <a href="/news">News</a> <a href="/sport">Sport</a></nav>
<div class="cookie-banner">We use cookies to improve your experience. Accept all</div>
<main><article><h1>{html.escape(title)}</h1>
{body}
</article></main>
<footer><a href="/about">About us</a> <a href="/privacy">Privacy</a></footer>
</body></html>"""


PAYWALL_HTML = """<!doctype html><html lang="en"><head><title>Budget shock | Daily Ledger</title>
</head><body><article><h1>Budget shock for councils</h1>
<p>Councils across the region face a shortfall of millions next year.</p>
<div class="paywall"><p>Subscribe to continue reading. Already a subscriber? Sign in.</p>
<p>Get unlimited access to all our journalism for just 1 a week. Subscribe now.</p>
<p>This content is exclusive to subscribers.</p></div></article></body></html>"""


class PageServer:
    """Routes path → (status, content type, body); counts the requests it sees."""

    def __init__(self) -> None:
        self.pages: dict[str, tuple[int, str, str | bytes]] = {}
        self.hits: Counter[str] = Counter()
        self.handler_hook: Callable[[web.Request], None] | None = None
        self._runner: web.AppRunner | None = None
        self.port = 0

    def add(self, path: str, body: str | bytes, *, status: int = 200, ctype: str = "text/html"):
        self.pages[path] = (status, ctype, body)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        self.hits[request.path] += 1
        if self.handler_hook:
            self.handler_hook(request)
        status, ctype, body = self.pages.get(request.path, (404, "text/plain", "not found"))
        if 300 <= status < 400:
            raise web.HTTPFound(str(body)) if status == 302 else web.HTTPMovedPermanently(str(body))
        data = body.encode() if isinstance(body, str) else body
        return web.Response(status=status, body=data, content_type=ctype, charset="utf-8")

    async def start(self) -> PageServer:
        app = web.Application()
        app.router.add_route("GET", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = self._runner.addresses[0][1]
        return self

    async def stop(self) -> None:
        if self._runner:
            await self._runner.cleanup()
