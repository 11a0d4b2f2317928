"""Models of library calls, kept as data: what a call to a known library does for access control.

Each table answers one question the analysis asks of a call it cannot follow into source: does it
verify a credential, issue one, hash a password, generate a key, or hand a callable to a thread?
Names are matched on the last dotted component, qualified by the receiver where a bare name would
be ambiguous (`jwt.decode` verifies a token, `raw.decode()` does not).
"""

from __future__ import annotations

import re

SECURITY_SCHEMES = frozenset(
    {
        "OAuth2PasswordBearer",
        "OAuth2AuthorizationCodeBearer",
        "OAuth2",
        "OpenIdConnect",
        "HTTPBearer",
        "HTTPBasic",
        "HTTPDigest",
        "APIKeyHeader",
        "APIKeyCookie",
        "APIKeyQuery",
    }
)
"""FastAPI security schemes: `Depends(scheme)` extracts a credential the route then has to check."""

TOKEN_RECEIVERS = re.compile(r"jwt|jws|jwk|jose|token|auth|firebase|cognito|id_token", re.I)
"""Receivers whose `decode`/`verify` is a credential check (`jwt.decode`, `jose.jwt.decode`)."""

VERIFIERS = frozenset(
    {
        "verify_id_token",
        "verify_oauth2_token",
        "verify_session_cookie",
        "verify_token",
        "verify_jwt",
        "verify_access_token",
        "decode_token",
        "decode_jwt",
        "decode_access_token",
        "get_unverified_claims",
        "validate_token",
        "get_signing_key_from_jwt",
        "compare_digest",
    }
)
"""Calls that verify a credential wherever they come from (Firebase, Google auth, PyJWT, hmac)."""

RECEIVER_VERIFIERS = frozenset({"decode", "verify", "decode_complete", "validate"})
"""Verifier names that only count on a token-like receiver (see `TOKEN_RECEIVERS`)."""

COGNITO_USER_LOOKUP = frozenset({"get_user"})
"""Cognito's `get_user(AccessToken=...)` checks the access token server-side."""

TOKEN_ISSUERS = frozenset(
    {
        "create_access_token",
        "create_refresh_token",
        "issue_token",
        "initiate_auth",
        "admin_initiate_auth",
        "respond_to_auth_challenge",
    }
)
"""Calls that hand out a credential: the route that makes them is a login/token route."""

RECEIVER_ISSUERS = frozenset({"encode", "sign"})
"""`jwt.encode(...)`, `jws.sign(...)`: issue a token when the receiver is token-like."""

PASSWORD_CALLS = frozenset(
    {
        "hashpw",
        "checkpw",
        "gensalt",
        "check_password_hash",
        "generate_password_hash",
        "hash_password",
        "verify_password",
        "get_password_hash",
        "pbkdf2_hmac",
        "sign_up",
        "admin_create_user",
        "confirm_sign_up",
        "forgot_password",
        "confirm_forgot_password",
        "change_password",
    }
)
"""Password hashing/checking and Cognito account calls: sign-up, login and reset flows."""

PASSWORD_RECEIVERS = re.compile(r"pwd|password|crypt|hasher|argon|bcrypt|passlib", re.I)
"""`pwd_context.hash(...)`, `hasher.verify(...)`: password calls on a hasher object."""

PASSWORD_FIELDS = re.compile(
    r"^(password|passwd|pwd|pass_word|user_?password|hashed_?password|password_?hash|"
    r"plain_?password)$",
    re.I,
)
"""Attribute, key and parameter names that hold a password (not `db_password`: a setting)."""

LOGIN_WORDS = re.compile(
    r"log_?in|sign_?in|sign[-_]?up|register|registration|authenticate|token|forgot|reset_?password",
    re.I,
)
"""Path segments and handler names of sign-in/sign-up routes: the second signal, counted only
with a password parameter or body field."""

HEALTH_PATHS = frozenset(
    {
        "health",
        "healthz",
        "healthcheck",
        "health-check",
        "ping",
        "ready",
        "readyz",
        "readiness",
        "live",
        "livez",
        "liveness",
        "status",
        "heartbeat",
    }
)
"""Path segments of health routes: last (`/status`), or followed by one more (`/health/check`)."""

AUTH_PACKAGES = frozenset(
    {
        "fastapi_users",
        "fastapi_jwt_auth",
        "async_fastapi_jwt_auth",
        "fastapi_jwt",
        "authlib",
        "fastapi_cloudauth",
        "fastapi_azure_auth",
        "fastapi_auth0",
        "fastapi_login",
        "fastapi_keycloak",
        "fastapi_keycloak_middleware",
        "fief_client",
        "propelauth_fastapi",
        "supertokens_python",
        "fastapi_simple_security",
    }
)
"""Authentication libraries: a dependency built from one of them authenticates
(`fastapi_users.current_user(active=True)`, `Depends(Cognito(...))`, `AuthJWT`)."""

LIBRARY_PRINCIPALS = frozenset({"AuthJWT"})
"""Parameter types from those libraries that FastAPI injects as the caller's credential
(`Authorize: AuthJWT = Depends()`, then `Authorize.jwt_required()`)."""

NOT_AUTH_PACKAGES = frozenset(
    {
        "fastapi",
        "starlette",
        "pydantic",
        "sqlalchemy",
        "sqlmodel",
        "boto3",
        "aioboto3",
        "aiobotocore",
        "botocore",
        "pynamodb",
        "redis",
        "motor",
        "httpx",
        "requests",
        "databases",
        "typing",
        "functools",
        "dependency_injector",
        "mangum",
    }
)
"""Libraries whose dependencies are never authentication, so they are not judged by name."""

AUTH_NAMES = re.compile(
    r"auth|login|principal|token|jwt|claims|identity|verif|current_?user|require_?user"
    r"|get_?user$|logged_?in|signed_?in|permission|admin|api_?key|bearer|credential",
    re.I,
)
"""Names that, for a dependency lint cannot read, read as authentication."""

LOGIN_FORMS = frozenset({"OAuth2PasswordRequestForm", "OAuth2PasswordRequestFormStrict"})
"""A parameter of one of these types makes a route a login route."""

KEY_GENERATORS = frozenset(
    {
        "uuid4",
        "uuid1",
        "uuid7",
        "ulid",
        "new",
        "ULID",
        "token_urlsafe",
        "token_hex",
        "token_bytes",
        "nanoid",
        "generate",
        "ksuid",
        "KsuidMs",
        "Ksuid",
        "now",
        "utcnow",
        "time_ns",
    }
)
"""Server-side value generators: a key made from one is the server's choice, not the client's."""

GENERATOR_RECEIVERS = re.compile(r"uuid|ulid|secrets|nanoid|ksuid|datetime|time", re.I)
"""Receivers for the ambiguous generator names (`ulid.new()`, `secrets.token_hex()`)."""

THREAD_WRAPPERS = frozenset({"to_thread", "run_in_threadpool", "run_sync", "partial", "defer"})
"""`wrapper(fn, *args, **kwargs)` calls `fn(*args, **kwargs)`: analysed as that call."""

EXECUTOR_CALLS = frozenset({"run_in_executor"})
"""`loop.run_in_executor(executor, fn, *args)`: the callable is the second argument."""

CONTROL_PLANE = frozenset(
    {
        "create_table",
        "delete_table",
        "update_table",
        "update_time_to_live",
        "create_backup",
        "delete_backup",
        "restore_table_from_backup",
        "restore_table_to_point_in_time",
        "update_continuous_backups",
        "create_global_table",
        "update_global_table",
        "export_table_to_point_in_time",
        "import_table",
    }
)
"""DynamoDB control-plane operations: schema and data-lifecycle changes, admin-only work."""

CONTROL_KEYWORDS = frozenset(
    {
        "TableName",
        "KeySchema",
        "AttributeDefinitions",
        "BillingMode",
        "ProvisionedThroughput",
        "TimeToLiveSpecification",
        "BackupName",
        "BackupArn",
        "TargetTableName",
        "SourceTableName",
        "read_capacity_units",
        "wait",
    }
)
"""Keywords that mark a control-plane call as DynamoDB's (or PynamoDB's `create_table(wait=)`)."""

ADMIN_WORDS = re.compile(
    r"admin|superuser|is_staff|staff|role|groups|permission|scope|api_?key|apikey", re.I
)
"""Words in an `if` that, with a 401/403 raise, make a gate an admin (or role) check; a
hand-rolled `X-API-Key` compared before a 401/403 is a gate too."""

ADMIN_VALUES = re.compile(r"admin|superuser|super_user|staff|root|sudo|operator", re.I)
"""Values a role is compared with that make the check an admin gate (`role != "admin"`); a
comparison with any other value (`role != "seller"`) is a role check, not an admin gate."""


def _receiver_matches(receiver: str, pattern: re.Pattern[str]) -> bool:
    return bool(receiver) and bool(pattern.search(receiver))


def verifies_credential(name: str, receiver: str, keywords: frozenset[str]) -> bool:
    """A call that checks a token, a signature, a session cookie or an API key."""
    if name in VERIFIERS:
        return True
    if name in COGNITO_USER_LOOKUP and "AccessToken" in keywords:
        return True
    return name in RECEIVER_VERIFIERS and _receiver_matches(receiver, TOKEN_RECEIVERS)


def issues_credential(name: str, receiver: str) -> bool:
    """A call that creates a token for the caller: the mark of a login or token route."""
    if name in TOKEN_ISSUERS:
        return True
    return name in RECEIVER_ISSUERS and _receiver_matches(receiver, TOKEN_RECEIVERS)


def handles_password(name: str, receiver: str) -> bool:
    """A call that hashes or checks a password, or runs a Cognito account flow."""
    if name in PASSWORD_CALLS:
        return True
    return name in {"hash", "verify", "using"} and _receiver_matches(receiver, PASSWORD_RECEIVERS)


def generates_key(name: str, receiver: str) -> bool:
    """A server-generated identifier (uuid4, ulid, secrets.token_*)."""
    if name in {"new", "generate", "now", "utcnow", "time_ns"}:
        return _receiver_matches(receiver, GENERATOR_RECEIVERS)
    return name in KEY_GENERATORS
