"""Count the AWS calls a local app process makes (the benchmark's "AWS calls per callback").

botocore's one entry point for every API call is patched to count (service, operation, resource); the
counts are read through the app process's control server (``GET /stats``). Only the local stack does
this: nothing of it is deployed.
"""

from __future__ import annotations

import threading
from collections import Counter
from typing import Any
from urllib.parse import urlparse

_counts: Counter[str] = Counter()
_lock = threading.Lock()


def _resource(service: str, params: dict[str, Any]) -> str:
    if "QueueUrl" in params:
        return urlparse(params["QueueUrl"]).path.rsplit("/", 1)[-1]
    if "TableName" in params:
        return str(params["TableName"])
    if "SecretId" in params:
        return "secret"
    return ""


def install() -> None:
    import botocore.client

    original = botocore.client.BaseClient._make_api_call
    if getattr(original, "_devstack_counted", False):
        return

    def counted(self: Any, operation_name: str, api_params: dict[str, Any]) -> Any:
        service = self.meta.service_model.service_name
        key = f"{service}:{operation_name}:{_resource(service, api_params)}"
        with _lock:
            _counts[key] += 1
        return original(self, operation_name, api_params)

    counted._devstack_counted = True  # type: ignore[attr-defined]
    botocore.client.BaseClient._make_api_call = counted  # type: ignore[method-assign]


def snapshot() -> dict[str, int]:
    with _lock:
        return dict(_counts)


def delta(before: dict[str, int], after: dict[str, int]) -> dict[str, int]:
    return {k: n - before.get(k, 0) for k, n in after.items() if n - before.get(k, 0)}
