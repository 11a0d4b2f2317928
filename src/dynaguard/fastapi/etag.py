"""If-Match is parsed strictly, so a typo cannot skip the version check (ETags: `Record.etag`)."""

from __future__ import annotations

import re

from fastapi import HTTPException

_ETAG = re.compile(r'(?:W/)?"(\d{1,18})"')


def expected_version(if_match: str | None) -> int | None:
    """The version an If-Match header demands; None when absent or `*` (any version)."""
    if if_match is None or if_match.strip() == "*":
        return None
    found = _ETAG.fullmatch(if_match.strip())
    if found is None:
        raise HTTPException(400, detail='If-Match must be an ETag returned by this API, like "3"')
    return int(found.group(1))
