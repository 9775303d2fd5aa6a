"""Run a summarizer in a child process, so model work never competes with the event loop.

In one process, the model's pure-Python steps (sentence splitting, features, decoding loops)
hold the GIL and its torch threads take every core, so each chat ack and gateway heartbeat
waits behind them. `ProcessSummarizer` loads the backend in a spawned child running at a
lower CPU priority and ships whole batches over a pipe: the parent keeps only texts and
results. A child that dies or hangs fails its batch with a clear error and is replaced
before the next one.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from summarizer.base import (
    BatchFirst,
    ModelLoadError,
    SummarizerError,
    Summary,
    abandoned_error,
)
from summarizer.config import SummarizerConfig

if TYPE_CHECKING:  # multiprocessing loads when a process starts, not with the module
    from multiprocessing.connection import Connection
    from multiprocessing.process import BaseProcess

log = logging.getLogger(__name__)

#: Model loading (weights from disk, int8 quantization) may take this long at most.
START_TIMEOUT = 600.0
#: Seconds a stopping child gets to finish its batch before it is killed.
STOP_TIMEOUT = 10.0

_DIED = "The summarizer's model process stopped unexpectedly; try again in a moment."


class ProcessSummarizer(BatchFirst):
    """A Summarizer whose backend lives in a child process; calls block until it answers."""

    def __init__(
        self,
        config: SummarizerConfig,
        *,
        nice: int | None = None,
        call_timeout: float | None = None,
        start_timeout: float = START_TIMEOUT,
        child_setup: Callable[[], object] | None = None,
    ) -> None:
        """`child_setup` (picklable, e.g. a `functools.partial` of a module-level function)
        runs first in every child: the application's logging setup, so the model process
        logs in the same format and with the same redaction as the bot."""
        self.config = config
        self.child_setup = child_setup
        self.nice = config.worker_nice if nice is None else nice
        self.call_timeout = config.request_timeout if call_timeout is None else call_timeout
        self.start_timeout = start_timeout
        #: Children started after the first one died or hung.
        self.restarts = 0
        self._lock = threading.Lock()  # one batch on the pipe at a time
        self._process: BaseProcess | None = None
        self._conn: Connection | None = None
        self.name = self._start()

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    def summarize_many(
        self,
        texts: Sequence[str],
        *,
        max_bullets: int = 3,
        language: str | None = None,
        article_language: str | None = None,
    ) -> list[Summary | SummarizerError]:
        with self._lock:
            if self._conn is None:  # the previous child died: load a new one first
                self.restarts += 1
                self.name = self._start()
            assert self._conn is not None and self._process is not None
            try:
                self._conn.send(
                    ("summarize_many", list(texts), max_bullets, language, article_language)
                )
                kind, payload = _receive(self._conn, self.call_timeout)
            except TimeoutError:
                log.error("model process %s hung for %.0f s; replacing it", self.pid,
                          self.call_timeout)  # fmt: skip
                self._discard()
                raise abandoned_error(self.call_timeout) from None
            except (EOFError, OSError):
                log.error("model process %s exited (code %s); replacing it", self.pid,
                          self._exit_code())  # fmt: skip
                self._discard()
                raise SummarizerError(_DIED) from None
        if kind == "raise":
            raise payload
        return payload

    def close(self) -> None:
        """Ask the child to stop after its current batch; kill it if it does not."""
        with self._lock:
            if self._conn is not None:
                try:
                    self._conn.send(("stop",))
                except OSError:
                    pass
            self._discard(grace=STOP_TIMEOUT)

    # --- child management -------------------------------------------------------------------

    def _start(self) -> str:
        import multiprocessing

        context = multiprocessing.get_context("spawn")  # never fork a process with threads
        conn, child_conn = context.Pipe()
        process = context.Process(
            target=serve, args=(child_conn, self.config, self.nice, self.child_setup),
            name="newsbot-model", daemon=True,
        )  # fmt: skip
        process.start()
        child_conn.close()
        self._process, self._conn = process, conn
        try:
            kind, payload = _receive(conn, self.start_timeout)
        except (TimeoutError, EOFError, OSError) as exc:
            code = self._exit_code()
            self._discard()
            raise ModelLoadError(
                f"the model process did not start ({type(exc).__name__}, exit code {code})"
            ) from None
        if kind != "ready":
            self._discard()
            raise ModelLoadError(payload)
        return payload

    def _exit_code(self) -> int | None:
        process = self._process
        if process is None:
            return None
        process.join(0.5)
        return process.exitcode

    def _discard(self, grace: float = 0.0) -> None:
        process, conn = self._process, self._conn
        self._process = self._conn = None
        if process is not None:
            process.join(grace)
            if process.is_alive():
                process.kill()
                process.join(5)
        if conn is not None:
            conn.close()


def _receive(conn: Connection, timeout: float) -> tuple[str, Any]:
    if not conn.poll(timeout):
        raise TimeoutError
    return conn.recv()


def serve(
    conn: Connection,
    config: SummarizerConfig,
    nice: int,
    setup: Callable[[], object] | None = None,
) -> None:
    """The child: load the backend once, then answer batches until told to stop."""
    from summarizer import load_summarizer

    if setup is not None:
        setup()
    # Ctrl+C reaches the whole process group; the parent decides when the model stops.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if nice:
        try:
            os.nice(nice)  # batch work: chat acks in the parent go first
        except OSError as exc:
            log.warning("could not lower the model process priority: %s", exc)
    try:
        summarizer = load_summarizer(config)
    except Exception as exc:  # noqa: BLE001 - the parent reports it as a start-up error
        message = str(exc) if isinstance(exc, SummarizerError) else f"{type(exc).__name__}: {exc}"
        conn.send(("load_error", message))
        return
    conn.send(("ready", summarizer.name))
    log.info("model process %d loaded the %s backend (nice %d)", os.getpid(), summarizer.name,
             nice)  # fmt: skip
    try:
        while True:
            try:
                message = conn.recv()
            except EOFError:  # the parent is gone
                return
            if message[0] == "stop":
                return
            _, texts, max_bullets, language, article_language = message
            try:
                results = summarizer.summarize_many(
                    texts,
                    max_bullets=max_bullets,
                    language=language,
                    article_language=article_language,
                )
                conn.send(("ok", results))
            except SummarizerError as exc:
                conn.send(("raise", exc))
            except Exception:  # noqa: BLE001 - answer the batch; the parent logs nothing else
                log.exception("batched summarize failed in the model process")
                conn.send(("raise", SummarizerError("The model failed while summarizing; "
                                                    "try again later.")))  # fmt: skip
    finally:
        close = getattr(summarizer, "close", None)
        if close is not None:
            close()
