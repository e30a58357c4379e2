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
# The callback route's ack path: one try per call with short timeouts, because the route runs its own
# retry loop against WeCom's 5-second deadline (botocore's retries and 5 s reads would outlast it).
_ACK_CONFIG = Config(
    retries={"total_max_attempts": 1, "mode": "standard"},
    connect_timeout=1,
    read_timeout=1.5,
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


@lazy
def ack_client(service: str) -> Any:
    """A client for calls made while WeCom waits for our answer: single tries, short timeouts."""
    import boto3

    session = boto3.session.Session()
    return session.client(service, region_name=region_of(session), config=_ACK_CONFIG)


def reset() -> None:
    """Forget cached clients (tests that change AWS_ENDPOINT_URL)."""
    client.cache_clear()
    ack_client.cache_clear()
