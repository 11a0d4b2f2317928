"""Writes that stay correct when they are sent twice.

Twice by the SDK: when DynamoDB answers after the client's read timeout, botocore resends a write
that was already applied. Every create and update therefore stores a fresh `write_token` on the
item; an update's condition also demands that the token differs, so a resend is never applied
twice, and a ConditionalCheckFailed is followed by one consistent read of the caller's own key:
if the item carries our token, our write is what made the condition false, and the write
succeeded. (A resent delete finds the caller's own key empty; see `owned.py`.)

Twice by the client: a create sent with an Idempotency-Key also writes, in the same transaction,
a record of the key (its SHA-256, the item id and a fingerprint of the fields) in the caller's own
partition. A retry finds the record and gets the same item back; the same key with other fields
is refused. Records are honoured for `IDEMPOTENCY_TTL_SECONDS`; afterwards the key may be reused
(the record carries `expires_at`, ready for DynamoDB's TTL)."""

from __future__ import annotations

import hashlib
import json
import time
import uuid
from typing import Any, Final

from dynaguard.store.errors import InvalidRequest

IDEMPOTENCY_TTL_SECONDS: Final = 24 * 3600
MAX_KEY_CHARS: Final = 255


def new_write_token() -> str:
    """A fresh token for one write (also a valid ClientRequestToken: 32 characters)."""
    return uuid.uuid4().hex


def key_digest(idempotency_key: str) -> str:
    """The SHA-256 (hex) of a client's Idempotency-Key: 1-255 visible ASCII characters."""
    if not 1 <= len(idempotency_key) <= MAX_KEY_CHARS or not all(
        "\x21" <= char <= "\x7e" for char in idempotency_key
    ):
        raise InvalidRequest(
            f"Idempotency-Key must be 1-{MAX_KEY_CHARS} visible ASCII characters, e.g. a UUID"
        )
    return hashlib.sha256(idempotency_key.encode("ascii")).hexdigest()


def fingerprint(fields: dict[str, Any]) -> str:
    """What the create asked for, so that a key reused for different fields is recognised."""
    canonical = json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(canonical.encode()).hexdigest()


def expiry(now: float | None = None) -> int:
    """The epoch second after which a key record is no longer honoured."""
    return int(now if now is not None else time.time()) + IDEMPOTENCY_TTL_SECONDS
