"""Who is calling, as FastAPI dependencies: a route states who may call it in its signature
(`Principal`, `AdminPrincipal`); every refusal is a 401/403 with a JSON detail and one audit line.
The verification itself is `dynaguard.auth`'s, which knows nothing of FastAPI."""

from __future__ import annotations

from typing import Annotated, NoReturn

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool

from dynaguard.audit import log_denial
from dynaguard.auth.errors import AuthenticationError
from dynaguard.auth.principal import VerifiedPrincipal
from dynaguard.auth.verifier import JwtVerifier, TokenVerifier

_bearer = HTTPBearer(
    auto_error=False,
    bearerFormat="JWT",
    description="A JWT from the configured issuer; in local mode: `dynaguard token`.",
)


def _refuse(request: Request, reason: str, *, error: bool, status: int = 401) -> NoReturn:
    """401 with the RFC 6750 challenge (an `error` only when a token was actually presented)."""
    log_denial(request, None, status, reason)
    if status != 401:
        raise HTTPException(status_code=status, detail=reason, headers={"Retry-After": "30"})
    challenge = 'Bearer error="invalid_token"' if error else "Bearer"
    raise HTTPException(status_code=401, detail=reason, headers={"WWW-Authenticate": challenge})


def _verifier(request: Request) -> TokenVerifier:
    verifier: TokenVerifier | None = getattr(request.app.state, "token_verifier", None)
    if verifier is None:
        raise RuntimeError("app.state.token_verifier is not set; use dynaguard.auth.build_verifier")
    return verifier


async def current_principal(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> VerifiedPrincipal:
    """The verified caller. A token the verifier accepted lately is answered on the event loop
    (no I/O, no signature check); any other goes to the thread pool, since a key refresh may
    block. Most requests thus make one thread hop (the route's), not two."""
    if credentials is None:
        header = request.headers.get("Authorization")
        reason = "bearer token required" if header else "authentication required"
        _refuse(request, reason, error=False)
    verifier = _verifier(request)
    token = credentials.credentials
    try:
        if isinstance(verifier, JwtVerifier):
            known = verifier.remembered_principal(token)
            if known is not None:
                return known
        return await run_in_threadpool(verifier.verify, token)
    except AuthenticationError as failure:
        _refuse(request, failure.reason, error=True, status=failure.status_code)


Principal = Annotated[VerifiedPrincipal, Depends(current_principal)]
"""Any authenticated caller; 401 otherwise."""


def require_admin(request: Request, principal: Principal) -> VerifiedPrincipal:
    """An authenticated caller holding `admin` in their own organization; 403 otherwise."""
    if not principal.is_admin:
        log_denial(request, principal.label, 403, "admin role required")
        raise HTTPException(status_code=403, detail="admin role required")
    return principal


AdminPrincipal = Annotated[VerifiedPrincipal, Depends(require_admin)]
"""An organization admin (of `principal.org_id` only); 401 or 403 otherwise."""
