"""Model Meta built from scrm.resources, so a model cannot drift from the table the template declares."""

from __future__ import annotations

from scrm.adapters.aws import region_of
from scrm.resources import table


def meta(logical: str) -> type:
    t = table(logical)

    class Meta:
        table_name = t.name
        region = region_of()
        billing_mode = "PAY_PER_REQUEST"
        connect_timeout_seconds = 2
        read_timeout_seconds = 5
        max_retry_attempts = 3
        max_pool_connections = 50  # one connection pool per model, shared by a container's threads

    return Meta
