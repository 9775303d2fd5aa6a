import json

import aiohttp
import pytest
from prometheus_client.parser import text_string_to_metric_families

from bot.observability import Metrics, ReadinessChecks, serve_health


@pytest.fixture
def metrics():
    return Metrics(process=False)


def samples(text):
    """{(sample name, frozenset(labels)): value} from Prometheus text."""
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


async def get(port, path):
    async with aiohttp.ClientSession() as session:
        async with session.get(f"http://127.0.0.1:{port}{path}") as resp:
            return resp.status, resp.headers.get("Content-Type", ""), await resp.text()


async def test_healthz_is_alive_even_when_not_ready(metrics):
    checks = ReadinessChecks()
    checks.mark("model", False)
    async with serve_health("127.0.0.1", 0, checks, metrics) as port:
        status, ctype, body = await get(port, "/healthz")
    assert status == 200
    assert ctype.startswith("application/json")
    assert '"ok"' in body


async def test_readyz_flips_from_503_to_200(metrics):
    checks = ReadinessChecks()
    checks.mark("model", True)
    checks.mark("slack", False)
    redis_up = False
    checks.add("redis", lambda: redis_up)
    async with serve_health("127.0.0.1", 0, checks, metrics) as port:
        status, _, body = await get(port, "/readyz")
        assert status == 503
        doc = json.loads(body)
        assert doc == {"ready": False, "checks": {"model": True, "slack": False, "redis": False}}

        checks.mark("slack", True)
        assert (await get(port, "/readyz"))[0] == 503  # redis still down
        redis_up = True
        status, _, body = await get(port, "/readyz")
        assert status == 200
        assert json.loads(body)["checks"] == {"model": True, "slack": True, "redis": True}

        checks.mark("slack", False)  # a platform disconnecting makes it unready again
        assert (await get(port, "/readyz"))[0] == 503


async def test_a_probe_that_raises_means_not_ready(metrics):
    checks = ReadinessChecks()
    checks.mark("model", True)

    def broken():
        raise ConnectionError("redis went away")

    checks.add("redis", broken)
    async with serve_health("127.0.0.1", 0, checks, metrics) as port:
        status, _, body = await get(port, "/readyz")
    assert status == 503
    assert '"redis": false' in body


async def test_readiness_callable_that_raises_gives_503(metrics):
    def readiness():
        raise RuntimeError("boom")

    async with serve_health("127.0.0.1", 0, readiness, metrics) as port:
        assert (await get(port, "/readyz"))[0] == 503


async def test_metrics_endpoint_shows_recorded_observations(metrics):
    metrics.request("slack", "mention", "ok")
    metrics.request("slack", "mention", "ok")
    metrics.request("discord", "slash", "busy")
    metrics.observe_stage("fetch", 0.2)
    metrics.observe_timings({"extract": 0.05, "summarize": 1.5, "unknown": 3.0})
    with metrics.time_stage("post"):
        pass
    metrics.cache_lookup(hit=True)
    metrics.cache_lookup(hit=False)
    metrics.cache_lookup(hit=True)
    metrics.set_queue_depth(7)
    metrics.observe_batch(16)
    async with serve_health("127.0.0.1", 0, dict, metrics) as port:
        status, ctype, text = await get(port, "/metrics")
    assert status == 200
    assert ctype.startswith("text/plain")
    got = samples(text)
    req = "newsbot_requests_total"
    labels = {"platform": "slack", "trigger": "mention", "outcome": "ok"}
    assert got[(req, frozenset(labels.items()))] == 2
    labels = {"platform": "discord", "trigger": "slash", "outcome": "busy"}
    assert got[(req, frozenset(labels.items()))] == 1
    for stage in ("fetch", "extract", "summarize", "post"):
        count = got[("newsbot_stage_duration_seconds_count", frozenset({("stage", stage)}))]
        assert count == 1
    summed = got[("newsbot_stage_duration_seconds_sum", frozenset({("stage", "summarize")}))]
    assert summed == pytest.approx(1.5)
    assert ("newsbot_stage_duration_seconds_count", frozenset({("stage", "unknown")})) not in got
    assert got[("newsbot_cache_lookups_total", frozenset({("result", "hit")}))] == 2
    assert got[("newsbot_cache_lookups_total", frozenset({("result", "miss")}))] == 1
    assert got[("newsbot_queue_depth", frozenset())] == 7
    assert got[("newsbot_model_batch_size_count", frozenset())] == 1
    assert got[("newsbot_model_batch_size_bucket", frozenset({("le", "16.0")}))] == 1
    assert got[("newsbot_model_batch_size_bucket", frozenset({("le", "8.0")}))] == 0


def test_queue_depth_read_at_scrape_time(metrics):
    depth = [3]
    metrics.track_queue_depth(lambda: depth[0])
    assert samples(metrics.render().decode())[("newsbot_queue_depth", frozenset())] == 3
    depth[0] = 0
    assert samples(metrics.render().decode())[("newsbot_queue_depth", frozenset())] == 0


def test_labels_never_carry_user_text(metrics):
    metrics.request("slack", "https://evil.example/<@U123>", "OK")
    text = metrics.render().decode()
    assert "evil.example" not in text
    labels = {"platform": "slack", "trigger": "other", "outcome": "ok"}
    assert samples(text)[("newsbot_requests_total", frozenset(labels.items()))] == 1


def test_unknown_stage_is_a_programming_error(metrics):
    with pytest.raises(ValueError, match="unknown stage"):
        metrics.observe_stage("download", 1.0)


def test_separate_registries_do_not_collide():
    a, b = Metrics(process=False), Metrics()
    a.request("slack", "mention", "ok")
    assert "newsbot_requests_total{" not in b.render().decode()
    assert "process_resident_memory_bytes" in b.render().decode()


async def test_the_bot_records_what_its_core_does_and_a_cli_run_records_nothing(tmp_path):
    """`newsbot run` hands the core the bot's metrics; a CLI command opens it without any."""
    from bot.config import CacheConfig, Config
    from bot.observability import METRICS
    from bot.runtime import open_deps
    from bot.service_setup import open_service
    from tests.fakes import FakeSummarizer
    from tests.pages import SAMPLE_TEXT

    def summarized() -> float:
        labels = {"stage": "summarize"}
        return METRICS.registry.get_sample_value("newsbot_stage_duration_seconds_count", labels)

    config = Config(cache=CacheConfig(backend="memory"))
    before = summarized()
    async with open_service(config, FakeSummarizer()) as service:
        await service.summarize_text(SAMPLE_TEXT)
    assert summarized() == before
    async with open_deps(config, FakeSummarizer()) as deps:
        await deps.service.summarize_text(SAMPLE_TEXT)
    assert summarized() == before + 1
