"""Run DynamoDB Local as a child process that dies with its parent, even on SIGKILL (Linux)."""

from __future__ import annotations

import ctypes
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from types import TracebackType

from dynaguard.errors import DynaguardError
from dynaguard.local.install import DynamoDBLocalInstall, find_java

_PR_SET_PDEATHSIG = 1


def free_loopback_port() -> int:
    """A port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def port_is_busy(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return True
        return False


def terminate(process: subprocess.Popen[bytes], grace_seconds: float = 10) -> None:
    """SIGTERM, then SIGKILL if the child is still there after `grace_seconds`; reaps it."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=grace_seconds)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _die_with_parent() -> None:
    """Runs in the child before exec: ask the kernel to SIGKILL us when our parent dies."""
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)


class DynamoDBLocal:
    """One DynamoDB Local process on a loopback port; in memory or persisted under `db_path`."""

    def __init__(
        self,
        install: DynamoDBLocalInstall,
        *,
        port: int | None = None,
        db_path: Path | None = None,
        heap: str | None = None,
    ) -> None:
        self.install = install
        self.port = port if port is not None else free_loopback_port()
        self.db_path = db_path
        self.heap = heap
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process else None

    def exit_code(self) -> int | None:
        """None while the process runs (or was never started); its exit status once it died."""
        process = self._process
        return None if process is None else process.poll()

    def command(self, java: str) -> list[str]:
        """The JVM command line: a heap ceiling when one is configured (`-Xmx`), the port, and
        the storage (`-dbPath` or `-inMemory`)."""
        storage = ["-inMemory"]
        if self.db_path is not None:
            storage = ["-dbPath", str(self.db_path.resolve())]
        heap = [f"-Xmx{self.heap}"] if self.heap else []
        return [
            java,
            *heap,
            f"-Djava.library.path={self.install.native_libs}",
            "-jar",
            str(self.install.jar),
            "-port",
            str(self.port),
            *storage,
        ]

    def start(self, timeout: float = 120.0) -> None:
        """Start and wait until it answers HTTP; raise DynaguardError with the reason otherwise."""
        if port_is_busy("127.0.0.1", self.port):
            raise DynaguardError(
                f"port {self.port} is already in use; choose another or leave it unset"
            )
        java = find_java()
        if self.db_path is not None:
            self.db_path.mkdir(parents=True, exist_ok=True)
        command = self.command(java)
        # The child keeps its own handle on this (unlinked) file; ours is only for reading the
        # reason if it dies during start-up, and closes when start() returns.
        with tempfile.TemporaryFile() as stderr:
            self._process = subprocess.Popen(
                command,
                stdout=subprocess.DEVNULL,
                stderr=stderr,
                preexec_fn=_die_with_parent,
                cwd=self.install.home,
            )
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                if self._process.poll() is not None:
                    stderr.seek(0)
                    lines = stderr.read().decode(errors="replace").strip().splitlines()
                    last = lines[-1] if lines else "no output"
                    raise DynaguardError(f"DynamoDB Local exited at start: {last}")
                if self._answers():
                    return
                time.sleep(0.1)
        self.stop()
        raise DynaguardError(
            f"DynamoDB Local did not answer on port {self.port} within {timeout:g}s"
        )

    def _answers(self) -> bool:
        try:
            with urllib.request.urlopen(self.endpoint, timeout=0.5):
                return True
        except urllib.error.HTTPError:
            return True  # any HTTP answer (DynamoDB Local says 400 to a bare GET) means it is up
        except OSError:
            return False

    def stop(self) -> None:
        """Terminate, then kill if it lingers; safe to call twice."""
        process, self._process = self._process, None
        if process is not None:
            terminate(process)

    def __enter__(self) -> DynamoDBLocal:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()
