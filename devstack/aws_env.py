"""Environment that points every AWS client at the local moto servers (and nowhere else)."""

from __future__ import annotations

REGION = "us-east-1"


def aws_env(dynamodb_port: int, messaging_port: int, dedup_port: int | None = None) -> dict[str, str]:
    """One moto process per busy concern, one GIL each: DynamoDB data tables; SQS and Secrets Manager;
    and, when given, the callback de-dup table (``SCRM_IDEMPOTENCY_ENDPOINT_URL``), so that the callback
    path's writes never queue behind the consumers' writes in one interpreter. On AWS all of these are
    the regional endpoints and none of these variables is set."""
    dynamo = f"http://127.0.0.1:{dynamodb_port}"
    messaging = f"http://127.0.0.1:{messaging_port}"
    extra = {"SCRM_IDEMPOTENCY_ENDPOINT_URL": f"http://127.0.0.1:{dedup_port}"} if dedup_port else {}
    return {
        **extra,
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
