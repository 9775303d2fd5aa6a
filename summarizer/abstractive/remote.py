"""Abstractive bullets from an OpenAI-compatible server (vLLM, Ollama, TGI, llama.cpp server).

The Summarizer protocol is blocking and the core calls it from worker threads, so this backend
owns a private event loop on one daemon thread with one aiohttp session: callers submit
coroutines to it and wait on the result. No caller's event loop is ever blocked or borrowed.
"""

from __future__ import annotations

import asyncio
import logging
import os
import threading
import time
from collections.abc import Sequence
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any
from urllib.parse import urlsplit

import aiohttp

from summarizer.abstractive.faithfulness import Verifier
from summarizer.abstractive.prompting import (
    ParseError,
    build_messages,
    parse_bullets,
)
from summarizer.base import BatchFirst, ModelLoadError, SummarizerError, Summary
from summarizer.config import SummarizerConfig
from summarizer.pipeline import Article, read_articles

log = logging.getLogger(__name__)

RETRY_STATUSES = {408, 409, 425, 429, 500, 502, 503, 504}
#: Longest single backoff pause, seconds (Retry-After included).
MAX_BACKOFF = 8.0


class RemoteError(SummarizerError):
    """The remote endpoint failed; the message is fit for a chat user."""


class RemoteSummarizer(BatchFirst):
    """Remote backend; thread-safe. Call `close()` on shutdown."""

    name = "remote"

    def __init__(
        self, config: SummarizerConfig, *, encoder=None, extractive=None, backoff: float = 0.5
    ) -> None:
        parts = urlsplit(config.remote_base_url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ModelLoadError(
                f"the remote backend needs summarizer.remote_base_url as http(s)://host[:port]/v1, "
                f"got {config.remote_base_url!r}"
            )
        if not config.remote_model:
            raise ModelLoadError(
                "the remote backend needs summarizer.remote_model: the model name your server "
                "serves (e.g. 'qwen2.5:3b-instruct' on Ollama)"
            )
        self.config = config
        self.url = config.remote_base_url.rstrip("/") + "/chat/completions"
        self.host = parts.netloc
        self.backoff = backoff
        self.verifier = Verifier(config, encoder=encoder, extractive=extractive)
        #: HTTP attempts made, retries included (tests and metrics read it).
        self.attempts = 0
        self._session: aiohttp.ClientSession | None = None
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self._loop.run_forever, name="newsbot-remote", daemon=True
        )
        self._thread.start()
        self._closed = False

    def summarize_many(
        self,
        texts: Sequence[str],
        *,
        max_bullets: int = 3,
        language: str | None = None,
        article_language: str | None = None,
    ) -> list[Summary | SummarizerError]:
        """Requests go out concurrently; each answer is parsed, guarded, or falls back."""
        if self._closed:
            raise SummarizerError("The summarizer is shutting down; try again in a moment.")
        started = time.perf_counter()
        prepared = read_articles(texts, self.config.max_input_chars, article_language)
        futures = {
            i: asyncio.run_coroutine_threadsafe(
                self._complete(build_messages(a.text, max_bullets, language or a.language)),
                self._loop,
            )
            for i, a in enumerate(prepared)
            if isinstance(a, Article)
        }
        results: list[Summary | SummarizerError] = []
        for i, article in enumerate(prepared):
            if isinstance(article, SummarizerError):
                results.append(article)
                continue
            try:
                # _complete enforces remote_timeout itself; the margin only guards a stuck loop.
                content = futures[i].result(timeout=self.config.remote_timeout + 5)
            except (SummarizerError, FutureTimeout) as exc:
                error = exc if isinstance(exc, SummarizerError) else self._timeout_error()
                results.append(self._fallback(article, max_bullets, str(error), error))
                continue
            timings = {"remote": time.perf_counter() - started}
            try:
                bullets = parse_bullets(content, max_bullets, article.language)
            except ParseError as exc:
                log.warning("remote model output unusable: %s", exc)
                error = SummarizerError("The model's answer couldn't be turned into bullets.")
                results.append(
                    self._fallback(article, max_bullets, f"malformed output: {exc}", error)
                )
                continue
            try:
                results.append(
                    self.verifier.finish(
                        article,
                        bullets,
                        max_bullets=max_bullets,
                        backend=self.name,
                        timings=timings,
                    )  # fmt: skip
                )
            except SummarizerError as exc:
                results.append(exc)
        return results

    def close(self) -> None:
        """Close the session and stop the private loop (idempotent)."""
        if self._closed:
            return
        self._closed = True
        if self._session is not None:
            asyncio.run_coroutine_threadsafe(self._session.close(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join()
        self._loop.close()

    # --- on the private loop -----------------------------------------------------------------

    async def _complete(self, messages: list[dict[str, str]]) -> str:
        """The assistant's reply text; retries 429/5xx/connection errors within the timeout."""
        try:
            async with asyncio.timeout(self.config.remote_timeout):
                return await self._with_retries(messages)
        except TimeoutError:
            raise self._timeout_error() from None

    async def _with_retries(self, messages: list[dict[str, str]]) -> str:
        if self._session is None:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self.config.max_batch_requests)
            )
        payload = {
            "model": self.config.remote_model,
            "messages": messages,
            "max_tokens": self.config.generation.max_new_tokens,
            "temperature": 0,
            "stream": False,
        }
        headers = {}
        key = os.environ.get(self.config.remote_api_key_env, "").strip()
        if key:
            headers["Authorization"] = f"Bearer {key}"
        attempt = 0
        while True:
            self.attempts += 1
            retry_after: float | None = None
            try:
                async with self._session.post(self.url, json=payload, headers=headers) as resp:
                    if resp.status == 200:
                        return _content(await resp.json(content_type=None))
                    if resp.status not in RETRY_STATUSES and resp.status < 500:
                        raise RemoteError(self._refused(resp.status))
                    problem = f"HTTP {resp.status}"
                    retry_after = _seconds(resp.headers.get("Retry-After"))
            except (aiohttp.ClientConnectionError, aiohttp.ClientPayloadError) as exc:
                problem = exc.__class__.__name__
            except (ValueError, aiohttp.ContentTypeError) as exc:
                raise RemoteError("The summary service sent an answer I couldn't read.") from exc
            if attempt >= self.config.remote_retries:
                log.warning(
                    "remote %s failed after %d attempts: %s", self.host, attempt + 1, problem
                )
                raise RemoteError(
                    f"The summary service at {self.host} is unavailable ({problem}); "
                    "try again later."
                )
            pause = retry_after if retry_after is not None else self.backoff * 2**attempt
            await asyncio.sleep(min(pause, MAX_BACKOFF))
            attempt += 1

    def _refused(self, status: int) -> str:
        key_hint = f"check the API key in the {self.config.remote_api_key_env} environment variable"
        model = self.config.remote_model
        hint = {
            401: key_hint,
            403: key_hint,
            404: f"check summarizer.remote_base_url and that it serves {model!r}",
        }.get(status, "check the remote settings")
        return f"The summary service at {self.host} refused the request (HTTP {status}); {hint}."

    def _timeout_error(self) -> RemoteError:
        return RemoteError(
            f"The summary service at {self.host} didn't answer within "
            f"{self.config.remote_timeout:g} s; try again later."
        )

    def _fallback(
        self, article: Article, max_bullets: int, reason: str, error: SummarizerError
    ) -> Summary | SummarizerError:
        try:
            return self.verifier.fallback(
                article.text, max_bullets=max_bullets, article_language=article.language,
                reason=reason, error=error,
            )  # fmt: skip
        except SummarizerError as exc:
            return exc


def _content(data: Any) -> str:
    try:
        content = data["choices"][0]["message"]["content"]
    except (KeyError, IndexError, TypeError):
        raise RemoteError("The summary service sent an answer without a message.") from None
    if not isinstance(content, str):
        raise RemoteError("The summary service sent an answer without a message.")
    return content


def _seconds(value: str | None) -> float | None:
    try:
        return max(0.0, float(value)) if value else None
    except ValueError:
        return None
