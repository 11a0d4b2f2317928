"""Keep the embedded DynamoDB Local running: if the JVM dies (crash, OOM kill, `kill -9`), start
it again on the same port and `-dbPath` with exponential backoff, and say so in the log.

Without this, every data route answered 503 until `serve` was restarted while `/healthz` stayed
200. The port stays the same so the app's DynamoDB client needs no new endpoint; the data
directory lock is held by `serve` throughout, so no other process can take the files meanwhile."""

from __future__ import annotations

import logging
import threading
import time
from types import TracebackType

from dynaguard.errors import DynaguardError
from dynaguard.local.process import DynamoDBLocal

log = logging.getLogger("dynaguard.local")


class EngineSupervisor:
    """Watch one started `DynamoDBLocal` from a daemon thread and restart it when it exits.

    The thread that restarts the JVM must outlive it (the child's parent-death signal is bound
    to the thread that forked it), so the thread runs until `stop()`, which stops the engine
    itself."""

    def __init__(
        self,
        engine: DynamoDBLocal,
        *,
        poll_seconds: float = 0.25,
        first_backoff: float = 0.5,
        max_backoff: float = 30.0,
        healthy_after: float = 60.0,
    ) -> None:
        self.engine = engine
        self.poll_seconds = poll_seconds
        self.first_backoff = first_backoff
        self.max_backoff = max_backoff
        self.healthy_after = healthy_after
        self.restarts = 0
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._watch, name="dynamodb-local", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        """Stop watching, then stop the engine (in the watching thread, which forked it)."""
        self._stopping.set()
        if self._thread.is_alive():
            self._thread.join()
        else:
            self.engine.stop()

    def _watch(self) -> None:
        backoff = self.first_backoff
        up_since = time.monotonic()
        try:
            while not self._stopping.wait(self.poll_seconds):
                code = self.engine.exit_code()
                if code is None and self.engine.pid is not None:
                    if time.monotonic() - up_since >= self.healthy_after:
                        backoff = self.first_backoff  # a long healthy run resets the backoff
                    continue
                # pid None: a restart that timed out was stopped, so it is down as well
                log.warning(
                    "DynamoDB Local (pid %s) exited with status %s; restarting in %gs",
                    self.engine.pid,
                    code,
                    backoff,
                )
                if self._stopping.wait(backoff):
                    break
                backoff = min(backoff * 2, self.max_backoff)
                try:
                    self.engine.start()
                except DynaguardError as error:
                    log.warning("DynamoDB Local did not restart: %s", error)
                    continue
                self.restarts += 1
                up_since = time.monotonic()
                log.warning(
                    "DynamoDB Local restarted (pid %s) on %s", self.engine.pid, self.engine.endpoint
                )
        finally:
            self.engine.stop()

    def __enter__(self) -> EngineSupervisor:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()
