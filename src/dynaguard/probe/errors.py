"""The probe's one user-facing failure: bad input or an unreachable target (exit code 2)."""

from __future__ import annotations

from dynaguard.errors import DynaguardError


class ProbeError(DynaguardError):
    """A usage or connection problem; the command prints its message on one line and exits 2."""


class BudgetExhausted(Exception):
    """Raised by the transport when `--max-requests` is reached; the run stops and reports."""
