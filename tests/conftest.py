"""Shared fixtures. Keep each one small; add new fixtures below with a line saying why."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.redis_server import RedisServer, redis_server_path


@pytest.fixture(scope="session")
def redis_server() -> Iterator[RedisServer]:
    """One real redis-server on 127.0.0.1 for the session; tests skip when it is not installed."""
    executable = redis_server_path()
    if executable is None:
        pytest.skip("redis-server is not on PATH (apt-get install redis-server); Redis tests skip")
    with RedisServer(executable) as server:
        yield server


@pytest.fixture
def redis_url(redis_server: RedisServer) -> str:
    """URL of an empty Redis: every test starts from FLUSHALL."""
    redis_server.flushall()
    return redis_server.url


class FakeClock:
    """A clock tests move by hand, for TTLs and windows without sleeping."""

    def __init__(self, start: float = 1_700_000_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def fake_clock() -> FakeClock:
    return FakeClock()


@pytest.fixture(autouse=True)
def _restore_logging():
    """`newsbot` CLI runs install process-wide logging; undo it so tests stay independent."""
    import logging

    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    factory = logging.getLogRecordFactory()
    yield
    for handler in list(root.handlers):
        if handler not in handlers:
            root.removeHandler(handler)
            handler.close()
    root.setLevel(level)
    logging.setLogRecordFactory(factory)


@pytest.fixture(autouse=True)
def user_dirs(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Default cache/state folders come from platformdirs: keep every test out of the real ~."""
    root = tmp_path_factory.mktemp("user-dirs")
    monkeypatch.setenv("XDG_CACHE_HOME", str(root / "cache"))
    monkeypatch.setenv("XDG_DATA_HOME", str(root / "data"))
    monkeypatch.delenv("NEWSBOT_DATA_DIR", raising=False)
