"""boto3 clients made once per container and only when first needed (cold starts pay for what they use)."""

from __future__ import annotations

import functools
import os
from typing import Any

from botocore.config import Config

_CONFIG = Config(
    retries={"max_attempts": 3, "mode": "standard"},
    connect_timeout=2,
    read_timeout=5,
    max_pool_connections=50,
)


@functools.cache
def client(service: str) -> Any:
    import boto3

    region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"
    return boto3.session.Session().client(service, region_name=region, config=_CONFIG)


def reset() -> None:
    """Forget cached clients (tests that change AWS_ENDPOINT_URL)."""
    client.cache_clear()
