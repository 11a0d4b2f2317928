"""The operation model: one HTTP operation of the target, its parameters and body schema."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from dynaguard.probe.document import Document

_METHODS = ("get", "post", "put", "patch", "delete")
_PARAM = re.compile(r"\{([^}/]+)\}")
HEALTH_PATHS = frozenset({"/healthz", "/readyz", "/health", "/livez", "/ping"})
DOCS_PATHS = frozenset({"/docs", "/redoc", "/openapi.json", "/docs/oauth2-redirect"})


@dataclass(frozen=True)
class Param:
    """A path or query parameter and its (dereferenced) schema."""

    name: str
    location: str
    required: bool
    schema: dict[str, Any]


@dataclass
class Operation:
    """One method+path; `key` (`GET /items/{item_id}`) is how findings and policies name it."""

    method: str
    path: str
    operation_id: str | None
    tags: tuple[str, ...]
    params: list[Param] = field(default_factory=list)
    body_schema: dict[str, Any] | None = None
    summary: str = ""

    @property
    def key(self) -> str:
        return f"{self.method} {self.path}"

    @property
    def path_params(self) -> list[str]:
        return _PARAM.findall(self.path)

    @property
    def query_params(self) -> list[Param]:
        return [param for param in self.params if param.location == "query"]

    @property
    def is_object_route(self) -> bool:
        return bool(self.path_params)

    @property
    def is_health_or_docs(self) -> bool:
        return self.path in HEALTH_PATHS or self.path in DOCS_PATHS

    @property
    def prefix(self) -> str:
        """The static part of the path before the first parameter (`/org/items`)."""
        return self.path.split("{", 1)[0].rstrip("/")

    def matches(self, path: str) -> dict[str, str] | None:
        """Extract path parameter values if a concrete path (e.g. a Location) fits this template."""
        pattern = "^" + _PARAM.sub(lambda m: f"(?P<{_group(m.group(1))}>[^/]+)", self.path) + "/?$"
        found = re.match(pattern, path)
        if found is None:
            return None
        return {name: found.group(_group(name)) for name in self.path_params}

    def render(self, values: dict[str, str]) -> str:
        return _PARAM.sub(lambda m: _quote(values[m.group(1)]), self.path)


def _group(name: str) -> str:
    return "p_" + re.sub(r"\W", "_", name)


def _quote(value: str) -> str:
    from urllib.parse import quote

    return quote(value, safe="")


def read_operations(document: Document) -> list[Operation]:
    """All operations in document order, with path-level parameters merged into each."""
    operations: list[Operation] = []
    for path, item in document.raw["paths"].items():
        item = document.deref(item)
        if not isinstance(item, dict):
            continue
        shared = item.get("parameters") or []
        for method in _METHODS:
            raw = document.deref(item.get(method))
            if not isinstance(raw, dict):
                continue
            operations.append(_operation(document, str(path), method.upper(), raw, shared))
    return operations


def _operation(
    document: Document, path: str, method: str, raw: dict[str, Any], shared: list[Any]
) -> Operation:
    params: dict[tuple[str, str], Param] = {}
    for spec in [*shared, *(raw.get("parameters") or [])]:
        spec = document.deref(spec)
        if not isinstance(spec, dict) or "name" not in spec:
            continue
        location = str(spec.get("in", "query"))
        schema = document.deref(spec.get("schema") or {})
        params[(location, spec["name"])] = Param(
            str(spec["name"]), location, bool(spec.get("required")), schema
        )
    body_schema: dict[str, Any] | None = None
    body = document.deref(raw.get("requestBody"))
    if isinstance(body, dict):
        content = body.get("content") or {}
        media = content.get("application/json") or next(iter(content.values()), None)
        if isinstance(media, dict):
            body_schema = document.deref(media.get("schema") or {})
    tags = tuple(str(tag) for tag in raw.get("tags") or ())
    return Operation(
        method=method,
        path=path,
        operation_id=raw.get("operationId"),
        tags=tags,
        params=list(params.values()),
        body_schema=body_schema,
        summary=str(raw.get("summary") or ""),
    )
