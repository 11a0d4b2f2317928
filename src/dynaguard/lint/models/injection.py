"""What FastAPI and `dependency_injector` inject, as data for the core's class finder."""

from __future__ import annotations

from dynaguard.lint.core.injection import Injection

FASTAPI = Injection(
    markers=frozenset({"Depends", "Security"}),
    providers=frozenset(
        {
            "Factory",
            "Singleton",
            "ThreadSafeSingleton",
            "ContextLocalSingleton",
            "Resource",
            "Callable",
        }
    ),
    lookups=frozenset({"Provide", "Provider"}),
)
"""`Depends(f)`/`Security(f)` of FastAPI; `providers.Factory(C)` and `Provide[...]` of
`dependency_injector`."""
