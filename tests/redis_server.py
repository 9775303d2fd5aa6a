"""A throwaway `redis-server` on 127.0.0.1 for tests: free port, temp dir, no persistence."""

from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path


def redis_server_path() -> str | None:
    return shutil.which("redis-server")


def free_port() -> int:
    return free_ports(1)[0]


def free_ports(n: int) -> list[int]:
    """n distinct free ports. All are held open until every one is picked: asked one at a time,
    the OS may hand out a port again that a child process has not yet bound (seen in CI: two
    replicas given the same HTTP port)."""
    socks = [socket.socket(socket.AF_INET, socket.SOCK_STREAM) for _ in range(n)]
    try:
        for sock in socks:
            sock.bind(("127.0.0.1", 0))
        return [sock.getsockname()[1] for sock in socks]
    finally:
        for sock in socks:
            sock.close()


def command(port: int, *args: str, timeout: float = 1.0) -> bytes:
    """Send one command in RESP and return the raw first reply line (no client library)."""
    payload = f"*{len(args)}\r\n".encode()
    for arg in args:
        data = arg.encode()
        payload += b"$%d\r\n%s\r\n" % (len(data), data)
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(payload)
        reply = b""
        while not reply.endswith(b"\r\n"):
            chunk = sock.recv(4096)
            if not chunk:
                break
            reply += chunk
    return reply.strip()


class RedisServer:
    """Start with `start()` (or `with`), stop with `stop()`; `url` points at database 0."""

    def __init__(self, executable: str = "redis-server", *, startup_timeout: float = 10.0) -> None:
        self.executable = executable
        self.startup_timeout = startup_timeout
        self.port = 0
        self._proc: subprocess.Popen[bytes] | None = None
        self._dir: tempfile.TemporaryDirectory[str] | None = None
        self._log = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> str:
        self._dir = tempfile.TemporaryDirectory(prefix="newsbot-redis-")
        errors = []
        for _attempt in range(3):  # the free port can be taken between probe and bind
            try:
                self._spawn(free_port())
                return self.url
            except RuntimeError as exc:
                errors.append(str(exc))
                self._terminate()
        self.stop()
        raise RuntimeError("redis-server did not start: " + " | ".join(errors))

    def _spawn(self, port: int) -> None:
        log_path = Path(self._dir.name) / f"redis-{port}.log"
        self._log = open(log_path, "wb")  # closed in _terminate
        self.port = port
        self._proc = subprocess.Popen(
            [
                self.executable, "--port", str(port), "--bind", "127.0.0.1",
                "--save", "", "--appendonly", "no", "--dir", self._dir.name,
                "--daemonize", "no", "--protected-mode", "yes",
            ],
            stdout=self._log,
            stderr=subprocess.STDOUT,
            cwd=self._dir.name,
        )
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                raise RuntimeError(log_path.read_text(errors="replace")[-500:])
            try:
                if command(port, "PING") == b"+PONG":
                    return
            except OSError:
                pass
            time.sleep(0.02)
        raise RuntimeError(f"no PONG within {self.startup_timeout}s")

    def flushall(self) -> None:
        reply = command(self.port, "FLUSHALL")
        if reply != b"+OK":
            raise RuntimeError(f"FLUSHALL failed: {reply!r}")

    def _terminate(self) -> None:
        if self._proc is not None:
            self._proc.terminate()
            try:
                self._proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait(timeout=5)
            self._proc = None
        if self._log is not None:
            self._log.close()
            self._log = None

    def stop(self) -> None:
        self._terminate()
        if self._dir is not None:
            self._dir.cleanup()
            self._dir = None

    def __enter__(self) -> RedisServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
