"""Choosing what to trust from configuration: the dev issuer in local mode, an OIDC issuer
otherwise. Misconfiguration fails here, at startup, with a message that says what to set."""

from __future__ import annotations

from dynaguard.auth.dev_issuer import DevIssuer
from dynaguard.auth.jwks import JwksCache
from dynaguard.auth.verifier import TOKEN_USES, JwtVerifier, TokenVerifier, allowed_algorithms
from dynaguard.config import Settings
from dynaguard.errors import DynaguardError


def build_verifier(settings: Settings) -> TokenVerifier:
    """The verifier the served app uses; keys are loaded or fetched once, not per request."""
    if not settings.uses_oidc:
        return DevIssuer.load_or_create(settings).verifier()
    return build_oidc_verifier(settings)


def uses_dev_issuer(settings: Settings) -> bool:
    """True when `build_verifier` trusts the local dev key: anyone who can read the data directory
    can mint any identity, so serving it beyond loopback needs an explicit opt-in."""
    return not settings.uses_oidc


def describe_trust(settings: Settings) -> str:
    """One line naming the issuer tokens are trusted from, for the start-up log: which issuer is
    trusted must never be a surprise. Values are quoted, so it stays one line whatever they hold."""
    if uses_dev_issuer(settings):
        return (
            f"trusting tokens from the dev issuer {settings.dev_issuer!r} "
            f"(audience {settings.dev_audience!r}, key {str(DevIssuer.key_path(settings))!r}); "
            "for development only: anyone who can read that key can sign in as anyone"
        )
    if settings.oidc_issuer is None:
        return "trusting no issuer: set DYNAGUARD_OIDC_ISSUER"
    checks = []
    if settings.oidc_audience is not None:
        checks.append(f"audience {settings.oidc_audience!r}")
    if settings.oidc_client_id is not None:
        checks.append(f"client id {settings.oidc_client_id!r}")
        checks.append(f"token use {settings.oidc_token_use or 'access'!r}")
    elif settings.oidc_token_use is not None:
        checks.append(f"token use {settings.oidc_token_use!r}")
    source = settings.oidc_jwks_url or "discovery"
    checks.append(f"keys from {source!r}")
    return f"trusting tokens from the OIDC issuer {settings.oidc_issuer!r} ({', '.join(checks)})"


def build_oidc_verifier(settings: Settings) -> JwtVerifier:
    """Verify tokens of `oidc_issuer`, keys from `oidc_jwks_url` or the discovery document."""
    if settings.oidc_issuer is None:
        raise DynaguardError("aws mode needs an identity provider: set DYNAGUARD_OIDC_ISSUER")
    if settings.oidc_audience is None and settings.oidc_client_id is None:
        raise DynaguardError(
            "set DYNAGUARD_OIDC_AUDIENCE or DYNAGUARD_OIDC_CLIENT_ID, otherwise a token issued "
            "for any application of the issuer would be accepted"
        )
    try:
        algorithms = allowed_algorithms(settings.jwt_algorithms)
    except ValueError as error:
        raise DynaguardError(f"DYNAGUARD_JWT_ALGORITHMS: {error}") from None
    if settings.oidc_token_use is not None and settings.oidc_token_use not in TOKEN_USES:
        raise DynaguardError(
            f"DYNAGUARD_OIDC_TOKEN_USE must be access or id, not {settings.oidc_token_use!r}"
        )
    keys = JwksCache(
        issuer=settings.oidc_issuer,
        jwks_url=settings.oidc_jwks_url,
        algorithms=algorithms,
        cache_seconds=settings.jwks_cache_seconds,
        cooldown_seconds=settings.jwks_refresh_cooldown_seconds,
    )
    return JwtVerifier(
        keys=keys,
        issuer=settings.oidc_issuer,
        algorithms=algorithms,
        audience=settings.oidc_audience,
        client_id=settings.oidc_client_id,
        token_use=settings.oidc_token_use,
        leeway_seconds=settings.jwt_leeway_seconds,
        claim_sub=settings.claim_sub,
        claim_org=settings.claim_org,
        claim_roles=settings.claim_roles,
    )
