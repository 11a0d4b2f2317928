"""The boto3 DynamoDB client, built from settings. Local mode never reaches AWS: it needs an
endpoint and uses fixed dummy credentials, so real AWS keys are never sent."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError

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


LOCAL_REGION = "us-east-1"
"""The region name local engines see. DynamoDB Local keeps one database file per access key and
region, so it must stay fixed for data written earlier to be found again."""


def aws_session(settings: Settings) -> Any:
    """A session for Amazon DynamoDB whose region comes from the standard chain: DYNAGUARD_REGION,
    then AWS_REGION, then boto3's own (AWS_DEFAULT_REGION, the profile's region). There is no
    default: a forgotten region must fail, not quietly use (or create) a table elsewhere."""
    region = settings.region or os.environ.get("AWS_REGION") or None
    try:
        session = boto3.session.Session(region_name=region)
    except BotoCoreError as error:
        raise DynaguardError(f"cannot load the AWS configuration: {error}") from None
    if not session.region_name:
        raise DynaguardError(
            "aws mode needs a region: set DYNAGUARD_REGION (or --region), AWS_REGION, "
            "AWS_DEFAULT_REGION or a region in your AWS profile"
        )
    return session


def _session(settings: Settings, url: str | None) -> Any:
    if settings.mode is Mode.AWS:
        return aws_session(settings)
    if url is None:
        raise DynaguardError(
            "local mode needs a DynamoDB endpoint: run `dynaguard serve` (it starts one) "
            "or pass --dynamodb-endpoint URL; use --mode aws for Amazon DynamoDB"
        )
    return boto3.session.Session(
        aws_access_key_id="dynaguardlocal",
        aws_secret_access_key="dynaguardlocal",
        region_name=settings.region or LOCAL_REGION,
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
