"""The low layer ("hazmat"): the raw DynamoDB client and table name, and the translation of botocore
failures into store errors. Only modules inside dynaguard.store import this."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from dynaguard.store.errors import InvalidValue, StoreUnavailable

_UNAVAILABLE = frozenset(
    {
        "ProvisionedThroughputExceededException",
        "ThrottlingException",
        "RequestLimitExceeded",
        "InternalServerError",
        "ServiceUnavailable",
        "ResourceNotFoundException",
        "LimitExceededException",
    }
)


class ConditionFailed(Exception):
    """The write's condition did not hold; the caller decides what that means."""


class Engine:
    """One table behind one client. Every call is exactly one DynamoDB request."""

    def __init__(self, client: Any, table: str) -> None:
        self._client = client
        self._table = table

    def call(self, operation: str, **params: Any) -> dict[str, Any]:
        """Run `operation` on the table; raises ConditionFailed or StoreUnavailable."""
        try:
            response: dict[str, Any] = getattr(self._client, operation)(
                TableName=self._table, **params
            )
            return response
        except ClientError as error:
            code = error.response.get("Error", {}).get("Code", "")
            if code == "ConditionalCheckFailedException":
                raise ConditionFailed from None
            if code == "ValidationException":
                message = error.response.get("Error", {}).get("Message", "")
                raise InvalidValue(message) from None
            if (
                code in _UNAVAILABLE
                or error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0) >= 500
            ):
                raise StoreUnavailable(code or "DynamoDB error") from None
            raise
        except BotoCoreError as error:
            raise StoreUnavailable(type(error).__name__) from None
