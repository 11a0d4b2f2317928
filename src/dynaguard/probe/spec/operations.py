"""The operation model: one HTTP operation of the target, its parameters and body schema."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from dynaguard.probe.spec.document import Document

_METHODS = ("get", "post", "put", "patch", "delete")
_PARAM = re.compile(r"\{([^}/]+)\}")
_NOT_RESOURCE = re.compile(r"^(v\d+(\.\d+)*|api|rest|public|private)$", re.I)
HEALTH_WORDS = frozenset(
    {
        "health", "healthz", "healthcheck", "health-check", "health_check", "readyz", "ready",
        "readiness", "livez", "live", "liveness", "alive", "ping", "status", "version", "metrics",
        "heartbeat", "info",
    }
)  # fmt: skip
DOCS_WORDS = frozenset(
    {
        "docs", "redoc", "openapi.json", "openapi.yaml", "openapi", "swagger.json", "swagger.yaml",
        "swagger", "swagger-ui", "api-docs", "oauth2-redirect", "favicon.ico", "robots.txt",
    }
)  # fmt: skip


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
    security: list[Any] | None = None
    extra: bool = False
    body_fields: list[str] = field(default_factory=list)
    body_media: str = "application/json"

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
        """Health probes and documentation by any of their usual names, at any prefix depth."""
        if self.path_params:
            return False
        segments = self.static_segments
        if not segments:
            return False
        if segments[-1].lower() in HEALTH_WORDS | DOCS_WORDS:
            return True
        return any(part.lower() in DOCS_WORDS for part in segments)

    @property
    def static_segments(self) -> list[str]:
        return [part for part in self.path.split("/") if part and "{" not in part]

    @property
    def declared_public(self) -> bool:
        """The document states no security requirement for this operation (own or global):
        only then may an answer equal to the anonymous one be judged public by design."""
        requirements = self.security or []
        if any(req == {} for req in requirements):
            return True  # `security: [{}, {bearer: []}]`: authentication is optional
        return not any(isinstance(req, dict) and req for req in requirements)

    @property
    def collection(self) -> str:
        """The resource the path names last (`/projects/{p}/tasks/{t}` → `task`); version and
        `api` segments do not name a resource (`/books/v1/{book_title}` → `book`)."""
        segments = [s for s in self.static_segments if not _NOT_RESOURCE.match(s)]
        return singular(segments[-1]) if segments else ""

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


def singular(word: str) -> str:
    """`tasks` → `task`, `categories` → `category`, `addresses` → `address` (good enough)."""
    word = re.sub(r"[^a-z0-9]", "", word.lower())
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("sses", "xes", "ches", "shes")):
        return word[:-2]
    if word.endswith("s") and not word.endswith("ss") and len(word) > 3:
        return word[:-1]
    return word


def _group(name: str) -> str:
    return "p_" + re.sub(r"\W", "_", name)


def _quote(value: str) -> str:
    from urllib.parse import quote

    return quote(value, safe="")


def read_operations(document: Document) -> list[Operation]:
    """All operations in document order, with path-level parameters merged into each."""
    operations: list[Operation] = []
    top = document.raw.get("security")
    for path, item in document.raw["paths"].items():
        item = document.deref(item)
        if not isinstance(item, dict):
            continue
        shared = item.get("parameters") or []
        for method in _METHODS:
            raw = document.deref(item.get(method))
            if not isinstance(raw, dict):
                continue
            operation = _operation(document, str(path), method.upper(), raw, shared)
            own = raw.get("security")
            operation.security = (
                own if isinstance(own, list) else (top if isinstance(top, list) else None)
            )
            operations.append(operation)
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
    body_media = "application/json"
    body = document.deref(raw.get("requestBody"))
    if isinstance(body, dict):
        content = body.get("content") or {}
        json_types = [name for name in content if "json" in str(name)]
        body_media = str(json_types[0] if json_types else next(iter(content), body_media))
        media = content.get(body_media)
        if isinstance(media, dict):
            body_schema = document.deref(media.get("schema") or {})
    tags = tuple(str(tag) for tag in raw.get("tags") or ())
    fields = _fields(document, body_schema)
    return Operation(
        method=method,
        path=path,
        operation_id=raw.get("operationId"),
        tags=tags,
        params=list(params.values()),
        body_schema=body_schema,
        summary=str(raw.get("summary") or ""),
        body_fields=fields,
        body_media=body_media,
    )


def _fields(document: Document, schema: Any) -> list[str]:
    """Field names of a JSON body, looking inside a one-key envelope (`{"user": {...}}`)."""
    schema = document.deref(schema)
    if not isinstance(schema, dict):
        return []
    for part in schema.get("allOf") or ():
        part = document.deref(part)
        if isinstance(part, dict):
            schema = {**schema, "properties": {**(schema.get("properties") or {}),
                                               **(part.get("properties") or {})}}  # fmt: skip
    props = schema.get("properties") or {}
    if len(props) == 1:
        inner = document.deref(next(iter(props.values())))
        if isinstance(inner, dict) and inner.get("properties"):
            return [str(name) for name in inner["properties"]]
    return [str(name) for name in props]
