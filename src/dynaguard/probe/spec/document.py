"""Loading an OpenAPI 3.0/3.1 document and following its local `$ref`s (remote refs are refused)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from dynaguard.probe.errors import ProbeError
from dynaguard.probe.spec.swagger2 import convert

JSON = Any


class Document:
    """A parsed OpenAPI document; `deref` follows local references, guarding against cycles."""

    def __init__(self, raw: JSON, source: str) -> None:
        if not isinstance(raw, dict) or not isinstance(raw.get("paths"), dict):
            raise ProbeError(f"bad openapi {source}: no `paths` object")
        if str(raw.get("swagger", "")).startswith("2."):
            raw = convert(raw)
        version = str(raw.get("openapi", ""))
        if not version.startswith("3."):
            raise ProbeError(
                f"bad openapi {source}: only OpenAPI 3.0/3.1 and Swagger 2.0 are supported"
            )
        self.raw: dict[str, JSON] = raw
        self.source = source
        self.version = version

    def deref(self, node: JSON) -> JSON:
        """Follow `$ref` chains to the referenced node; an unresolvable ref yields `{}`."""
        seen: set[str] = set()
        while isinstance(node, dict) and isinstance(node.get("$ref"), str):
            ref = node["$ref"]
            if ref in seen or not ref.startswith("#/"):
                return {}
            seen.add(ref)
            node = self._pointer(ref)
        return node

    def _pointer(self, ref: str) -> JSON:
        node: JSON = self.raw
        for part in ref[2:].split("/"):
            key = part.replace("~1", "/").replace("~0", "~")
            if isinstance(node, dict) and key in node:
                node = node[key]
            elif isinstance(node, list) and key.isdigit() and int(key) < len(node):
                node = node[int(key)]
            else:
                return {}
        return node

    def base_path(self, target: str) -> tuple[str, list[str]]:
        """The path prefix from `servers` that stays on the target, and the entries ignored."""
        ignored: list[str] = []
        servers = self.raw.get("servers") or []
        target_host = urlsplit(target).netloc
        for server in servers if isinstance(servers, list) else []:
            url = str(server.get("url", "")) if isinstance(server, dict) else ""
            parts = urlsplit(url)
            if not parts.netloc:
                return url.rstrip("/"), ignored
            if parts.netloc == target_host:
                return parts.path.rstrip("/"), ignored
            ignored.append(url)
        return "", ignored


def parse_text(text: str, source: str) -> Document:
    """Parse JSON or YAML text into a Document, turning parser errors into one line."""
    try:
        raw = json.loads(text)
    except ValueError:
        try:
            raw = yaml.safe_load(text)
        except yaml.YAMLError as error:
            first = str(error).splitlines()[0] if str(error) else "parse error"
            raise ProbeError(f"bad openapi {source}: {first}") from None
    return Document(raw, source)


def read_file(path: Path) -> Document:
    """Read a local OpenAPI file."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise ProbeError(f"cannot read openapi {path}: {error.strerror or error}") from None
    return parse_text(text, str(path))
