"""JSON numbers kept exact on the way in and out.

Python's `json` reads `0.12345678901234567890123` as a float (0.12345678901234568) and `1e-400`
as 0.0, before any model or codec sees them, so a service would store a number other than the
one it was sent. `ExactJSONRoute` parses request bodies with every non-integer number as a
`Decimal` (integers are exact already); the store then stores it digit for digit or refuses it
with 422 (beyond 38 digits or DynamoDB's range). `ExactJSONResponse` writes a `Decimal` back as
the same JSON number, so a response shows what was stored."""

from __future__ import annotations

import json
from collections.abc import Callable, Coroutine
from decimal import Decimal
from typing import Any

from fastapi import Request, Response
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute

_SEPARATORS = (",", ":")


class ExactJSONRequest(Request):
    """A request whose JSON body keeps non-integer numbers as `Decimal`."""

    async def json(self) -> Any:
        if not hasattr(self, "_json"):
            self._json = json.loads(await self.body(), parse_float=Decimal)
        return self._json


class ExactJSONRoute(APIRoute):
    """A route that parses its JSON body with `ExactJSONRequest`:
    `APIRouter(route_class=ExactJSONRoute)`."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def exact_handler(request: Request) -> Response:
            return await handler(ExactJSONRequest(request.scope, request.receive))

        return exact_handler


class _HasDecimal(Exception):
    """Raised by the fast encoder's `default` hook: the value needs the exact encoder."""


def _as_float_if_same_text(value: Any) -> Any:
    """A `Decimal` whose float prints the same digits (`12.34`, most stored numbers) is handed
    back as that float, so the C encoder writes the very text `str(value)` would; any other
    `Decimal` needs the exact encoder."""
    if isinstance(value, Decimal):
        as_float = float(value)
        if repr(as_float) == str(value):
            return as_float
        raise _HasDecimal
    raise TypeError(type(value).__name__)


def exact_dumps(content: Any) -> bytes:
    """`content` as compact UTF-8 JSON, each `Decimal` written as the number it holds."""
    try:
        return json.dumps(
            content,
            ensure_ascii=False,
            allow_nan=False,
            separators=_SEPARATORS,
            default=_as_float_if_same_text,
        ).encode()
    except _HasDecimal:
        parts: list[str] = []
        _encode(content, parts)
        return "".join(parts).encode()


def _encode(value: Any, parts: list[str]) -> None:
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError("a JSON number must be finite")
        parts.append(str(value))
    elif isinstance(value, dict):
        parts.append("{")
        for index, (key, item) in enumerate(value.items()):
            parts.append("," if index else "")
            parts.append(json.dumps(str(key), ensure_ascii=False) + ":")
            _encode(item, parts)
        parts.append("}")
    elif isinstance(value, list | tuple):
        parts.append("[")
        for index, item in enumerate(value):
            parts.append("," if index else "")
            _encode(item, parts)
        parts.append("]")
    else:
        parts.append(json.dumps(value, ensure_ascii=False, allow_nan=False))


class ExactJSONResponse(JSONResponse):
    """A JSON response that writes `Decimal` numbers exactly (see `exact_dumps`)."""

    def render(self, content: Any) -> bytes:
        return exact_dumps(content)
