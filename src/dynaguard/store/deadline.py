"""A total deadline for each DynamoDB call the store makes, retries included.

botocore's own policy (standard mode: up to 3 attempts, 1-2 s of backoff between them, each
attempt bounded by the read timeout) lets one stalled call take far longer than a client waits.
For the store's calls this module replaces that policy with one that fits a deadline: botocore
asks `needs-retry` handlers whether to resend, and the first answer that is not None wins, so a
handler registered first decides alone (a delay: resend after it; False: give up now).

- A resend happens only on a transient failure (a connection or read timeout, a 5xx, throttling)
  and only if another whole attempt still fits before the deadline; otherwise the error stands and
  becomes StoreUnavailable (503).
- Each attempt is bounded too: on a client built by `dynamodb_client`, the store's requests go
  out through a connection pool of their own whose connect and read timeouts are a share of the
  deadline (botocore lets a `before-send` handler send the request itself). The client's own,
  longer timeouts stay for everything else (CreateTable may take seconds; resending it is not
  harmless). A client built elsewhere keeps its own timeouts; only the resends are bounded.
  That pool is built like the client's own: the same socket options (botocore sets
  `TCP_NODELAY`, and `SO_KEEPALIVE` when the client's config or profile asks for it), TLS
  verification, proxies and client certificate. Without `TCP_NODELAY`, Nagle's algorithm holds
  the body of every request until the server's delayed ACK, about 40 ms on Linux.
- Calls made inside `store_deadline()` share one deadline, counted from where it was opened (a
  request's admission, the writes of one grant): a resend must fit the rest of it, and a call
  that would start after it is not sent (on a client built by `dynamodb_client`).
- Calls made outside `store_call` (table bootstrap, tooling) keep botocore's policy.

The store also learns here whether a call was resent: a resent write may already have been
applied, which is how a ConditionalCheckFailed on the resend is recognised (see `owned.py`)."""

from __future__ import annotations

import random
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, Final

from botocore.exceptions import ConnectionError, ConnectTimeoutError, HTTPClientError
from botocore.httpsession import URLLib3Session

DEFAULT_DEADLINE_SECONDS: Final = 2.0
_ATTEMPT_SHARE: Final = 0.4
"""Each attempt may take this share of the deadline: a stalled first attempt leaves room for one
whole resend, and quick failures (refused connections, throttling) for up to three attempts."""
_MAX_ATTEMPTS: Final = 3
_BASE_BACKOFF: Final = 0.025
_RETRYABLE_CODES: Final = frozenset(
    {
        "ProvisionedThroughputExceededException",
        "ThrottlingException",
        "RequestLimitExceeded",
        "InternalServerError",
        "ServiceUnavailable",
        "TransactionInProgressException",
    }
)
_HANDLER_ID: Final = "dynaguard-store-deadline"
_SENDER_ID: Final = "dynaguard-store-sender"

_current = threading.local()
_scope_start: ContextVar[float | None] = ContextVar("dynaguard_store_deadline", default=None)


def _start() -> float:
    """When the deadline of a call starting now began: at the enclosing `store_deadline`."""
    started = _scope_start.get()
    return time.monotonic() if started is None else started


@dataclass
class CallState:
    """One store call in progress on this thread: when its deadline started counting (at the
    enclosing `store_deadline`, or now) and how often it was sent."""

    started: float = field(default_factory=_start)
    attempts: int = 1

    @property
    def resent(self) -> bool:
        """True when the request went out more than once (an earlier attempt may have applied)."""
        return self.attempts > 1


def client_timeouts(deadline_seconds: float) -> tuple[float, float]:
    """(connect_timeout, read_timeout) for a client whose attempts must fit `deadline_seconds`."""
    per_attempt = round(deadline_seconds * _ATTEMPT_SHARE, 3)
    return per_attempt, per_attempt


def install(
    client: Any, deadline_seconds: float | None = None, *, bound_attempts: bool = False
) -> None:
    """Bound the store's calls on `client` by `deadline_seconds`; with `bound_attempts`, also
    send them with per-attempt timeouts that fit it. The first installation on a client wins
    (botocore ignores a second handler with the same id), so the value given when the client was
    built (`dynamodb_client`) is not overridden by the store's default."""
    seconds = DEFAULT_DEADLINE_SECONDS if deadline_seconds is None else deadline_seconds
    config = client.meta.config
    attempt = max(float(config.read_timeout), float(config.connect_timeout))
    if bound_attempts:
        connect, attempt = client_timeouts(seconds)
        session = _attempt_session(client, (connect, attempt))

        def send(request: Any, **_: Any) -> Any:
            state: CallState | None = getattr(_current, "state", None)
            if state is None:
                return None  # not a store call: the client's own connection pool
            if time.monotonic() - state.started >= seconds:
                raise ConnectTimeoutError(endpoint_url=request.url)  # spent before it was sent
            return session.send(request)

        client.meta.events.register_first("before-send.dynamodb", send, unique_id=_SENDER_ID)

    def decide(
        attempts: int, response: Any = None, caught_exception: Any = None, **_: Any
    ) -> float | bool | None:
        state: CallState | None = getattr(_current, "state", None)
        if state is None:
            return None  # not a store call: botocore's own policy decides
        if not _transient(response, caught_exception):
            return False
        delay = random.uniform(0, _BASE_BACKOFF * 2 ** (attempts - 1))
        elapsed = time.monotonic() - state.started
        if attempts >= _MAX_ATTEMPTS or elapsed + delay + attempt > seconds:
            return False
        state.attempts = attempts + 1
        return delay

    client.meta.events.register_first("needs-retry.dynamodb", decide, unique_id=_HANDLER_ID)


def _attempt_session(client: Any, timeout: tuple[float, float]) -> URLLib3Session:
    """A connection pool for the store's attempts, with `timeout` and otherwise the options of the
    client's own pool (read from it when it is botocore's URLLib3Session, as it is by default)."""
    config = client.meta.config
    own = getattr(getattr(client, "_endpoint", None), "http_session", None)
    socket_options: list[tuple[int, int, int]] | None = getattr(own, "_socket_options", None)
    if not socket_options:
        socket_options = default_socket_options(bool(config.tcp_keepalive))
    return URLLib3Session(
        verify=getattr(own, "_verify", True),
        timeout=timeout,
        max_pool_connections=config.max_pool_connections,
        socket_options=socket_options,
        proxies=config.proxies,
        proxies_config=config.proxies_config,
        client_cert=config.client_cert,
    )


def default_socket_options(keepalive: bool) -> list[tuple[int, int, int]]:
    """The socket options botocore gives every client: `TCP_NODELAY`, and TCP keep-alive on
    request (`Config(tcp_keepalive=True)` or `tcp_keepalive = true` in the profile)."""
    options = [(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)]
    if keepalive:
        options.append((socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1))
    return options


def _transient(response: Any, caught_exception: Any) -> bool:
    if caught_exception is not None:
        return isinstance(caught_exception, ConnectionError | HTTPClientError)
    if response is None:
        return False
    http, parsed = response
    if getattr(http, "status_code", 0) >= 500:
        return True
    code = parsed.get("Error", {}).get("Code", "") if isinstance(parsed, dict) else ""
    return code in _RETRYABLE_CODES


@contextmanager
def store_deadline() -> Iterator[None]:
    """Every store call made inside shares one deadline, counted from here (or from an enclosing
    `store_deadline`): a request's calls from its arrival, the calls of one grant together."""
    if _scope_start.get() is not None:
        yield
        return
    token = _scope_start.set(time.monotonic())
    try:
        yield
    finally:
        _scope_start.reset(token)


@contextmanager
def store_call() -> Iterator[CallState]:
    """Mark the DynamoDB call made inside as a store call (bounded, resends recorded)."""
    state = CallState()
    _current.state = state
    try:
        yield state
    finally:
        _current.state = None
