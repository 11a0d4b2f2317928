"""Hidden routes: operations not in the OpenAPI, from a HAR file recorded in a browser or from a
list of `METHOD /path` lines, so they are replayed as every identity (like Autorize)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from dynaguard.probe.errors import ProbeError
from dynaguard.probe.spec.operations import Operation, Param

_LINE = re.compile(r"^(GET|POST|PUT|PATCH|DELETE)\s+(/\S*)$", re.I)
_VERSION = re.compile(r"^v\d+$", re.I)


def template(path: str) -> str:
    """Recorded paths carry concrete ids (`/notes/n1`, `/orders/1042`): turn segments with a digit
    into parameters so the probe feeds each identity's own ids, as for documented routes."""
    parts = []
    count = 0
    for part in path.split("/"):
        if part and any(c.isdigit() for c in part) and not _VERSION.match(part) and "{" not in part:
            count += 1
            parts.append("{id}" if count == 1 else f"{{id{count}}}")
        else:
            parts.append(part)
    return "/".join(parts)


def _operation(method: str, url: str, body: Any = None) -> Operation:
    parts = urlsplit(url)
    path = template(parts.path or "/")
    params = [
        Param(pair.split("=", 1)[0], "query", True, {"type": "string"})
        for pair in parts.query.split("&")
        if pair and "=" in pair
    ]
    schema = _schema_of(body) if body is not None else None
    return Operation(
        method.upper(), path, None, ("extra",), params, schema, "recorded", [{"extra": []}], True
    )


def _schema_of(value: Any) -> dict[str, Any]:
    """A schema that regenerates the recorded body's shape (values become canaries)."""
    if isinstance(value, dict):
        return {
            "type": "object",
            "properties": {k: _schema_of(v) for k, v in value.items()},
            "required": list(value),
        }
    if isinstance(value, list):
        return {"type": "array", "items": _schema_of(value[0]) if value else {}}
    if isinstance(value, bool):
        return {"type": "boolean"}
    if isinstance(value, (int, float)):
        return {"type": "integer" if isinstance(value, int) else "number"}
    return {"type": "string"}


def _from_har(raw: Any, source: Path) -> list[Operation]:
    entries = raw.get("log", {}).get("entries") if isinstance(raw, dict) else None
    if not isinstance(entries, list):
        raise ProbeError(f"bad HAR {source}: no log.entries")
    found = []
    for entry in entries:
        request = entry.get("request") if isinstance(entry, dict) else None
        if not isinstance(request, dict) or "url" not in request:
            continue
        body = None
        text = (request.get("postData") or {}).get("text")
        if text:
            try:
                body = json.loads(text)
            except ValueError:
                body = None
        if str(request.get("method", "")).upper() in ("GET", "POST", "PUT", "PATCH", "DELETE"):
            found.append(_operation(str(request["method"]), str(request["url"]), body))
    return found


def extra_operations(source: Path) -> list[Operation]:
    """Read a `.har` file or a `METHOD /path` list (# comments allowed); one line per error."""
    try:
        text = source.read_text(encoding="utf-8")
    except OSError as error:
        raise ProbeError(f"cannot read {source}: {error.strerror or error}") from None
    if source.suffix.lower() == ".har" or text.lstrip().startswith("{"):
        try:
            return _from_har(json.loads(text), source)
        except ValueError:
            raise ProbeError(f"bad HAR {source}: not JSON") from None
    found = []
    for number, line in enumerate(text.splitlines(), 1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        match = _LINE.match(line)
        if match is None:
            raise ProbeError(f"bad {source} line {number}: expected `METHOD /path`")
        found.append(_operation(match.group(1), match.group(2)))
    return found
