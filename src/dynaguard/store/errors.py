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
    """DynamoDB refused a value the models let through (422); a safety net, logged."""


class Forbidden(StoreError):
    """You may see this item (a viewer, or any member of its org) but not change it (403)."""


class TooManyGrants(StoreError):
    """The item already has its entity type's maximum number of grants (409)."""


class InvalidGrant(StoreError):
    """A grant that cannot exist: to oneself, or to something that is not a user id (422)."""
