"""Request bodies are bounded in size and in time, as pure ASGI middleware (so the bounds hold
under any ASGI server): 413 before a large body is read into memory, 408 when a body stops
arriving. Both answer with `Connection: close`, since the rest of the body is never read. A
body is received whole before the app and its load shedding see the request (`BodyFirst`).

The refusals are raised from inside `receive()` as `HTTPException`s on purpose: FastAPI parses
a JSON body inside the route and turns any other exception raised while reading it into a 400
"There was an error parsing the body" (that is how a chunked body over the limit became a 400).
An `HTTPException` passes through that parsing and is answered by the app's exception
middleware, in the same `{"detail": ...}` shape as every other error."""

from __future__ import annotations

import json

import anyio
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

_CLOSE = {"Connection": "close"}


def may_stream_a_body(scope: Scope) -> bool:
    """Whether a body may still be on its way: over HTTP/1.x, only when the request has a
    `Transfer-Encoding` or a `Content-Length` other than 0 (without either it has none, RFC 9112
    6.3); over HTTP/2 and later always, since a body needs neither header there. A `GET` thus
    skips the body deadline's timer, which every request paid for, shed ones included."""
    if scope.get("http_version", "1.1") not in {"1.0", "1.1"}:
        return True
    for name, value in scope["headers"]:
        if name == b"transfer-encoding" or (name == b"content-length" and value != b"0"):
            return True
    return False


class BodyTooLarge(HTTPException):
    """The body exceeded the limit (announced or counted while it streamed)."""

    def __init__(self, max_bytes: int) -> None:
        detail = f"request body is larger than {max_bytes} bytes"
        super().__init__(status_code=413, detail=detail, headers=_CLOSE)


class BodyTimeout(HTTPException):
    """The body did not arrive completely within the deadline."""

    def __init__(self) -> None:
        detail = "the request body did not arrive in time"
        super().__init__(status_code=408, detail=detail, headers=_CLOSE)


class BodySizeLimit:
    """Refuse bodies over `max_bytes`, whether announced by Content-Length or streamed."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self._app = app
        self._max = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        for name, value in scope["headers"]:
            if name == b"content-length" and (not value.isdigit() or int(value) > self._max):
                await _refuse(send, BodyTooLarge(self._max))
                return
        seen = 0

        async def counting_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self._max:
                    raise BodyTooLarge(self._max)
            return message

        await _answer_escaped(self._app, scope, counting_receive, send, BodyTooLarge)


class BodyDeadline:
    """Refuse a body that has not arrived completely `seconds` after the request head.

    Only waits for body chunks are bounded: once the body is complete, later `receive()` calls
    (a route listening for the client's disconnect) are passed through untouched. The request
    head itself is bounded by the server (`dynaguard.fastapi.server`)."""

    def __init__(self, app: ASGIApp, seconds: float) -> None:
        self._app = app
        self._seconds = seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not may_stream_a_body(scope):
            await self._app(scope, receive, send)
            return
        deadline = anyio.current_time() + self._seconds
        complete = False

        async def bounded_receive() -> Message:
            nonlocal complete
            if complete:
                return await receive()
            try:
                with anyio.fail_after(max(deadline - anyio.current_time(), 0)):
                    message = await receive()
            except TimeoutError:
                raise BodyTimeout from None
            complete = message["type"] != "http.request" or not message.get("more_body", False)
            return message

        await _answer_escaped(self._app, scope, bounded_receive, send, BodyTimeout)


class BodyFirst:
    """Receive the whole body before the app (and the load shedding in front of it) sees the
    request, then hand it over in one piece.

    A request holds a slot of `ConcurrencyLimit`, and then a worker thread, only once its head
    and body have arrived: until then it costs a coroutine and a buffer of at most the body
    limit, so slow or silent clients (with or without a token) cannot fill the slots that
    complete requests need. Sits inside `BodyDeadline` and `BodySizeLimit`, which bound the
    wait; later `receive()` calls (a route listening for a disconnect) go to the server."""

    def __init__(self, app: ASGIApp) -> None:
        self._app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        chunks: list[bytes] = []
        while True:
            message = await receive()
            if message["type"] != "http.request":  # the client left before its body arrived
                return
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                break
        whole: Message | None = {"type": "http.request", "body": b"".join(chunks)}

        async def replay() -> Message:
            nonlocal whole
            if whole is not None:
                message, whole = whole, None
                return message
            return await receive()

        await self._app(scope, replay, send)


async def _answer_escaped(
    app: ASGIApp, scope: Scope, receive: Receive, send: Send, refusal: type[HTTPException]
) -> None:
    """Run `app`; if `refusal` escapes it (an app without Starlette's exception middleware)
    before a response started, answer it here."""
    started = False

    async def tracking_send(message: Message) -> None:
        nonlocal started
        started = started or message["type"] == "http.response.start"
        await send(message)

    try:
        await app(scope, receive, tracking_send)
    except refusal as error:
        if started:
            raise
        await _refuse(send, error)


async def _refuse(send: Send, error: HTTPException) -> None:
    body = json.dumps({"detail": error.detail}, separators=(",", ":")).encode()
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", b"%d" % len(body)),
        (b"connection", b"close"),
    ]
    await send({"type": "http.response.start", "status": error.status_code, "headers": headers})
    await send({"type": "http.response.body", "body": body})
