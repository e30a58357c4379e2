"""boto3 clients made once per container and only when first needed (cold starts pay for what they use)."""

from __future__ import annotations

import os
from typing import Any

from botocore.config import Config

from scrm.adapters.lazy import lazy

_CONFIG = Config(
    retries={"max_attempts": 3, "mode": "standard"},
    connect_timeout=2,
    read_timeout=5,
    max_pool_connections=50,
)


def region_of(session: Any = None) -> str:
    """AWS_REGION (set in Lambda), else the environment or profile's region, else us-east-1."""
    if os.environ.get("AWS_REGION"):
        return os.environ["AWS_REGION"]
    if session is None:
        import botocore.session

        return botocore.session.get_session().get_config_variable("region") or "us-east-1"
    return session.region_name or "us-east-1"


@lazy
def client(service: str, endpoint_url: str | None = None) -> Any:
    """``endpoint_url`` only for the local stack's extra moto processes; None everywhere else."""
    import boto3

    session = boto3.session.Session()
    return session.client(service, region_name=region_of(session), endpoint_url=endpoint_url, config=_CONFIG)


def reset() -> None:
    """Forget cached clients (tests that change AWS_ENDPOINT_URL)."""
    client.cache_clear()
