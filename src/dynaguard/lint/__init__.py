"""`dynaguard lint`: a static checker for broken access control in FastAPI code on DynamoDB.

Stdlib `ast` only, nothing from `dynaguard.api` or `dynaguard.store`: it must run on anyone's code.
"""

from dynaguard.lint.core.model import Finding, RuleInfo, Severity
from dynaguard.lint.engine import LintResult, lint_paths

__all__ = ["Finding", "LintResult", "RuleInfo", "Severity", "lint_paths"]
