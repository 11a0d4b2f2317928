"""All traffic goes through here: one host only, no redirects, a request budget and a rate limit."""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit

import httpx

from dynaguard.probe.engine.fields import fields
from dynaguard.probe.engine.identities import Identity
from dynaguard.probe.engine.sensitive import normalise, secrets_in
from dynaguard.probe.errors import BudgetExhausted, ProbeError

_BODY_LIMIT = 2000
_JWT = re.compile(r"eyJ[\w-]{5,}\.[\w-]{5,}\.[\w-]*")
_QUERY_SECRET = re.compile(r"((?:token|key|secret|code|password|signature)=)[^&\s\"']+", re.I)
_TOKEN_FIELDS = frozenset(
    {"token", "accesstoken", "refreshtoken", "idtoken", "authtoken", "jwt", "sessiontoken",
     "apikey", "key", "secret", "clientsecret", "sessionid", "session", "bearer", "authorization"}
)  # fmt: skip
_MIN_SECRET = 6
_CANARY = re.compile(r"dgc[0-9a-f]{9}")


@dataclass
class Exchange:
    """One request and its response, already redacted and truncated: safe to put in a report."""

    identity: str
    method: str
    path: str
    request_headers: dict[str, str]
    request_body: str
    status: int
    response_headers: dict[str, str]
    response_body: str
    full_text: str
    data: Any

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    def evidence(self) -> dict[str, Any]:
        return {
            "identity": self.identity,
            "request": {
                "method": self.method,
                "path": self.path,
                "headers": self.request_headers,
                "body": self.request_body,
            },
            "response": {
                "status": self.status,
                "headers": self.response_headers,
                "body": self.response_body,
            },
        }


class _TokenBucket:
    """Classic token bucket: `rate` requests per second with a burst of the same size."""

    def __init__(self, rate: float) -> None:
        self.rate = rate
        self.tokens = max(rate, 1.0)
        self.stamp = time.monotonic()

    def take(self) -> None:
        if self.rate <= 0:
            return
        now = time.monotonic()
        self.tokens = min(max(self.rate, 1.0), self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens < 1:
            time.sleep((1 - self.tokens) / self.rate)
            self.tokens = 1
            self.stamp = time.monotonic()
        self.tokens -= 1


class Transport:
    """Sends requests as an identity; counts every one, including the OpenAPI fetch."""

    def __init__(
        self,
        target: str,
        *,
        max_requests: int,
        rps: float,
        secrets: list[str],
        on_request: Callable[[int], None] | None = None,
        client: httpx.Client | None = None,
    ) -> None:
        parts = urlsplit(target)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ProbeError(f"bad --target {target!r}: expected http(s)://host[:port]")
        self.target = target.rstrip("/")
        self.host = parts.netloc
        self.max_requests = max_requests
        self.sent = 0
        self.base_path = ""
        self.reserved = 0
        self.cleaning = False
        self._bucket = _TokenBucket(rps)
        self._secrets = sorted((s for s in secrets if s), key=len, reverse=True)
        self._on_request = on_request
        self._lock = threading.Lock()
        self._client = client or httpx.Client(follow_redirects=False, timeout=15.0)

    def close(self) -> None:
        self._client.close()

    def redact(self, text: str) -> str:
        """Every credential the run met (the identities' own, and tokens, keys and secrets the
        target issued or exposed), any JWT, and secret-looking query values."""
        for secret in self._secrets:
            text = text.replace(secret, "<redacted>")
        text = _JWT.sub("<redacted>", text)
        return _QUERY_SECRET.sub(r"\1<redacted>", text)

    def learn(self, data: Any, headers: httpx.Headers) -> None:
        """Remember credential-looking values of an answer so no report shows them."""
        found = {secret.record[secret.field] for secret in secrets_in(data)}
        found |= set(_token_values(data))
        for cookie in headers.get_list("set-cookie"):
            value = cookie.split(";", 1)[0].partition("=")[2].strip()
            found.add(value)
        fresh = {
            str(v) for v in found if len(str(v)) >= _MIN_SECRET and not _CANARY.fullmatch(str(v))
        } - set(self._secrets)
        if fresh:
            self._secrets = sorted({*self._secrets, *fresh}, key=len, reverse=True)

    def fetch_url(self, url: str) -> httpx.Response:
        """GET an absolute URL on the target host (used for the OpenAPI document)."""
        if urlsplit(url).netloc != self.host:
            raise ProbeError(f"refusing {url}: the probe only talks to {self.host}")
        return self._send("GET", url, {}, None)

    def request(
        self,
        identity: Identity,
        method: str,
        path: str,
        *,
        params: dict[str, str] | None = None,
        body: Any = None,
        media: str = "application/json",
        extra_headers: dict[str, str] | None = None,
    ) -> Exchange:
        """Send as `identity`; a body goes as JSON, or as a form when the operation takes one."""
        url = self.target + self.base_path + path
        headers = {**(extra_headers or {}), **identity.headers()}
        auth_query = identity.query()
        if auth_query:
            params = {**(params or {}), **auth_query}
        content = None if body is None else json.dumps(body)
        if content is not None and "form" in media and isinstance(body, dict):
            content = urlencode({k: _form_value(v) for k, v in body.items()})
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        elif content is not None:
            headers["Content-Type"] = "application/json"
        response = self._send(method, url, headers, content, params)
        text = response.text
        try:
            data = response.json() if text else None
        except ValueError:
            data = None
        self.learn(data, response.headers)
        shown_path = self.base_path + path
        secret_headers = {"authorization", "cookie", (identity.auth_header or "").lower()}
        if params:
            shown = {k: v for k, v in params.items() if k not in auth_query}
            if shown:
                shown_path += "?" + "&".join(f"{k}={v}" for k, v in shown.items())
        return Exchange(
            identity=identity.name,
            method=method,
            path=self.redact(shown_path),
            request_headers={
                k: (f"<redacted:{identity.name}>" if k.lower() in secret_headers else v)
                for k, v in headers.items()
            },
            request_body=self.redact(_truncate(content or "")),
            status=response.status_code,
            response_headers={
                k: self.redact(v)
                for k, v in response.headers.items()
                if k.lower() in ("content-type", "location", "www-authenticate", "etag")
            },
            response_body=self.redact(_truncate(text)),
            full_text=text,
            data=data,
        )

    def _send(
        self,
        method: str,
        url: str,
        headers: dict[str, str],
        content: str | None,
        params: dict[str, str] | None = None,
    ) -> httpx.Response:
        with self._lock:
            held_back = 0 if self.cleaning else self.reserved
            if self.sent >= self.max_requests - held_back:
                raise BudgetExhausted
            self.sent += 1
        self._bucket.take()
        for attempt in (1, 2):
            try:
                response = self._client.request(
                    method, url, headers=headers, content=content, params=params
                )
                break
            except httpx.HTTPError as error:
                if attempt == 1 and self.sent > 1 and isinstance(error, httpx.TransportError):
                    continue  # a server that drops a kept-alive connection after a 500
                reason = str(error).splitlines()[0] if str(error) else type(error).__name__
                raise ProbeError(f"cannot reach {self.target}: {reason}") from None
        if self._on_request is not None:
            self._on_request(self.sent)
        return response


def _token_values(data: Any) -> list[str]:
    """String values of token-named fields (`token`, `access_token`, `api_key`...) at any depth."""
    return [
        value
        for _, key, value in fields(data, max_depth=6)
        if isinstance(value, str) and normalise(key) in _TOKEN_FIELDS
    ]


def _form_value(value: Any) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    return value if isinstance(value, str) else json.dumps(value)


def _truncate(text: str) -> str:
    if len(text) <= _BODY_LIMIT:
        return text
    return text[:_BODY_LIMIT] + f"... [{len(text) - _BODY_LIMIT} more characters]"
