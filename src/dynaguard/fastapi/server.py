"""Server-level bounds for uvicorn: what no ASGI middleware can enforce, because it happens before
the application is called. A header block is bounded in size and in time; an idle connection is
closed; connections waiting to be accepted are accepted even while the event loop is busy.
`uvicorn_limits(settings)` is the one place that turns settings into uvicorn arguments.

uvicorn's default HTTP parser (httptools) buffers a header block of any size and waits for its
end forever: six connections sending a 64 MiB header grew the process by ~400 MiB, and a client
that sent half a header held its connection open indefinitely. h11 bounds the buffer
(`h11_max_incomplete_event_size`); `BoundedH11Protocol` adds the missing clock.

The event loop is asyncio's, not uvloop (which uvicorn picks when it is installed): libuv, under
uvloop, accepts one connection per turn of the loop, so under overload a turn that answers
hundreds of requests lets one new connection in. With DynamoDB stalled and 1,024 connections,
about 700 of them waited in the kernel's accept queue for the whole 10 s run (the answer to
their first request took 10-12 s; p99 of all answers 10.1-10.3 s) while the rest were answered
in about 0.1 s. asyncio accepts every waiting connection (up to the listen backlog) when the
listening socket is ready, so each connection waits its turn like the others: p99 1.7-1.9 s,
the slowest 2.7 s (README, "Overload keeps a bounded tail")."""

from __future__ import annotations

import asyncio
import functools
import json
from typing import TYPE_CHECKING, Any

from uvicorn.protocols.http.h11_impl import H11Protocol

from dynaguard.config import Settings

if TYPE_CHECKING:
    from uvicorn._types import ASGI3Application, ASGIReceiveCallable, ASGISendCallable, Scope
    from uvicorn.config import Config
    from uvicorn.server import ServerState

_H11_DEFAULT_LIMIT = 16 * 1024
_TOO_LARGE = "request headers are too large"
_REASONS = {408: b"Request Timeout", 431: b"Request Header Fields Too Large"}


def _error_bytes(status: int, detail: str) -> bytes:
    """A whole HTTP/1.1 error response that closes the connection, JSON like every other error."""
    body = json.dumps({"detail": detail}, separators=(",", ":")).encode()
    head = (
        b"HTTP/1.1 %d %s\r\ncontent-type: application/json\r\ncontent-length: %d\r\n"
        b"connection: close\r\n\r\n" % (status, _REASONS[status], len(body))
    )
    return head + body


class _HeadSizeLimit:
    """h11 bounds a head that arrives in pieces; one that arrives in a single read (up to the
    event loop's read size) is parsed whole. This refuses such a head before the app sees it."""

    def __init__(self, app: ASGI3Application, max_bytes: int) -> None:
        self._app = app
        self._max = max_bytes

    async def __call__(
        self, scope: Scope, receive: ASGIReceiveCallable, send: ASGISendCallable
    ) -> None:
        if scope["type"] == "http":
            size = len(scope["raw_path"]) + len(scope["query_string"])
            size += sum(len(name) + len(value) + 4 for name, value in scope["headers"])
            if size > self._max:
                body = json.dumps({"detail": _TOO_LARGE}, separators=(",", ":")).encode()
                headers = [
                    (b"content-type", b"application/json"),
                    (b"content-length", b"%d" % len(body)),
                    (b"connection", b"close"),
                ]
                await send({"type": "http.response.start", "status": 431, "headers": headers})
                await send({"type": "http.response.body", "body": body, "more_body": False})
                return
        await self._app(scope, receive, send)


class BoundedH11Protocol(H11Protocol):
    """uvicorn's h11 protocol with a deadline for receiving each request's head.

    The clock starts when the connection opens, and again at the first byte that arrives while
    no request is being answered; it stops when a complete request head has arrived (from then
    on the app's body deadline, `dynaguard.fastapi.limits.BodyDeadline`, applies). An idle
    keep-alive connection is closed by uvicorn's keep-alive timeout as before. When the clock
    runs out, a client that sent part of a request gets a 408 and the connection is closed; one
    that sent nothing is just closed. A head over the h11 buffer limit gets a 431 instead of
    uvicorn's generic 400."""

    header_timeout: float = 10.0

    _header_deadline: asyncio.TimerHandle | None = None

    def __init__(
        self,
        config: Config,
        server_state: ServerState,
        app_state: dict[str, Any],
        _loop: asyncio.AbstractEventLoop | None = None,
    ) -> None:
        super().__init__(config, server_state, app_state, _loop)
        self.app = _HeadSizeLimit(self.app, self._max_head_bytes())

    def _max_head_bytes(self) -> int:
        return self.config.h11_max_incomplete_event_size or _H11_DEFAULT_LIMIT

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm_header_deadline()

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_header_deadline()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self._header_deadline is None and not self._answering():
            self._arm_header_deadline()
        super().data_received(data)

    def handle_events(self) -> None:
        cycle = self.cycle
        super().handle_events()
        if self.cycle is not cycle:  # a complete request head arrived: the app takes over
            self._cancel_header_deadline()

    def send_400_response(self, msg: str) -> None:
        buffered, _ = self.conn.trailing_data
        if len(buffered) > self._max_head_bytes():
            self._reply_and_close(431, _TOO_LARGE)
            return
        super().send_400_response(msg)

    def _answering(self) -> bool:
        return self.cycle is not None and not self.cycle.response_complete

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
        if self._answering():
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


class EnvironmentBoundedH11Protocol(BoundedH11Protocol):
    """`BoundedH11Protocol` whose header deadline comes from the environment's settings: for
    worker processes (`serve --workers N`), to which uvicorn passes the protocol by import name,
    so a configured subclass cannot cross the process boundary."""

    def __init__(
        self,
        config: Config,
        server_state: ServerState,
        app_state: dict[str, Any],
        _loop: asyncio.AbstractEventLoop | None = None,
    ) -> None:
        super().__init__(config, server_state, app_state, _loop)
        self.header_timeout = _header_timeout_from_environment()


@functools.cache
def _header_timeout_from_environment() -> float:
    return Settings().header_timeout_seconds


EVENT_LOOP = "asyncio"


def uvicorn_limits(settings: Settings, *, workers: int = 1) -> dict[str, Any]:
    """Keyword arguments for `uvicorn.Config`/`uvicorn.run` that bound what one client can hold:
    header size and time, and idle keep-alive; and the event loop that accepts connections fairly
    under overload (`EVENT_LOOP`). The body's size and time and the number of requests in flight
    are bounded inside the app (`attach_dynaguard`), so they hold under any server. With several
    workers the protocol is named, and each worker reads its settings from the environment (as
    `serve --workers` passes them)."""
    protocol: type[BoundedH11Protocol] | str = bounded_h11(settings.header_timeout_seconds)
    if workers > 1:
        protocol = f"{__name__}:EnvironmentBoundedH11Protocol"
    return {
        "http": protocol,
        "h11_max_incomplete_event_size": settings.max_header_bytes,
        "timeout_keep_alive": settings.keep_alive_timeout_seconds,
        "loop": EVENT_LOOP,
    }
