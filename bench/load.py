"""One variant under load: its own `dynaguard serve` process (the command users run, with the
variant's factory as `--app`), driven by wrk (a separate process, so the load generator never
shares an interpreter with the server), with peak memory read from /proc."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

from bench.variants import SERVE_APPS
from dynaguard.local.process import free_loopback_port, terminate

REPO = Path(__file__).resolve().parent.parent
LUA_SCRIPT = Path(__file__).resolve().parent / "load.lua"
_MARK = "BENCH_JSON "


@dataclass(frozen=True)
class Cell:
    """One wrk run: latency in milliseconds, throughput in requests per second."""

    requests: int
    seconds: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    rps: float
    errors: int

    def as_dict(self) -> dict[str, Any]:
        return self.__dict__.copy()


class Server:
    """`dynaguard serve --app <variant factory>` on a free loopback port, against `endpoint`."""

    def __init__(self, variant: str, endpoint: str, table: str, data_dir: Path) -> None:
        self.variant = variant
        self.port = free_loopback_port()
        self._command = [
            sys.executable,
            "-m",
            "dynaguard",
            "serve",
            f"--app={SERVE_APPS[variant]}",
            f"--dynamodb-endpoint={endpoint}",
            f"--table={table}",
            f"--port={self.port}",
            f"--data-dir={data_dir}",
            "--log-level=warning",
        ]
        self._process: subprocess.Popen[bytes] | None = None
        self._log = data_dir / f"serve-{variant}-{self.port}.log"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        assert self._process is not None
        return self._process.pid

    def __enter__(self) -> Server:
        log = self._log.open("wb")
        self._process = subprocess.Popen(self._command, cwd=REPO, stderr=log)
        log.close()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                tail = self._log.read_text(errors="replace")[-800:]
                raise RuntimeError(f"{self.variant} server exited: {tail}")
            try:
                with urllib.request.urlopen(f"{self.url}/healthz", timeout=1):
                    return self
            except (urllib.error.URLError, OSError):
                time.sleep(0.1)
        self.__exit__(None, None, None)
        raise RuntimeError(f"{self.variant} server did not answer within 30 s")

    def peak_rss_mib(self) -> float:
        """VmHWM: the largest resident set this process has had since it started."""
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
        raise RuntimeError("VmHWM not reported (not Linux?)")

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        process, self._process = self._process, None
        if process is not None:
            terminate(process)


def wrk_threads(connections: int) -> int:
    """One thread per connection up to two: wrk must not starve the server of the 2 cores."""
    return min(connections, 2)


def run_wrk(url: str, operation: str, fixture: Path, connections: int, seconds: float) -> Cell:
    """Run wrk once and parse the JSON line the Lua `done()` prints."""
    threads = wrk_threads(connections)
    command = [
        "wrk",
        f"-t{threads}",
        f"-c{connections}",
        f"-d{max(1, round(seconds))}s",
        "--timeout=10s",
        "-s",
        str(LUA_SCRIPT),
        url,
        "--",
        operation,
        str(fixture),
        str(threads),
    ]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    lines = [line for line in done.stdout.splitlines() if line.startswith(_MARK)]
    if done.returncode != 0 or not lines:
        raise RuntimeError(f"wrk failed ({done.returncode}): {done.stderr.strip()[-500:]}")
    raw = json.loads(lines[-1][len(_MARK) :])
    seconds_run = raw["duration_us"] / 1e6
    return Cell(
        requests=raw["requests"],
        seconds=round(seconds_run, 3),
        p50_ms=raw["p50_us"] / 1000,
        p90_ms=raw["p90_us"] / 1000,
        p99_ms=raw["p99_us"] / 1000,
        rps=round(raw["requests"] / seconds_run, 1),
        errors=raw["status_errors"] + raw["socket_errors"],
    )
