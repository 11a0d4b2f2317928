"""Request ids: every request gets one, every response echoes it in `X-Request-ID`, and every log
record written while the request is handled carries it as `record.request_id`.

A sane incoming id (from a proxy or the client, so one id follows a call across services) is
kept; anything else (missing, too long, odd characters that could forge log lines) is replaced
by a fresh one. The id lives in a context variable, which the thread pool copies into the
worker thread, so sync routes and the DynamoDB calls they make log it too."""

from __future__ import annotations

import logging
import re
import uuid
from contextvars import ContextVar
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

HEADER = "X-Request-ID"
_SANE = re.compile(r"[A-Za-z0-9._:-]{1,128}")
_current: ContextVar[str | None] = ContextVar("dynaguard_request_id", default=None)


def current_request_id() -> str | None:
    """The id of the request being handled in this context; None outside a request."""
    return _current.get()


def accepted_id(incoming: bytes | None) -> str:
    """The incoming id when it is sane, a new UUID otherwise."""
    if incoming is not None:
        text = incoming.decode("latin-1")
        if _SANE.fullmatch(text):
            return text
    return uuid.uuid4().hex


class RequestId:
    """Pure ASGI middleware: accept or mint the request id, expose it, echo it."""

    def __init__(self, app: ASGIApp) -> None:
        self._app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        incoming = next((v for k, v in scope["headers"] if k == b"x-request-id"), None)
        request_id = accepted_id(incoming)
        scope.setdefault("state", {})["request_id"] = request_id
        raw = request_id.encode()

        async def echoing_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", []) if k != b"x-request-id"]
                message = {**message, "headers": [*headers, (b"x-request-id", raw)]}
            await send(message)

        token = _current.set(request_id)
        try:
            await self._app(scope, receive, echoing_send)
        finally:
            _current.reset(token)


class RequestIdFilter(logging.Filter):
    """Sets `record.request_id` ("-" outside a request) so formats can use `%(request_id)s`."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = _current.get() or "-"
        return True


_installed = False


def install_request_id_logging() -> None:
    """Give every log record of the process a `request_id` attribute, whatever its logger or
    handler (a filter on one logger would miss its children). Idempotent."""
    global _installed
    if _installed:
        return
    previous = logging.getLogRecordFactory()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        record.request_id = _current.get() or "-"
        return record

    logging.setLogRecordFactory(factory)
    _installed = True
