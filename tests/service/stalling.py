"""The tests' own fault-injecting endpoint: a small threaded HTTP proxy in front of DynamoDB Local.

It forwards every request to the engine, and can hold back the engine's answer to the first
requests of a chosen operation (after the engine has applied them) past the client's read
timeout, so botocore gives up on that attempt and resends a write that was already applied; or
hold every request (a stalled DynamoDB); or answer 500 to chosen requests without forwarding them
(a write that never reached the engine, as if it had crashed)."""

from __future__ import annotations

import http.client
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit


@dataclass
class StallPlan:
    """Which answers to hold back, and what the proxy saw."""

    operation: str | None = None
    delay_answers: int = 1
    delay_seconds: float = 0.0
    stall_all_seconds: float = 0.0
    refused: tuple[str, int, int] | None = None
    seen: list[str] = field(default_factory=list)
    released: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def count(self, operation: str) -> int:
        return self.seen.count(operation)

    def refuse(self, operation: str, skip: int, times: int) -> None:
        """Answer 500, unforwarded, to `times` requests of `operation` after the first `skip`."""
        with self.lock:
            self.seen.clear()
            self.refused = (operation, skip, times)

    def _refuses(self, operation: str) -> bool:
        if self.refused is None or self.refused[0] != operation:
            return False
        _, skip, times = self.refused
        return skip < self.count(operation) <= skip + times

    def arm(self, operation: str, delay_seconds: float, answers: int = 1) -> None:
        """Hold back the next `answers` answers to `operation` for `delay_seconds` each."""
        with self.lock:
            self.seen.clear()
            self.operation, self.delay_seconds, self.delay_answers = (
                operation,
                delay_seconds,
                answers,
            )


def _handler(engine: str, plan: StallPlan) -> type[BaseHTTPRequestHandler]:
    target = urlsplit(engine)

    class Proxy(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            operation = self.headers.get("X-Amz-Target", "").rpartition(".")[2]
            with plan.lock:
                plan.seen.append(operation)
                delay = plan.operation == operation and plan.count(operation) <= (
                    plan.delay_answers
                )
                refuse = plan._refuses(operation)
            if refuse:
                self.send_response(500)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            if plan.stall_all_seconds:
                plan.released.wait(plan.stall_all_seconds)
            upstream = http.client.HTTPConnection(target.hostname, target.port, timeout=30)
            headers = {k: v for k, v in self.headers.items() if k.lower() != "host"}
            upstream.request("POST", target.path or "/", body, headers)
            answer = upstream.getresponse()
            payload = answer.read()
            upstream.close()
            if delay:
                plan.released.wait(plan.delay_seconds)
            try:
                self.send_response(answer.status)
                for name, value in answer.getheaders():
                    if name.lower() not in {"transfer-encoding", "connection", "content-length"}:
                        self.send_header(name, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)
            except OSError:
                pass  # the client gave up on this attempt

        def log_message(self, format: str, *args: Any) -> None:
            return

    return Proxy


class _Server(ThreadingHTTPServer):
    request_queue_size = 1024  # a backlog for many connections at once (the default is 5)


@contextmanager
def stalling_proxy(engine: str, plan: StallPlan) -> Iterator[str]:
    """A proxy to `engine` following `plan`; yields its endpoint URL."""
    server = _Server(("127.0.0.1", 0), _handler(engine, plan))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        plan.released.set()
        server.shutdown()
        server.server_close()
