"""Environment that points every AWS client at the local moto servers (and nowhere else)."""

from __future__ import annotations

REGION = "us-east-1"


def aws_env(dynamodb_port: int, messaging_port: int) -> dict[str, str]:
    """One moto process per busy concern, one GIL each: DynamoDB; SQS and Secrets Manager (the callback
    route's only service on its ack path, so its sends never queue behind the consumers' table writes).
    On AWS these are the regional endpoints and none of these variables is set."""
    dynamo = f"http://127.0.0.1:{dynamodb_port}"
    messaging = f"http://127.0.0.1:{messaging_port}"
    return {
        "AWS_ENDPOINT_URL": messaging,
        "AWS_ENDPOINT_URL_DYNAMODB": dynamo,
        "AWS_ENDPOINT_URL_SQS": messaging,
        "AWS_ENDPOINT_URL_SECRETS_MANAGER": messaging,
        "AWS_DEFAULT_REGION": REGION,
        "AWS_REGION": REGION,
        "AWS_ACCESS_KEY_ID": "local",
        "AWS_SECRET_ACCESS_KEY": "local",
        "AWS_EC2_METADATA_DISABLED": "true",
    }
