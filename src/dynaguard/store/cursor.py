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
import secrets
import stat
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from dynaguard.errors import DynaguardError
from dynaguard.store.errors import BadCursor

_NONCE_BYTES = 12
_MAX_CURSOR_CHARS = 2048
SECRET_BYTES: Final = 32
"""A cursor secret carries at least 256 bits: 32 random bytes (the generated key file holds
exactly that; `DYNAGUARD_CURSOR_SECRET` must decode to at least that, see `config.py`)."""


@dataclass(frozen=True, slots=True)
class Binding:
    """What a cursor is bound to (the AES-GCM associated data). Build it with `cursor_binding`
    only: a hand-joined string such as `a|b` is ambiguous when the parts may contain `|`."""

    encoded: bytes


def cursor_binding(scope: str, *parts: str) -> Binding:
    """The one way to bind a cursor: a JSON array of the scope and its parts, so that no two
    different tuples of strings ever encode the same (every part is quoted and escaped)."""
    return Binding(json.dumps([scope, *parts], separators=(",", ":")).encode())


class CursorSealer:
    """Seals and opens cursors for one server secret."""

    def __init__(self, secret: bytes, ttl_seconds: int) -> None:
        if len(secret) < SECRET_BYTES:
            raise ValueError(f"cursor secret must be at least {SECRET_BYTES} bytes")
        self._aead = AESGCM(hashlib.sha256(b"dynaguard-cursor\0" + secret).digest())
        self._ttl = ttl_seconds

    def seal(self, last_key: dict[str, Any], binding: Binding) -> str:
        """Encrypt `last_key`; only the same binding (caller + query) opens it before expiry."""
        body = json.dumps({"k": last_key, "e": int(time.time()) + self._ttl}, separators=(",", ":"))
        nonce = os.urandom(_NONCE_BYTES)
        sealed = self._aead.encrypt(nonce, body.encode(), binding.encoded)
        return base64.urlsafe_b64encode(nonce + sealed).decode().rstrip("=")

    def open(self, cursor: str, binding: Binding) -> dict[str, Any]:
        """The LastEvaluatedKey inside `cursor`, or BadCursor."""
        if len(cursor) > _MAX_CURSOR_CHARS:
            raise BadCursor("cursor is too long")
        try:
            raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
            plain = self._aead.decrypt(raw[:_NONCE_BYTES], raw[_NONCE_BYTES:], binding.encoded)
            body = json.loads(plain)
        except (binascii.Error, ValueError, InvalidTag):
            raise BadCursor("cursor is not valid for this caller and query") from None
        if body["e"] < time.time():
            raise BadCursor("cursor has expired; start from the first page")
        last_key: dict[str, Any] = body["k"]
        return last_key


def load_or_create_secret(path: os.PathLike[str] | str) -> bytes:
    """The 32-byte secret kept in `path`, created on first use with the dev signing key's care:
    written to a private temporary file, flushed to disk, then hard-linked into place (a crash
    leaves either no key file or a whole one; of two racing processes the first one wins). A key
    file that others may access, or that is not exactly 32 bytes, is a one-line DynaguardError."""
    target = Path(path)
    if not target.exists():
        _create_secret_file(target)
    return _read_secret_file(target)


def _create_secret_file(path: Path) -> None:
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(8)}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(os.urandom(SECRET_BYTES))
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(temporary, path)
        except FileExistsError:
            return
        directory = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)
    except OSError as error:
        raise DynaguardError(f"cannot create the cursor key {path}: {error}") from None
    finally:
        temporary.unlink(missing_ok=True)


def _read_secret_file(path: Path) -> bytes:
    """Read the key, refusing one that group or others could read or write (as ssh does)."""
    try:
        if stat.S_IMODE(path.stat().st_mode) & 0o077:
            raise DynaguardError(f"{path} is accessible by other users; run: chmod 600 {path}")
        secret = path.read_bytes()
    except OSError as error:
        raise DynaguardError(f"cannot read the cursor key {path}: {error}") from None
    if len(secret) != SECRET_BYTES:
        raise DynaguardError(
            f"{path} holds {len(secret)} bytes, not {SECRET_BYTES} (truncated?); delete it to "
            "create a new one (page cursors issued with the old key stop working)"
        )
    return secret
