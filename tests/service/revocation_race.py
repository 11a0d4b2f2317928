"""Not a test: the race both revocation tests run. Four threads of one caller PATCH (and every
third request GET) a shared item without pause; once eight PATCHes got through, `revoke` is sent;
the threads go on until forty requests have started after its answer arrived."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from .conftest import Headers, Service


@dataclass(frozen=True)
class Attempt:
    started: float
    status: int
    """A PATCH's status; a GET's status negated (`-404`), so the two can be told apart."""


@dataclass(frozen=True)
class Race:
    attempts: list[Attempt]
    revoked_at: float
    """When the revocation's answer arrived."""

    @property
    def late(self) -> list[Attempt]:
        """The requests that started after the revocation had answered."""
        return [a for a in self.attempts if a.started > self.revoked_at]

    @property
    def patched(self) -> int:
        return sum(1 for a in self.attempts if a.status == 200)


def race_against(service: Service, path: str, caller: Headers, revoke: Callable[[], int]) -> Race:
    """Run the race; `revoke` sends the revocation and returns its status, which must be 204."""
    attempts: list[Attempt] = []
    lock = threading.Lock()
    stop = threading.Event()
    enough_late = threading.Event()
    revoked_at: list[float] = []

    def hammer(thread: int) -> None:
        n = 0
        while not stop.is_set():
            started = time.perf_counter()
            if n % 3 == 2:
                status = -service.http.get(path, headers=caller).status_code
            else:
                body = {"name": f"t{thread}-{n}"}
                status = service.http.patch(path, json=body, headers=caller).status_code
            with lock:
                attempts.append(Attempt(started, status))
                late = [a for a in attempts if revoked_at and a.started > revoked_at[0]]
                if len(late) >= 40:
                    enough_late.set()
            n += 1

    with ThreadPoolExecutor(max_workers=4) as pool:
        futures = [pool.submit(hammer, thread) for thread in range(4)]
        deadline = time.monotonic() + 120
        while sum(1 for a in list(attempts) if a.status == 200) < 8:
            assert time.monotonic() < deadline, "no PATCH succeeded before the revocation"
            time.sleep(0.01)
        status = revoke()
        revoked_at.append(time.perf_counter())
        assert status == 204
        assert enough_late.wait(120), "the caller's threads stopped sending"
        stop.set()
        for future in futures:
            future.result()
    return Race(attempts, revoked_at[0])
