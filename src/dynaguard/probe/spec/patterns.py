"""Strings that match a JSON Schema `pattern` (and its length bounds), drawn by hypothesis'
`from_regex` with a fixed seed and shrunk to the simplest match, so a run sends the same value
every time. Schemathesis draws its pattern-bound strings the same way."""

from __future__ import annotations

import re
from functools import lru_cache
from importlib.util import find_spec
from random import Random

if find_spec("hypothesis") is None:  # checked when the probe loads; imported on first use (slow)
    raise ModuleNotFoundError("No module named 'hypothesis'", name="hypothesis")

_SEED = 21


def fits(pattern: str, value: str) -> bool:
    """JSON Schema patterns are unanchored searches; an invalid regex constrains nothing."""
    try:
        return re.search(pattern, value) is not None
    except re.error:
        return True


@lru_cache(maxsize=512)
def matching(pattern: str, low: int = 0, high: int | None = None) -> str | None:
    """The simplest string that fully matches `pattern` within the length bounds, or None when
    the regex is not one Python reads or nothing fits."""
    from hypothesis import HealthCheck, find, settings
    from hypothesis import strategies as st
    from hypothesis.errors import HypothesisException

    try:
        compiled = re.compile(pattern)
    except re.error:
        return None

    def bounded(value: str) -> bool:
        return len(value) >= low and (high is None or len(value) <= high)

    quiet = settings(
        database=None,
        deadline=None,
        max_examples=200,
        suppress_health_check=list(HealthCheck),
    )
    try:
        value = find(
            st.from_regex(compiled, fullmatch=True).filter(bounded),
            lambda _: True,
            settings=quiet,
            random=Random(_SEED),
        )
    except (HypothesisException, re.error, ValueError):
        return None
    return str(value)
