"""Swagger 2.0 → OpenAPI 3.0, just enough for the probe: Flask apps built with flask-restx or
flasgger publish 2.0 documents, and refusing them would test nothing on those services."""

from __future__ import annotations

import json
from typing import Any

_METHODS = ("get", "post", "put", "patch", "delete")


def _refs(node: Any) -> Any:
    """Rewrite `#/definitions/X` to `#/components/schemas/X` everywhere."""
    text = json.dumps(node).replace('"#/definitions/', '"#/components/schemas/')
    text = text.replace('"#/parameters/', '"#/components/parameters/')
    return json.loads(text)


def _parameter(spec: dict[str, Any]) -> dict[str, Any]:
    if "$ref" in spec:
        return spec
    schema = {k: spec[k] for k in ("type", "format", "enum", "items", "pattern", "maxLength",
                                    "minLength", "minimum", "maximum") if k in spec}  # fmt: skip
    found: dict[str, Any] = {
        k: spec[k] for k in ("name", "in", "required", "description") if k in spec
    }
    found["schema"] = schema or {"type": "string"}
    return found


def _operation(raw: dict[str, Any], consumes: list[str]) -> dict[str, Any]:
    operation = {k: v for k, v in raw.items() if k not in ("parameters", "consumes", "produces")}
    params: list[dict[str, Any]] = []
    form: dict[str, Any] = {}
    for spec in raw.get("parameters") or []:
        if not isinstance(spec, dict):
            continue
        if spec.get("in") == "body":
            media = (raw.get("consumes") or consumes or ["application/json"])[0]
            operation["requestBody"] = {"content": {media: {"schema": spec.get("schema", {})}}}
        elif spec.get("in") == "formData":
            form[str(spec.get("name"))] = _parameter(spec)["schema"]
        else:
            params.append(_parameter(spec))
    if form and "requestBody" not in operation:
        schema = {"type": "object", "properties": form}
        operation["requestBody"] = {"content": {"application/json": {"schema": schema}}}
    if params:
        operation["parameters"] = params
    return operation


def convert(raw: dict[str, Any]) -> dict[str, Any]:
    """The OpenAPI 3.0 equivalent of a Swagger 2.0 document (paths, schemas, security)."""
    raw = _refs(raw)
    consumes = raw.get("consumes") or []
    paths: dict[str, Any] = {}
    for path, item in (raw.get("paths") or {}).items():
        if not isinstance(item, dict):
            continue
        shared = [_parameter(p) for p in item.get("parameters") or [] if isinstance(p, dict)]
        converted: dict[str, Any] = {"parameters": shared} if shared else {}
        for method in _METHODS:
            if isinstance(item.get(method), dict):
                converted[method] = _operation(item[method], consumes)
        paths[path] = converted
    schemes = {}
    for name, scheme in (raw.get("securityDefinitions") or {}).items():
        if isinstance(scheme, dict) and scheme.get("type") == "basic":
            scheme = {"type": "http", "scheme": "basic"}
        schemes[name] = scheme
    parameters = {
        name: _parameter(spec)
        for name, spec in (raw.get("parameters") or {}).items()
        if isinstance(spec, dict) and spec.get("in") != "body"
    }
    document: dict[str, Any] = {
        "openapi": "3.0.3",
        "info": raw.get("info") or {"title": "converted", "version": "1"},
        "paths": paths,
        "components": {
            "schemas": raw.get("definitions") or {},
            "securitySchemes": schemes,
            "parameters": parameters,
        },
    }
    if raw.get("security") is not None:
        document["security"] = raw["security"]
    if raw.get("basePath"):
        document["servers"] = [{"url": str(raw["basePath"])}]
    return document
