"""If-Match is parsed strictly, so a typo cannot skip the version check (ETags: `Record.etag`).

RFC 9110 compares If-Match strongly: a weak validator (`W/"3"`) never matches, so it is 412 (the
precondition is false whatever the item), not a silent match and not a parse error."""

from __future__ import annotations

import re

from fastapi import HTTPException

_ETAG = re.compile(r'"(\d{1,18})"')
_WEAK = re.compile(r'W/"[^"]*"')


def expected_version(if_match: str | None) -> int | None:
    """The version an If-Match header demands; None when absent or `*` (any version)."""
    if if_match is None or if_match.strip() == "*":
        return None
    found = _ETAG.fullmatch(if_match.strip())
    if found is None and _WEAK.fullmatch(if_match.strip()):
        raise HTTPException(412, detail='If-Match needs a strong ETag (without W/), like "3"')
    if found is None:
        raise HTTPException(400, detail='If-Match must be an ETag returned by this API, like "3"')
    return int(found.group(1))
