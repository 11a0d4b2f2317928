"""AWS Lambda entry point (API Gateway REST or HTTP API, ALB, function URLs) through `mangum`.

Handler: `dynaguard.entrypoints.lambda_handler.handler` (the `lambda` extra). The app is built
on the first event of each execution environment, from environment settings exactly as the ASGI
factory builds it (DYNAGUARD_MODE=aws, DYNAGUARD_TABLE, DYNAGUARD_OIDC_*,
DYNAGUARD_CURSOR_SECRET; the region comes from AWS_REGION, which Lambda sets). Lambda's file
system is read-only except /tmp, and nothing here writes in aws mode."""

from __future__ import annotations

from typing import Any

from dynaguard.entrypoints.asgi import build_app_from_env

_adapter: Any = None


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Translate one Lambda event into an ASGI request and the response back."""
    global _adapter
    if _adapter is None:
        from mangum import Mangum

        _adapter = Mangum(build_app_from_env(), lifespan="auto")
    response: dict[str, Any] = _adapter(event, context)
    return response
