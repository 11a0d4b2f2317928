"""The boto3 DynamoDB client, built from settings. Local mode never reaches AWS: it needs an
endpoint and uses fixed dummy credentials, so real AWS keys are never sent."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import boto3
from botocore.config import Config

from dynaguard.config import Mode, Settings
from dynaguard.errors import DynaguardError
from dynaguard.store import deadline

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
_CLIENT_CONFIG = Config(
    retries={"mode": "standard", "max_attempts": 3},
    connect_timeout=2,
    read_timeout=5,
    max_pool_connections=64,
    tcp_keepalive=True,
)
"""For the control plane (CreateTable, DescribeTable) and any call outside the store. The store's
own calls get per-attempt timeouts and resends that fit DYNAGUARD_DYNAMODB_DEADLINE_SECONDS
(`deadline.py`)."""


def _session(settings: Settings, url: str | None) -> Any:
    if settings.mode is Mode.AWS:
        return boto3.session.Session(region_name=settings.region)
    if url is None:
        raise DynaguardError(
            "local mode needs a DynamoDB endpoint: run `dynaguard serve` (it starts one) "
            "or pass --dynamodb-endpoint URL; use --mode aws for Amazon DynamoDB"
        )
    return boto3.session.Session(
        aws_access_key_id="dynaguardlocal",
        aws_secret_access_key="dynaguardlocal",
        region_name=settings.region,
    )


def dynamodb_client(settings: Settings, endpoint: str | None = None) -> DynamoDBClient:
    """A low-level DynamoDB client; `endpoint` overrides the configured one (embedded engine)."""
    url = endpoint or settings.dynamodb_endpoint
    client: DynamoDBClient = _session(settings, url).client(
        "dynamodb", endpoint_url=url, config=_CLIENT_CONFIG
    )
    deadline.install(client, settings.dynamodb_deadline_seconds, bound_attempts=True)
    return client


def dynamodb_table_resource(settings: Settings, endpoint: str | None = None) -> Any:
    """A boto3 `Table` resource, the seed's style; used by the contrast examples only."""
    url = endpoint or settings.dynamodb_endpoint
    resource = _session(settings, url).resource("dynamodb", endpoint_url=url, config=_CLIENT_CONFIG)
    return resource.Table(settings.table)
