"""Server-level bounds for uvicorn: what no ASGI middleware can enforce, because it happens before
the application is called. A header block is bounded in size and in time; an idle connection is
closed. `uvicorn_limits(settings)` is the one place that turns settings into uvicorn arguments.

uvicorn's default HTTP parser (httptools) buffers a header block of any size and waits for its
end forever: six connections sending a 64 MiB header grew the process by ~400 MiB, and a client
that sent half a header held its connection open indefinitely. h11 bounds the buffer
(`h11_max_incomplete_event_size`); `BoundedH11Protocol` adds the missing clock."""

from __future__ import annotations

import asyncio
import json
from typing import TYPE_CHECKING, Any

from uvicorn.protocols.http.h11_impl import H11Protocol

if TYPE_CHECKING:
    from dynaguard.config import Settings

_H11_DEFAULT_LIMIT = 16 * 1024
_REASONS = {408: b"Request Timeout", 431: b"Request Header Fields Too Large"}


def _error_bytes(status: int, detail: str) -> bytes:
    """A whole HTTP/1.1 error response that closes the connection, JSON like every other error."""
    body = json.dumps({"detail": detail}, separators=(",", ":")).encode()
    head = (
        b"HTTP/1.1 %d %s\r\ncontent-type: application/json\r\ncontent-length: %d\r\n"
        b"connection: close\r\n\r\n" % (status, _REASONS[status], len(body))
    )
    return head + body


class BoundedH11Protocol(H11Protocol):
    """uvicorn's h11 protocol with a deadline for receiving each request's header block.

    The clock starts when the connection opens and again after each response, and stops when a
    complete request head has arrived (from then on the body deadline of
    `dynaguard.fastapi.limits.BodyDeadline` applies). When it runs out, a client that sent part of
    a request gets a 408 and the connection is closed; one that sent nothing is just closed. A
    header block over the h11 buffer limit gets a 431 instead of uvicorn's generic 400."""

    header_timeout: float = 10.0

    _header_deadline: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm_header_deadline()

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_header_deadline()
        super().connection_lost(exc)

    def on_response_complete(self) -> None:
        # armed before the parent runs, because it may parse a pipelined request at once
        self._arm_header_deadline()
        super().on_response_complete()

    def handle_events(self) -> None:
        cycle = self.cycle
        super().handle_events()
        if self.cycle is not cycle:  # a complete request head arrived: the app takes over
            self._cancel_header_deadline()

    def send_400_response(self, msg: str) -> None:
        buffered, _ = self.conn.trailing_data
        if len(buffered) > (self.config.h11_max_incomplete_event_size or _H11_DEFAULT_LIMIT):
            self._reply_and_close(431, "request headers are too large")
            return
        super().send_400_response(msg)

    def _arm_header_deadline(self) -> None:
        self._cancel_header_deadline()
        self._header_deadline = self.loop.call_later(self.header_timeout, self._header_timed_out)

    def _cancel_header_deadline(self) -> None:
        if self._header_deadline is not None:
            self._header_deadline.cancel()
            self._header_deadline = None

    def _header_timed_out(self) -> None:
        self._header_deadline = None
        if self.transport.is_closing():
            return
        if self.cycle is not None and not self.cycle.response_complete:
            return  # the app is answering a request; the body deadline bounds it
        buffered, _ = self.conn.trailing_data
        if buffered:
            self.logger.warning("Closing a connection whose request head did not arrive in time.")
            self._reply_and_close(408, "the request headers did not arrive in time")
        else:
            self.transport.close()

    def _reply_and_close(self, status: int, detail: str) -> None:
        self.transport.write(_error_bytes(status, detail))
        self.transport.close()


def bounded_h11(header_timeout: float) -> type[BoundedH11Protocol]:
    """`BoundedH11Protocol` with its header deadline set (uvicorn takes a protocol class)."""
    return type("BoundedH11Protocol", (BoundedH11Protocol,), {"header_timeout": header_timeout})


def uvicorn_limits(settings: Settings) -> dict[str, Any]:
    """Keyword arguments for `uvicorn.Config`/`uvicorn.run` that bound what one client can hold:
    header size and time, and idle keep-alive. The body's size and time and the number of
    requests in flight are bounded inside the app (`attach_dynaguard`), so they hold under any
    server."""
    return {
        "http": bounded_h11(settings.header_timeout_seconds),
        "h11_max_incomplete_event_size": settings.max_header_bytes,
        "timeout_keep_alive": settings.keep_alive_timeout_seconds,
    }
