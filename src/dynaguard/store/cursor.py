"""Sealed page cursors: DynamoDB's LastEvaluatedKey, encrypted and authenticated (AES-GCM) with a
server secret and bound to the caller, their org and the query, with an expiry.

A client can hold a cursor but can neither read, forge, replay under another identity nor reuse it
for a different query; any of those is a BadCursor."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
import time
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from dynaguard.store.errors import BadCursor

_NONCE_BYTES = 12
_MAX_CURSOR_CHARS = 2048


class CursorSealer:
    """Seals and opens cursors for one server secret."""

    def __init__(self, secret: bytes, ttl_seconds: int) -> None:
        if len(secret) < 16:
            raise ValueError("cursor secret must be at least 16 bytes")
        self._aead = AESGCM(hashlib.sha256(b"dynaguard-cursor\0" + secret).digest())
        self._ttl = ttl_seconds

    def seal(self, last_key: dict[str, Any], binding: str) -> str:
        """Encrypt `last_key`; only the same binding (caller + query) opens it before expiry."""
        body = json.dumps({"k": last_key, "e": int(time.time()) + self._ttl}, separators=(",", ":"))
        nonce = os.urandom(_NONCE_BYTES)
        sealed = self._aead.encrypt(nonce, body.encode(), binding.encode())
        return base64.urlsafe_b64encode(nonce + sealed).decode().rstrip("=")

    def open(self, cursor: str, binding: str) -> dict[str, Any]:
        """The LastEvaluatedKey inside `cursor`, or BadCursor."""
        if len(cursor) > _MAX_CURSOR_CHARS:
            raise BadCursor("cursor is too long")
        try:
            raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
            plain = self._aead.decrypt(raw[:_NONCE_BYTES], raw[_NONCE_BYTES:], binding.encode())
            body = json.loads(plain)
        except (binascii.Error, ValueError, InvalidTag):
            raise BadCursor("cursor is not valid for this caller and query") from None
        if body["e"] < time.time():
            raise BadCursor("cursor has expired; start from the first page")
        last_key: dict[str, Any] = body["k"]
        return last_key


def load_or_create_secret(path: os.PathLike[str] | str) -> bytes:
    """A 32-byte secret kept in `path` (owner-only), created atomically on first use."""
    try:
        with open(path, "rb") as existing:
            return existing.read()
    except FileNotFoundError:
        pass
    secret = os.urandom(32)
    os.makedirs(os.path.dirname(os.fspath(path)) or ".", exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        with open(path, "rb") as raced:
            return raced.read()
    with os.fdopen(fd, "wb") as created:
        created.write(secret)
    return secret
