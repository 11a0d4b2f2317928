"""Framework and library models over the core: FastAPI (routes, parameters, authentication,
responses), boto3/aioboto3/PynamoDB (calls, sinks, tables), libraries as data; the facts they
establish for the rules, and what the sink models see of the data-flow pass."""
