"""Run CPU-bound page work (HTML parsing, PDF text, decoding) in worker processes that can be
stopped.

A thread stuck in lxml or pypdf cannot be interrupted, and `ProcessPoolExecutor` cannot kill one
stuck task, so `WorkPool` keeps its own few worker processes. Each task has a deadline; past it
the worker is killed and a new one forked on the next task. Workers run at a lower CPU priority
(lower still once a task runs long) under an address-space limit, are forked from a forkserver
that has already imported the page code (a replacement starts in milliseconds), start on first
use, and `close()` kills busy ones instead of waiting for them. When every worker is busy and a
task waits, a task already running longer than `demote_after` is stopped to make room, so a
few slow (likely hostile) pages cannot hold every other page back for a whole deadline.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import resource
import signal
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from bot.config import ServiceConfig
from bot.errors import BotError, BusyError, ExtractError

if TYPE_CHECKING:  # multiprocessing loads when a process starts, not with the module
    from multiprocessing.connection import Connection
    from multiprocessing.process import BaseProcess

log = logging.getLogger(__name__)

#: Modules the forkserver imports (and warms) once, so every worker starts with them loaded.
PRELOAD = ("bot.pagework_preload",)
#: CPU priority of a worker (nice), and of one whose task has run longer than `demote_after`:
#: chat acks and the model go first, then fresh pages, then pages that are taking long.
WORKER_NICE = 10
LONG_TASK_NICE = 19
#: Forking and warming a worker (the first one also starts the forkserver) may take this long.
START_TIMEOUT = 60.0

TOO_SLOW = "This page took too long to read, so I gave up on it."
TOO_SLOW_BUSY = (
    "This page took too long to read while other pages were waiting, so I gave up on it; "
    "try again later."
)
TOO_BIG = "This page is too big for me to read."
BUSY = "I'm busy reading other pages right now; try again in a minute."
CRASHED = "I couldn't read this page: the page reader stopped unexpectedly."
FAILED = "I couldn't read this page."
SHUTTING_DOWN = "I'm restarting, so I stopped reading this page; try again in a minute."


class PageTimeout(ExtractError):
    """The page's parsing ran past `service.page_timeout`; its worker was killed."""


@dataclass(eq=False)
class _Worker:
    process: BaseProcess
    conn: Connection
    long: bool = False
    preempted: bool = False


class WorkPool:
    """At most `size` worker processes; `run(fn, ...)` calls `fn` in one, with a deadline.

    `fn` and its arguments must be picklable (module-level functions). A `BotError` raised by
    `fn` reaches the caller as the same class and message.
    """

    def __init__(
        self,
        size: int,
        *,
        timeout: float,
        memory_mb: int,
        nice: int = WORKER_NICE,
        demote_after: float = 1.0,
        child_setup: Callable[[], object] | None = None,
        preload: tuple[str, ...] = PRELOAD,
    ) -> None:
        """`child_setup` (picklable) runs first in every worker, e.g. the logging setup."""
        self.size = size
        self.timeout = timeout
        self.memory_mb = memory_mb
        self.nice = nice
        self.demote_after = demote_after
        self.child_setup = child_setup
        self.preload = preload
        #: Workers started and killed so far (a killed one is replaced on the next task).
        self.started = 0
        self.killed = 0
        self._idle: list[_Worker] = []
        self._busy: dict[_Worker, None] = {}  # ordered: oldest first
        self._slots: asyncio.Semaphore | None = None
        self._waiting = 0
        self._io: ThreadPoolExecutor | None = None
        self._closed = False
        #: The worker `warm` is starting, which the first task waits for instead of starting
        #: a second one; and the background warm-up `warm_soon` began.
        self._warming: asyncio.Future[_Worker] | None = None
        self._warm_task: asyncio.Task[None] | None = None

    @classmethod
    def from_config(
        cls, config: ServiceConfig, child_setup: Callable[[], object] | None = None
    ) -> WorkPool:
        return cls(
            config.page_workers,
            timeout=config.page_timeout,
            memory_mb=config.page_memory_mb,
            child_setup=child_setup,
        )

    @property
    def busy(self) -> int:
        """Workers running a task right now."""
        return len(self._busy)

    @property
    def pids(self) -> list[int]:
        """Process ids of the live workers (idle and busy)."""
        return [w.process.pid for w in (*self._idle, *self._busy) if w.process.pid]

    async def run(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """`fn(*args, **kwargs)` in a worker; `PageTimeout` past the deadline, `BusyError` if
        no worker frees up within the deadline either."""
        if self._closed:
            raise RuntimeError("this WorkPool is closed")
        self._slots = self._slots or self._open()
        if self._slots.locked():
            self._preempt()
        self._waiting += 1
        try:
            async with asyncio.timeout(self.timeout):
                await self._slots.acquire()
        except TimeoutError:
            raise BusyError(BUSY) from None
        finally:
            self._waiting -= 1
        try:
            worker = await self._checkout()
            return await self._call(worker, (fn, args, kwargs))
        finally:
            self._slots.release()

    def warm_soon(self) -> None:
        """`warm` in the background if no worker is up or starting, so the first page or
        paste does not wait for one: a bot calls this as it starts, the core when it fetches a
        link not in the cache (the worker starts while the page downloads). `close` stops it."""
        if self._cold and (self._warm_task is None or self._warm_task.done()):
            self._warm_task = asyncio.get_running_loop().create_task(self._warm_quietly())

    async def warm(self) -> None:
        """Start one worker (and with it the forkserver, ~1 s) now, unless one is up or
        starting."""
        if not self._cold:
            return
        self._slots = self._slots or self._open()
        starting = asyncio.get_running_loop().run_in_executor(self._io, self._start)
        self._warming = starting
        try:
            # shielded: the start goes on in its thread anyway; if this warm-up is cancelled,
            # the worker it started is dropped, and a dropped worker exits as its pipe closes
            worker = await asyncio.shield(starting)
        finally:
            self._warming = None
        self.started += 1
        if self._closed or len(self._idle) + len(self._busy) >= self.size:
            _kill(worker)  # closed meanwhile, or the pool filled up on its own
            return
        self._idle.append(worker)

    async def close(self) -> None:
        """Kill every worker now, busy or not: a stuck parse must not hold up shutdown."""
        self._closed = True
        if self._warm_task is not None:
            self._warm_task.cancel()
        workers = [*self._idle, *self._busy]
        self._idle.clear()
        self._busy.clear()
        for worker in workers:
            _kill(worker)
        # reaping is the forkserver's job and takes a moment: wait for it off the event loop
        await asyncio.to_thread(_join, workers)
        if self._io is not None:
            self._io.shutdown(wait=False, cancel_futures=True)

    # --- internals ----------------------------------------------------------------------------

    @property
    def _cold(self) -> bool:
        """Open, with no worker up or starting."""
        return not (self._closed or self._idle or self._busy or self._warming is not None)

    async def _warm_quietly(self) -> None:
        try:
            await self.warm()
        except BotError as exc:  # the next task starts a worker itself, and says so if it fails
            log.warning("page workers did not start yet: %s", exc.message)

    def _open(self) -> asyncio.Semaphore:
        # one thread per worker does the blocking pipe I/O; +1 for a start or a late EOF
        self._io = ThreadPoolExecutor(self.size + 1, "newsbot-pages")
        return asyncio.Semaphore(self.size)

    async def _checkout(self) -> _Worker:
        if not self._idle and self._warming is not None:
            await asyncio.wait([self._warming])  # the warm-up's worker is nearly there
            await asyncio.sleep(0)  # let `warm` put it in the idle list
        if self._idle:
            worker = self._idle.pop()
        else:
            loop = asyncio.get_running_loop()
            # the first start launches the forkserver (an import of the page code): off the loop
            worker = await loop.run_in_executor(self._io, self._start)
            self.started += 1
        if self._closed:  # closed while this worker was starting
            _kill(worker)
            raise RuntimeError("this WorkPool is closed")
        self._busy[worker] = None
        return worker

    async def _call(self, worker: _Worker, task: tuple[Any, ...]) -> Any:
        loop = asyncio.get_running_loop()
        demote = loop.call_later(self.demote_after, self._demote, worker)
        keep = False
        try:
            async with asyncio.timeout(self.timeout):
                reply = await loop.run_in_executor(self._io, _exchange, worker.conn, task)
            keep = not worker.long
        except TimeoutError:
            log.warning("page worker %s ran past %.0f s; killing it", worker.process.pid,
                        self.timeout)  # fmt: skip
            raise PageTimeout(TOO_SLOW) from None
        except (EOFError, OSError):
            if self._closed:
                raise ExtractError(SHUTTING_DOWN) from None
            if worker.preempted:
                raise PageTimeout(TOO_SLOW_BUSY) from None
            await loop.run_in_executor(self._io, _join, [worker])
            log.error("page worker %s exited (code %s)", worker.process.pid,
                      worker.process.exitcode)  # fmt: skip
            raise ExtractError(CRASHED) from None
        finally:
            demote.cancel()
            self._busy.pop(worker, None)
            if keep and not self._closed:
                self._idle.append(worker)
            else:  # timed out, crashed, cancelled mid-task or demoted: never reuse it
                _kill(worker)
                self.killed += 1
                if self._io is not None and not self._closed:
                    self._io.submit(_join, [worker])
        return _result(reply)

    def _demote(self, worker: _Worker) -> None:
        """A task still running after `demote_after` is likely hostile: it yields the CPU to
        fresh pages. Raising nice can't be undone without privileges, so the worker retires."""
        worker.long = True
        with contextlib.suppress(OSError, TypeError):
            os.setpriority(os.PRIO_PROCESS, worker.process.pid, LONG_TASK_NICE)
        if self._waiting:
            self._preempt()

    def _preempt(self) -> None:
        """Stop the oldest long-running task, if any, so a waiting task gets its worker."""
        for worker in self._busy:  # insertion order: oldest first
            if worker.long and not worker.preempted:
                log.info("page worker %s: stopping a long task, others wait", worker.process.pid)
                worker.preempted = True
                with contextlib.suppress(OSError):
                    worker.process.kill()  # its caller sees EOF and answers TOO_SLOW_BUSY
                return

    def _start(self) -> _Worker:
        import multiprocessing

        context = multiprocessing.get_context("forkserver")  # never fork a threaded process
        context.set_forkserver_preload(list(self.preload))
        conn, child_conn = context.Pipe()
        memory = self.memory_mb * 1024 * 1024
        process = context.Process(
            target=_serve, args=(child_conn, self.nice, memory, self.child_setup),
            name="newsbot-pages", daemon=True,
        )  # fmt: skip
        process.start()
        child_conn.close()
        worker = _Worker(process, conn)
        if not conn.poll(START_TIMEOUT):
            _kill(worker)
            raise ExtractError(CRASHED)
        try:
            conn.recv()  # "ready"
        except (EOFError, OSError):
            _kill(worker)
            raise ExtractError(CRASHED) from None
        return worker


def _exchange(conn: Connection, message: tuple[Any, ...]) -> tuple[Any, ...]:
    """Send one task and wait for its reply (blocking: runs in the pool's I/O thread)."""
    conn.send(message)
    return conn.recv()


def _result(reply: tuple[Any, ...]) -> Any:
    if reply[0] == "ok":
        return reply[1]
    _, cls, message, state = reply
    error = cls.__new__(cls)  # a subclass's __init__ may take other arguments (PageRejected)
    BotError.__init__(error, message)
    error.__dict__.update(state)
    raise error


def _kill(worker: _Worker) -> None:
    """SIGKILL, without waiting: a join can block for as long as the machine is busy."""
    with contextlib.suppress(OSError, ValueError):
        worker.process.kill()
    worker.conn.close()


def _join(workers: list[_Worker]) -> None:
    for worker in workers:
        with contextlib.suppress(OSError, ValueError, AssertionError):
            worker.process.join(2)


def _serve(conn: Connection, nice: int, memory: int, setup: Callable[[], object] | None) -> None:
    """The worker: lower its priority, cap its memory, then answer tasks until the pipe closes."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl+C reaches the group; the parent decides
    if setup is not None:
        setup()
    if nice:
        with contextlib.suppress(OSError):
            os.nice(nice)
    if memory:
        # on top of what the (preloaded) worker already maps, so the limit is the page's own
        _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        limit = _address_space() + memory
        if hard != resource.RLIM_INFINITY:
            limit = min(limit, hard)
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    conn.send(("ready",))
    while True:
        try:
            fn, args, kwargs = conn.recv()
        except (EOFError, OSError):  # the parent is gone
            return
        try:
            reply: tuple[Any, ...] = ("ok", fn(*args, **kwargs))
        except MemoryError:
            reply = ("error", ExtractError, TOO_BIG, {})
        except BotError as exc:
            reply = ("error", type(exc), exc.message, _state(exc))
        except Exception:  # noqa: BLE001 - one odd page must not end the worker
            log.exception("page task %s failed", getattr(fn, "__name__", fn))
            reply = ("error", ExtractError, FAILED, {})
        try:
            conn.send(reply)
        except MemoryError:
            conn.send(("error", ExtractError, TOO_BIG, {}))


def _state(exc: BotError) -> dict[str, Any]:
    return {k: v for k, v in vars(exc).items() if k != "message"}


def _address_space() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
