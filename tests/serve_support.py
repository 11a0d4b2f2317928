"""Running servers as real child processes in tests: `dynaguard serve`, uvicorn, gunicorn.

Their stderr is read by a thread into a list, so a test can wait for a log line (the engine's
restart) without the pipe filling up and blocking the child."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import httpx

from dynaguard.config import Settings
from dynaguard.local.process import free_loopback_port, terminate
from dynaguard.service import create_app

from .conftest import CACHE_DIR

DYNAGUARD = [sys.executable, "-m", "dynaguard"]
REPO = Path(__file__).resolve().parent.parent


def child_env(**extra: str) -> dict[str, str]:
    """The test's environment for a child: the shared DynamoDB Local download, quiet logs."""
    env = {
        **os.environ,
        "DYNAGUARD_CACHE_DIR": str(CACHE_DIR),
        "PYTHONPATH": str(REPO),  # so `tests.serve_support:...` factories import in children
    }
    env.update(extra)
    return env


class Child:
    """A server process on a free loopback port; `lines` collects its stderr as it comes."""

    def __init__(self, command: Sequence[str], env: dict[str, str], port: int) -> None:
        self.port = port
        self.base = f"http://127.0.0.1:{port}"
        self.lines: list[str] = []
        self.process = subprocess.Popen(
            list(command),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
            cwd=REPO,
        )
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            self.lines.append(line.rstrip("\n"))

    def wait_for_line(self, pattern: str, timeout: float = 120, after: int = 0) -> re.Match[str]:
        """The first stderr line from index `after` on that matches `pattern`."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for line in self.lines[after:]:
                found = re.search(pattern, line)
                if found:
                    return found
            if self.process.poll() is not None and not self._reader.is_alive():
                break
            time.sleep(0.1)
        raise AssertionError(f"no line matching {pattern!r}; stderr: {self.lines[-20:]}")

    def wait_ready(self, path: str = "/readyz", timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"server exited {self.process.returncode}: {self.lines}")
            try:
                if httpx.get(self.base + path, timeout=5).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        raise AssertionError(f"server not ready within {timeout}s: {self.lines[-20:]}")

    def stop(self) -> None:
        terminate(self.process, grace_seconds=20)
        self._reader.join(timeout=10)


def serve(data_dir: Path, *args: str, **env: str) -> Child:
    """`dynaguard serve` with an embedded engine in `data_dir`, on a free port."""
    port = free_loopback_port()
    command = [*DYNAGUARD, "serve", "--port", str(port), "--data-dir", str(data_dir), *args]
    return Child(command, child_env(DYNAGUARD_LOG_LEVEL="warning", **env), port)


def factory_env(settings: Settings, **extra: str) -> dict[str, str]:
    """Environment for the ASGI factory: the session engine, the test's table and data dir."""
    assert settings.dynamodb_endpoint is not None
    return child_env(
        DYNAGUARD_DYNAMODB_ENDPOINT=settings.dynamodb_endpoint,
        DYNAGUARD_TABLE=settings.table,
        DYNAGUARD_DATA_DIR=str(settings.data_dir),
        DYNAGUARD_ALLOW_DEV_ISSUER="1",
        DYNAGUARD_LOG_LEVEL="warning",
        **extra,
    )


def app_with_worker_pid(settings: Settings, client: Any) -> Any:
    """The reference service, plus an `X-Worker-Pid` header naming the process that answered
    (so a test can tell which gunicorn worker served a request)."""
    app = create_app(settings, client)

    @app.middleware("http")
    async def _pid(request: Any, call_next: Any) -> Any:
        response = await call_next(request)
        response.headers["X-Worker-Pid"] = str(os.getpid())
        return response

    return app
