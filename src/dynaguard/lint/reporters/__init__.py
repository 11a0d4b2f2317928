"""Output formats: text for people, JSON for scripts, SARIF 2.1.0 for code-scanning upload.

Each is imported when asked for (SARIF reads the package metadata, which costs start-up time a
text run does not need)."""

from __future__ import annotations

import importlib
from collections.abc import Callable

from dynaguard.lint.engine import LintResult

_RENDERERS = {
    "text": ("dynaguard.lint.reporters.text", "render_text"),
    "json": ("dynaguard.lint.reporters.jsonfmt", "render_json"),
    "sarif": ("dynaguard.lint.reporters.sarif", "render_sarif"),
}


def renderer(name: str) -> Callable[[LintResult], str]:
    """The function that renders a result in format `name` (text, json or sarif)."""
    module, function = _RENDERERS[name]
    found: Callable[[LintResult], str] = getattr(importlib.import_module(module), function)
    return found
