"""Cursor replay: a page cursor minted for one identity, replayed by every other identity."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs, urlsplit

from dynaguard.probe.engine.context import ProbeContext

CURSOR_FIELDS = (
    "next_cursor", "nextCursor", "cursor", "next", "next_token", "nextToken", "next_page_token",
    "nextPageToken", "last_evaluated_key", "lastEvaluatedKey", "LastEvaluatedKey", "page_token",
    "continuation_token", "after",
)  # fmt: skip
CURSOR_PARAMS = (
    "cursor", "next", "next_token", "nextToken", "page_token", "pageToken", "token",
    "starting_after", "after", "exclusive_start_key", "last_evaluated_key", "continuation_token",
)  # fmt: skip
LIMIT_PARAMS = ("limit", "page_size", "pageSize", "per_page", "max_results", "maxResults", "size")


def run(ctx: ProbeContext) -> None:
    """For each paged list: get the owner's first page (limit 1) and replay its cursor."""
    ctx.phase("cursor replay")
    for operation in ctx.operations:
        if operation.method != "GET" or operation.path_params:
            continue
        names = {param.name for param in operation.query_params}
        cursor_param = next((name for name in CURSOR_PARAMS if name in names), None)
        if cursor_param is None:
            continue
        limit = next((name for name in LIMIT_PARAMS if name in names), None)
        base = {limit: "1"} if limit else {}
        for owner in ctx.named:
            first = ctx.call(owner, operation, params=base)
            cursor = find_cursor(first.data, cursor_param)
            if not first.ok or cursor is None:
                ctx.coverage.skip(operation, "cursor", "no cursor in the first page")
                continue
            ctx.coverage.tested(operation, "cursor")
            for attacker in ctx.others(owner.name):
                ctx.call(
                    attacker,
                    operation,
                    params={**base, cursor_param: cursor},
                    leak_kind="cursor-replay",
                )


def find_cursor(data: Any, param: str) -> str | None:
    """The next-page cursor in a list response (top level or one object down), as a string."""
    if not isinstance(data, dict):
        return None
    candidates = [data, *(v for v in data.values() if isinstance(v, dict))]
    for holder in candidates:
        for name in CURSOR_FIELDS:
            value = holder.get(name)
            if value in (None, "", {}, []):
                continue
            if isinstance(value, str) and (value.startswith("/") or "://" in value):
                query = parse_qs(urlsplit(value).query).get(param)
                return query[0] if query else None
            return value if isinstance(value, str) else json.dumps(value)
    return None
