"""What the store can refuse, in terms the HTTP layer maps one-to-one to status codes."""


class StoreError(Exception):
    """Base of every refusal the store raises on purpose."""


class NotFound(StoreError):
    """Missing, or not yours: deliberately the same thing (404)."""


class VersionConflict(StoreError):
    """Your own item, but its version is not the one you said (412)."""


class BadCursor(StoreError):
    """A page cursor that is tampered, foreign, for another query, or expired (400)."""


class StoreUnavailable(StoreError):
    """DynamoDB did not answer or throttled beyond retries (503)."""


class InvalidValue(StoreError):
    """A value the store will not write (422). This base class is DynamoDB's own refusal
    (ValidationException), a safety net whose message is logged but not shown to the caller."""


class UnstorableValue(InvalidValue):
    """A value DynamoDB cannot hold faithfully, refused before any request is sent (422); the
    message names the field and the rule and is safe to show to the caller."""


class InvalidRequest(StoreError):
    """A library call with arguments the store refuses (a page limit out of range, a change to an
    unknown field or of the wrong type); 422, and the message is safe to show."""


class IdempotencyKeyReused(StoreError):
    """An Idempotency-Key already used for a create with different fields (422)."""


class Forbidden(StoreError):
    """You may see this item (a viewer, or any member of its org) but not change it (403)."""


class TooManyGrants(StoreError):
    """The item already has its entity type's maximum number of grants (409)."""


class InvalidGrant(StoreError):
    """A grant that cannot exist: to oneself, or to something that is not a user id (422)."""
