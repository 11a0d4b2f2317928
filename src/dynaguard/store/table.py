"""Table bootstrap: one table, string `pk`/`sk`, a tenant-prefixed GSI for admin lookups and a
sparse GSI of the items each org's members made visible to their org.

`create_table` is idempotent and refuses a table that exists with a different key schema."""

from __future__ import annotations

from typing import TYPE_CHECKING

from botocore.exceptions import BotoCoreError, ClientError

from dynaguard.errors import DynaguardError

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_dynamodb.type_defs import (
        AttributeDefinitionTypeDef,
        KeySchemaElementTypeDef,
        TableDescriptionTypeDef,
    )

GSI_TENANT = "gsi1"
"""Global secondary index keyed by `gsi1pk = ORG#<org>` and `gsi1sk = ITEM#<id>` (admin views)."""

GSI_VISIBLE = "gsi2"
"""Sparse global secondary index keyed by `gsi2pk = ORG#<org>#VISIBLE` and `gsi2sk = <KIND>#<id>`:
only items whose owner made them visible to the org carry these attributes. It projects the
owner and item id, from which the org list rebuilds each item's key inside the caller's org."""

TTL_ATTRIBUTE = "expires_at"
"""The attribute DynamoDB's time to live reads (epoch seconds): Idempotency-Key records carry it."""

_KEY_SCHEMA: list[KeySchemaElementTypeDef] = [
    {"AttributeName": "pk", "KeyType": "HASH"},
    {"AttributeName": "sk", "KeyType": "RANGE"},
]
_GSI_KEY_SCHEMA: list[KeySchemaElementTypeDef] = [
    {"AttributeName": "gsi1pk", "KeyType": "HASH"},
    {"AttributeName": "gsi1sk", "KeyType": "RANGE"},
]
_GSI_VISIBLE_KEY_SCHEMA: list[KeySchemaElementTypeDef] = [
    {"AttributeName": "gsi2pk", "KeyType": "HASH"},
    {"AttributeName": "gsi2sk", "KeyType": "RANGE"},
]


def _attribute_definitions() -> list[AttributeDefinitionTypeDef]:
    names = ("pk", "sk", "gsi1pk", "gsi1sk", "gsi2pk", "gsi2sk")
    return [{"AttributeName": name, "AttributeType": "S"} for name in names]


def describe_table(client: DynamoDBClient, name: str) -> TableDescriptionTypeDef | None:
    """The table description, or None if the table does not exist."""
    try:
        return client.describe_table(TableName=name)["Table"]
    except ClientError as error:
        if error.response["Error"]["Code"] == "ResourceNotFoundException":
            return None
        raise DynaguardError(f"cannot describe table {name}: {_reason(error)}") from None
    except BotoCoreError as error:
        raise DynaguardError(f"cannot reach DynamoDB: {error}") from None


def check_schema(table: TableDescriptionTypeDef) -> None:
    """Raise if an existing table cannot hold dynaguard's keys."""
    name = table["TableName"]
    key_schema = sorted(table["KeySchema"], key=lambda part: part["KeyType"])
    if key_schema != _KEY_SCHEMA:
        raise DynaguardError(
            f"table {name} exists with key schema {_render(key_schema)}; dynaguard needs "
            f"pk (HASH, S) and sk (RANGE, S): choose another --table name"
        )
    indexes = {index["IndexName"]: index for index in table.get("GlobalSecondaryIndexes", [])}
    gsi = indexes.get(GSI_TENANT)
    if gsi is None or sorted(gsi["KeySchema"], key=lambda p: p["KeyType"]) != _GSI_KEY_SCHEMA:
        raise DynaguardError(
            f"table {name} has no index {GSI_TENANT} on gsi1pk/gsi1sk; choose another --table name"
        )
    visible = indexes.get(GSI_VISIBLE)
    if visible is None or sorted(visible["KeySchema"], key=lambda p: p["KeyType"]) != (
        _GSI_VISIBLE_KEY_SCHEMA
    ):
        raise DynaguardError(
            f"table {name} has no index {GSI_VISIBLE} on gsi2pk/gsi2sk (org-visible items, added "
            f"with sharing): add that index (strings, HASH gsi2pk, RANGE gsi2sk, projection "
            f"INCLUDE owner_id, item_id) or choose another --table name"
        )


def create_table(client: DynamoDBClient, name: str) -> tuple[TableDescriptionTypeDef, bool]:
    """Create the table unless it exists; return its description and whether it was created."""
    existing = describe_table(client, name)
    if existing is not None:
        check_schema(existing)
        enable_expiry(client, name)
        return existing, False
    try:
        client.create_table(
            TableName=name,
            BillingMode="PAY_PER_REQUEST",
            AttributeDefinitions=_attribute_definitions(),
            KeySchema=_KEY_SCHEMA,
            GlobalSecondaryIndexes=[
                {
                    "IndexName": GSI_TENANT,
                    "KeySchema": _GSI_KEY_SCHEMA,
                    "Projection": {"ProjectionType": "ALL"},
                },
                {
                    "IndexName": GSI_VISIBLE,
                    "KeySchema": _GSI_VISIBLE_KEY_SCHEMA,
                    "Projection": {
                        "ProjectionType": "INCLUDE",
                        "NonKeyAttributes": ["owner_id", "item_id"],
                    },
                },
            ],
        )
        client.get_waiter("table_exists").wait(
            TableName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 60}
        )
    except ClientError as error:
        if error.response["Error"]["Code"] != "ResourceInUseException":
            raise DynaguardError(f"cannot create table {name}: {_reason(error)}") from None
    except BotoCoreError as error:
        raise DynaguardError(f"cannot reach DynamoDB: {error}") from None
    created = describe_table(client, name)
    if created is None:
        raise DynaguardError(f"table {name} vanished right after it was created; try again")
    enable_expiry(client, name)
    return created, True


def enable_expiry(client: DynamoDBClient, name: str) -> None:
    """Turn on DynamoDB's time to live on `TTL_ATTRIBUTE`, so records that carry it (an
    Idempotency-Key's, after 24 hours) are deleted by DynamoDB instead of kept forever."""
    try:
        current = client.describe_time_to_live(TableName=name)["TimeToLiveDescription"]
        if current.get("TimeToLiveStatus") in ("ENABLED", "ENABLING"):
            return
        client.update_time_to_live(
            TableName=name,
            TimeToLiveSpecification={"Enabled": True, "AttributeName": TTL_ATTRIBUTE},
        )
    except ClientError as error:
        raise DynaguardError(f"cannot enable time to live on {name}: {_reason(error)}") from None
    except BotoCoreError as error:
        raise DynaguardError(f"cannot reach DynamoDB: {error}") from None


def _reason(error: ClientError) -> str:
    details = error.response.get("Error", {})
    return f"{details.get('Code', 'error')}: {details.get('Message', '')}".strip()


def _render(key_schema: list[KeySchemaElementTypeDef]) -> str:
    return ", ".join(f"{part['AttributeName']} ({part['KeyType']})" for part in key_schema)
