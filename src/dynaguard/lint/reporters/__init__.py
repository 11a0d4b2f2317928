"""Output formats: text for people, JSON for scripts, SARIF 2.1.0 for code-scanning upload."""

from __future__ import annotations

from collections.abc import Callable

from dynaguard.lint.engine import LintResult
from dynaguard.lint.reporters.jsonfmt import render_json
from dynaguard.lint.reporters.sarif import render_sarif
from dynaguard.lint.reporters.text import render_text

RENDERERS: dict[str, Callable[[LintResult], str]] = {
    "text": render_text,
    "json": render_json,
    "sarif": render_sarif,
}
