"""Prometheus metrics and the /healthz, /readyz and /metrics endpoints.

Metrics live in a dedicated `CollectorRegistry` (not prometheus-client's global one), so tests
and several bots in one process never collide. Label values are squeezed into a short
`[a-z0-9_]` vocabulary: a label must never carry user text (a URL, a channel name), both for
privacy and because every distinct value is a new time series.
"""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import TYPE_CHECKING

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client.gc_collector import GCCollector
from prometheus_client.platform_collector import PlatformCollector
from prometheus_client.process_collector import ProcessCollector

if TYPE_CHECKING:
    # aiohttp's web server is imported only by what serves HTTP: a CLI summary never does.
    from aiohttp import web

log = logging.getLogger(__name__)

#: Stages of one summary, as timed by the core (fetch/extract/summarize) and adapters (post).
STAGES = ("fetch", "extract", "summarize", "post")
#: Seconds; from a cached answer (ms) to a slow model on a busy CPU (a minute).
STAGE_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 120)
BATCH_BUCKETS = (1, 2, 4, 8, 16, 32, 64, 128, 256)
_LABEL = re.compile(r"^[a-z0-9_]{1,40}$")

Readiness = Callable[[], dict[str, bool]]


def _label(value: str) -> str:
    """A safe label value: lower-cased; anything outside [a-z0-9_]{1,40} becomes "other"."""
    value = str(value).lower()
    return value if _LABEL.match(value) else "other"


class Metrics:
    """Every newsbot metric, registered in its own registry (`registry`)."""

    def __init__(self, registry: CollectorRegistry | None = None, *, process: bool = True) -> None:
        self.registry = registry or CollectorRegistry(auto_describe=True)
        if process:  # RSS, CPU, open fds, GC: the numbers an operator checks for leaks
            ProcessCollector(registry=self.registry)
            PlatformCollector(registry=self.registry)
            GCCollector(registry=self.registry)
        r = self.registry
        self.requests = Counter(
            "newsbot_requests",
            "Summary requests by platform, trigger and outcome.",
            ("platform", "trigger", "outcome"),
            registry=r,
        )
        self.stage_seconds = Histogram(
            "newsbot_stage_duration_seconds",
            "Time spent per stage of a summary (fetch, extract, summarize, post).",
            ("stage",),
            buckets=STAGE_BUCKETS,
            registry=r,
        )
        self.cache_lookups = Counter(
            "newsbot_cache_lookups",
            "Summary cache lookups by result (hit or miss).",
            ("result",),
            registry=r,
        )
        self.queue_depth = Gauge(
            "newsbot_queue_depth",
            "Requests waiting for or holding a model worker.",
            registry=r,
        )
        self.batch_size = Histogram(
            "newsbot_model_batch_size",
            "Texts per model forward call.",
            buckets=BATCH_BUCKETS,
            registry=r,
        )
        # Export zeroes for known label values, so dashboards and rate() work from the start.
        for stage in STAGES:
            self.stage_seconds.labels(stage)
        for result in ("hit", "miss"):
            self.cache_lookups.labels(result)

    # --- recording ----------------------------------------------------------------------------

    def request(self, platform: str, trigger: str, outcome: str) -> None:
        """Count one finished request; `outcome` is "ok" or a `BotError.kind` ("busy", ...)."""
        self.requests.labels(_label(platform), _label(trigger), _label(outcome)).inc()

    def observe_stage(self, stage: str, seconds: float) -> None:
        if stage not in STAGES:
            raise ValueError(f"unknown stage {stage!r}; expected one of {', '.join(STAGES)}")
        self.stage_seconds.labels(stage).observe(max(0.0, seconds))

    def observe_timings(self, timings: dict[str, float]) -> None:
        """Record a `SummaryResult.timings` dict; keys that are not stages are ignored."""
        for stage, seconds in timings.items():
            if stage in STAGES:
                self.observe_stage(stage, seconds)

    @contextmanager
    def time_stage(self, stage: str) -> Iterator[None]:
        """`with METRICS.time_stage("post"): ...` records the block's duration, even on error."""
        started = time.perf_counter()
        try:
            yield
        finally:
            self.observe_stage(stage, time.perf_counter() - started)

    def cache_lookup(self, hit: bool) -> None:
        self.cache_lookups.labels("hit" if hit else "miss").inc()

    def set_queue_depth(self, depth: int) -> None:
        self.queue_depth.set(depth)

    def track_queue_depth(self, depth: Callable[[], float]) -> None:
        """Read the depth at scrape time instead (e.g. `lambda: service.queue_depth`)."""
        self.queue_depth.set_function(depth)

    def observe_batch(self, size: int) -> None:
        self.batch_size.observe(size)

    # --- exposition ---------------------------------------------------------------------------

    def render(self) -> bytes:
        """The registry in Prometheus text format."""
        return generate_latest(self.registry)


#: The process-wide metrics the core and adapters record into.
METRICS = Metrics()


class ReadinessChecks:
    """Named readiness flags and probes; call it to get `{name: ok}` for `/readyz`.

    `mark("slack", True)` from an adapter once connected; `add("redis", fn)` for a probe read at
    request time. A probe that raises counts as not ready.
    """

    def __init__(self) -> None:
        self._flags: dict[str, bool] = {}
        self._probes: dict[str, Callable[[], bool]] = {}

    def mark(self, name: str, ok: bool) -> None:
        self._flags[name] = bool(ok)

    def add(self, name: str, probe: Callable[[], bool]) -> None:
        self._probes[name] = probe

    def __call__(self) -> dict[str, bool]:
        checks = dict(self._flags)
        for name, probe in self._probes.items():
            try:
                checks[name] = bool(probe())
            except Exception:  # noqa: BLE001 - a broken probe means "not ready", not a 500
                log.warning("readiness probe %s failed", name, exc_info=True)
                checks[name] = False
        return checks


def add_health_routes(
    app: web.Application, readiness: Readiness, metrics: Metrics | None = None
) -> None:
    """Add /healthz, /readyz and /metrics to `app` (e.g. the Slack HTTP-mode app)."""
    from aiohttp import web

    metrics = metrics or METRICS

    async def healthz(_request: web.Request) -> web.Response:
        # Alive = the event loop answers. Deliberately no dependency checks: a restart
        # would not fix Redis or Slack being down.
        return web.json_response({"status": "ok"})

    async def readyz(_request: web.Request) -> web.Response:
        try:
            checks = readiness()
        except Exception:  # noqa: BLE001 - report "not ready" rather than a 500
            log.warning("readiness check raised", exc_info=True)
            checks = {"readiness": False}
        ready = all(checks.values())
        body = {"ready": ready, "checks": checks}
        return web.Response(
            status=200 if ready else 503,
            text=json.dumps(body, sort_keys=True),
            content_type="application/json",
        )

    async def metrics_view(_request: web.Request) -> web.Response:
        return web.Response(body=metrics.render(), headers={"Content-Type": CONTENT_TYPE_LATEST})

    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    app.router.add_get("/metrics", metrics_view)


def health_app(readiness: Readiness, metrics: Metrics | None = None) -> web.Application:
    """A stand-alone aiohttp app serving only the three operator endpoints."""
    from aiohttp import web

    app = web.Application()
    add_health_routes(app, readiness, metrics)
    return app


@asynccontextmanager
async def serve_health(
    host: str, port: int, readiness: Readiness, metrics: Metrics | None = None
) -> AsyncIterator[int]:
    """Serve `health_app` on host:port until the block exits; yields the bound port (0 = any)."""
    from aiohttp import web

    runner = web.AppRunner(health_app(readiness, metrics), access_log=None)
    await runner.setup()
    try:
        site = web.TCPSite(runner, host, port)
        await site.start()
        bound = runner.addresses[0][1] if runner.addresses else port
        log.info("health server on %s:%s", host, bound)
        yield bound
    finally:
        await runner.cleanup()
