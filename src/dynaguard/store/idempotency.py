"""Writes that stay correct when they are sent twice.

Twice by the SDK: when DynamoDB answers after the client's read timeout, botocore resends a write
that was already applied. Every create and update therefore stores a fresh `write_token` on the
item; an update's condition also demands that the token differs, so a resend is never applied
twice, and a ConditionalCheckFailed is followed by one consistent read of the caller's own key:
if the item carries our token, our write is what made the condition false, and the write
succeeded. (A resent delete finds the caller's own key empty; see `owned.py`.)

Twice by the client: a create sent with an Idempotency-Key first claims the key with a record in
the caller's own partition (its SHA-256, the new item's id, a fingerprint of the stored fields,
`state` pending), then creates the item, then marks the claim done: three single-item writes,
each durable on DynamoDB Local as on Amazon DynamoDB (a transaction is not always durable on
DynamoDB Local). A retry finds the record: done, it gets the item back (404 if it was deleted
since); pending, the first create may have stopped between its writes (a crash), so the retry
creates the item under the claimed id, which an earlier attempt may already have done (the id
exists nowhere else). The same key with other fields is refused. Records are honoured for
`IDEMPOTENCY_TTL_SECONDS`; afterwards the key may be reused, and DynamoDB's TTL on `expires_at`
deletes them."""

from __future__ import annotations

import hashlib
import json
import time
import uuid
from typing import Final

from dynaguard.store.codec import Wire
from dynaguard.store.errors import InvalidRequest

IDEMPOTENCY_TTL_SECONDS: Final = 24 * 3600
MAX_KEY_CHARS: Final = 255
PENDING: Final = "pending"
DONE: Final = "done"
"""The `state` of a key's record: claimed, or its item created."""


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


def fingerprint(stored: Wire) -> str:
    """What the create asked for, as it is stored (numbers in DynamoDB's canonical form, so `1`
    and `1.0` are the same request), so that a key reused for other fields is recognised."""
    canonical = json.dumps(stored, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(canonical.encode()).hexdigest()


def expiry(now: float | None = None) -> int:
    """The epoch second after which a key record is no longer honoured."""
    return int(now if now is not None else time.time()) + IDEMPOTENCY_TTL_SECONDS
