"""The low layer ("hazmat"): the raw DynamoDB client and table name, and the translation of botocore
failures into store errors. Only modules inside dynaguard.store import this.

Each method is one DynamoDB request whose shape mypy checks against the client's stubs
(`mypy-boto3-dynamodb`, a development dependency: annotations are not evaluated at run time)."""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

from botocore.exceptions import BotoCoreError, ClientError

from dynaguard.store import deadline
from dynaguard.store.codec import Wire
from dynaguard.store.errors import InvalidValue, StoreUnavailable

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_dynamodb.type_defs import (
        AttributeValueTypeDef,
        BatchGetItemInputTypeDef,
        ConditionCheckTypeDef,
        DeleteItemInputTypeDef,
        DeleteTypeDef,
        GetItemInputTypeDef,
        PutItemInputTypeDef,
        PutTypeDef,
        QueryInputTypeDef,
        TransactWriteItemsInputTypeDef,
        TransactWriteItemTypeDef,
        UpdateItemInputTypeDef,
        UpdateTypeDef,
    )


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
    """The write's condition did not hold; the caller decides what that means. `resent` is true
    when the SDK sent the request more than once: an earlier attempt may have been applied (and
    made the condition false), so the caller checks its own key before calling it a refusal."""

    def __init__(self, resent: bool = False, item: Wire | None = None) -> None:
        super().__init__("condition failed")
        self.resent = resent
        self.item = item
        """The item as the refused condition saw it, when the request asked for it
        (`update_item(..., old_on_failure=True)`); None otherwise or when there is none."""


class TransactionFailed(ConditionFailed):
    """A transaction was cancelled because a condition did not hold; `reasons` has one code per
    action, in order (`ConditionalCheckFailed` or `None`)."""

    def __init__(self, reasons: list[str], resent: bool = False) -> None:
        super().__init__(resent)
        self.reasons = reasons


class TransactionConflict(ConditionFailed):
    """A transaction cancelled by a concurrent write to one of its items: nothing was applied."""


_TRANSACTION_ATTEMPTS = 4
"""A transaction cancelled by a concurrent write to one of its items (`TransactionConflict`) was not
applied at all, so it is sent again, a few times, after a short pause (failure path only)."""


@dataclass(frozen=True, slots=True)
class Condition:
    """A ConditionExpression with the values (and names) it refers to."""

    expression: str
    values: Mapping[str, AttributeValueTypeDef]
    names: Mapping[str, str] | None = None


@dataclass(frozen=True, slots=True)
class QueryPage:
    """The items of one Query page and the key to continue from (None on the last page)."""

    items: list[Wire]
    last_key: Wire | None


@contextmanager
def _call() -> Iterator[None]:
    """One store call: bounded by the deadline (`deadline.py`), and botocore failures as store
    errors: ConditionFailed, InvalidValue or StoreUnavailable."""
    with deadline.store_call() as state:
        try:
            yield
        except ClientError as error:
            raise _translated(error, state.resent) from None
        except BotoCoreError as error:
            raise StoreUnavailable(type(error).__name__) from None


def _translated(error: ClientError, resent: bool) -> Exception:
    code = error.response.get("Error", {}).get("Code", "")
    if code == "ConditionalCheckFailedException":
        item: Wire | None = error.response.get("Item")
        return ConditionFailed(resent, item)
    if code == "TransactionCanceledException":
        codes = [
            reason.get("Code", "None") for reason in error.response.get("CancellationReasons", [])
        ]
        reasons = set(codes)
        if "ConditionalCheckFailed" in reasons:
            return TransactionFailed(codes, resent)
        if "TransactionConflict" in reasons:
            return TransactionConflict(resent)
        if "ValidationError" in reasons:
            return InvalidValue(error.response.get("Error", {}).get("Message", ""))
        return StoreUnavailable(code)
    if code == "ValidationException":
        return InvalidValue(error.response.get("Error", {}).get("Message", ""))
    if (
        code in _UNAVAILABLE
        or error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0) >= 500
    ):
        return StoreUnavailable(code or "DynamoDB error")
    unexpected: Exception = error
    return unexpected


class Engine:
    """One table behind one client. Every method is exactly one DynamoDB request."""

    def __init__(
        self, client: DynamoDBClient, table: str, deadline_seconds: float | None = None
    ) -> None:
        deadline.install(client, deadline_seconds)
        self._client = client
        self._table = table

    def get_item(self, key: Wire, *, consistent: bool = False) -> Wire | None:
        request: GetItemInputTypeDef = {"TableName": self._table, "Key": key}
        if consistent:
            request["ConsistentRead"] = True
        with _call():
            return self._client.get_item(**request).get("Item")

    def put_item(
        self, item: Wire, condition: Condition | str | None, *, return_old: bool = False
    ) -> Wire | None:
        """Write `item` if `condition` holds (always with None: only for index records, which
        never grant anything); with `return_old`, the replaced item (if any)."""
        request: PutItemInputTypeDef = {"TableName": self._table, "Item": item}
        _apply(request, condition)
        if return_old:
            request["ReturnValues"] = "ALL_OLD"
        with _call():
            return self._client.put_item(**request).get("Attributes")

    def update_item(
        self,
        key: Wire,
        update: str,
        values: Mapping[str, AttributeValueTypeDef],
        condition: Condition,
        names: Mapping[str, str] | None = None,
        *,
        old_on_failure: bool = False,
    ) -> Wire:
        """Apply `update` if `condition` holds; the item as it is afterwards. With
        `old_on_failure`, a refusal carries the item as the condition saw it (`ConditionFailed
        .item`): for callers that would read the same key next anyway."""
        request: UpdateItemInputTypeDef = {
            "TableName": self._table,
            "Key": key,
            "UpdateExpression": update,
            "ConditionExpression": condition.expression,
            "ExpressionAttributeValues": {**values, **condition.values},
            "ReturnValues": "ALL_NEW",
        }
        if old_on_failure:
            request["ReturnValuesOnConditionCheckFailure"] = "ALL_OLD"
        all_names = {**(names or {}), **(condition.names or {})}
        if all_names:
            request["ExpressionAttributeNames"] = all_names
        with _call():
            return self._client.update_item(**request)["Attributes"]

    def delete_item(
        self, key: Wire, condition: Condition | None, *, return_old: bool = False
    ) -> Wire | None:
        """Delete the item at `key` if `condition` holds (always with None: only for index
        records); with `return_old`, the deleted item."""
        request: DeleteItemInputTypeDef = {"TableName": self._table, "Key": key}
        _apply(request, condition)
        if return_old:
            request["ReturnValues"] = "ALL_OLD"
        with _call():
            return self._client.delete_item(**request).get("Attributes")

    def put_items(self, puts: list[tuple[Wire, Condition | str]], token: str) -> None:
        """Write every item if every condition holds, or none (one TransactWriteItems). `token`
        is the ClientRequestToken: DynamoDB treats a resend carrying it as the same request."""
        items: list[TransactWriteItemTypeDef] = []
        for item, condition in puts:
            put: PutTypeDef = {"TableName": self._table, "Item": item}
            if isinstance(condition, str):
                put["ConditionExpression"] = condition
            else:
                put["ConditionExpression"] = condition.expression
                if condition.values:
                    put["ExpressionAttributeValues"] = condition.values
                if condition.names:
                    put["ExpressionAttributeNames"] = condition.names
            items.append({"Put": put})
        with _call():
            self._client.transact_write_items(TransactItems=items, ClientRequestToken=token)

    def query(
        self,
        key_condition: str,
        values: Mapping[str, AttributeValueTypeDef],
        *,
        index: str | None = None,
        limit: int | None = None,
        start: Wire | None = None,
        projection: str | None = None,
        names: Mapping[str, str] | None = None,
        consistent: bool = False,
    ) -> QueryPage:
        """One Query request (one page); `consistent` only on the table, never an index.
        `names` are the expression attribute names `projection` uses."""
        request: QueryInputTypeDef = {
            "TableName": self._table,
            "KeyConditionExpression": key_condition,
            "ExpressionAttributeValues": values,
        }
        if index is not None:
            request["IndexName"] = index
        if limit is not None:
            request["Limit"] = limit
        if start is not None:
            request["ExclusiveStartKey"] = start
        if projection is not None:
            request["ProjectionExpression"] = projection
        if names:
            request["ExpressionAttributeNames"] = names
        if consistent:
            request["ConsistentRead"] = True
        with _call():
            response = self._client.query(**request)
        return QueryPage(response.get("Items", []), response.get("LastEvaluatedKey"))

    def batch_get_item(self, keys: Sequence[Wire], *, consistent: bool = False) -> list[Wire]:
        """One BatchGetItem of at most 100 keys; the items that exist, in no particular order.

        Keys DynamoDB leaves unprocessed (only under throttling: a page is far below the 16 MB
        response limit) are a StoreUnavailable, never a silently shorter answer."""
        if not keys:
            return []
        if len(keys) > 100:
            raise ValueError("BatchGetItem takes at most 100 keys")
        request: BatchGetItemInputTypeDef = {
            "RequestItems": {self._table: {"Keys": list(keys), "ConsistentRead": consistent}}
        }
        with _call():
            response = self._client.batch_get_item(**request)
        if response.get("UnprocessedKeys"):
            raise StoreUnavailable("BatchGetItem left keys unprocessed")
        return list(response.get("Responses", {}).get(self._table, []))

    def update_action(
        self,
        key: Wire,
        update: str,
        values: Mapping[str, AttributeValueTypeDef],
        condition: Condition,
        names: Mapping[str, str] | None = None,
    ) -> TransactWriteItemTypeDef:
        """A conditional Update for `transact_write_items`."""
        action: UpdateTypeDef = {
            "TableName": self._table,
            "Key": key,
            "UpdateExpression": update,
            "ConditionExpression": condition.expression,
            "ExpressionAttributeValues": {**values, **condition.values},
        }
        all_names = {**(names or {}), **(condition.names or {})}
        if all_names:
            action["ExpressionAttributeNames"] = all_names
        return {"Update": action}

    def put_action(self, item: Wire) -> TransactWriteItemTypeDef:
        """A Put for `transact_write_items`; the transaction's other actions carry its condition."""
        action: PutTypeDef = {"TableName": self._table, "Item": item}
        return {"Put": action}

    def delete_action(self, key: Wire) -> TransactWriteItemTypeDef:
        """A Delete for `transact_write_items`; the transaction's other actions carry its
        condition."""
        action: DeleteTypeDef = {"TableName": self._table, "Key": key}
        return {"Delete": action}

    def condition_check_action(self, key: Wire, condition: Condition) -> TransactWriteItemTypeDef:
        """A ConditionCheck for `transact_write_items`: the transaction applies only if
        `condition` holds on `key` (which it does not change)."""
        action: ConditionCheckTypeDef = {
            "TableName": self._table,
            "Key": key,
            "ConditionExpression": condition.expression,
        }
        if condition.values:
            action["ExpressionAttributeValues"] = condition.values
        if condition.names:
            action["ExpressionAttributeNames"] = condition.names
        return {"ConditionCheck": action}

    def transact_write_items(self, actions: Sequence[TransactWriteItemTypeDef]) -> None:
        """One TransactWriteItems: all actions or none. A failed condition is TransactionFailed;
        a conflict with a concurrent write is retried (it changed nothing), then
        StoreUnavailable."""
        request: TransactWriteItemsInputTypeDef = {"TransactItems": list(actions)}
        with deadline.store_deadline():  # the resends share one deadline
            for attempt in range(_TRANSACTION_ATTEMPTS):
                try:
                    with _call():
                        self._client.transact_write_items(**request)
                    return
                except TransactionConflict:
                    if attempt + 1 < _TRANSACTION_ATTEMPTS:
                        time.sleep(0.02 * 2**attempt)
        raise StoreUnavailable("TransactionConflict")


def _apply(
    request: PutItemInputTypeDef | DeleteItemInputTypeDef, condition: Condition | str | None
) -> None:
    """Add a condition to a Put or Delete request (the same three fields on both)."""
    if condition is None:
        return
    if isinstance(condition, str):
        request["ConditionExpression"] = condition
        return
    request["ConditionExpression"] = condition.expression
    if condition.values:
        request["ExpressionAttributeValues"] = condition.values
    if condition.names:
        request["ExpressionAttributeNames"] = condition.names
