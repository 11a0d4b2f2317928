"""DynamoDB: boto3/aioboto3 operations and their keywords, the sinks that turn a call into facts,
PynamoDB models, which table a call reaches and whether its items have an owner, bootstrap."""
