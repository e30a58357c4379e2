"""Shared fixtures. The local stack starts once per test session, and only if a test asks for it."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from devstack.sandbox_client import SandboxClient
from devstack.stack import Stack, StackConfig


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    workdir = Path(os.environ.get("SCRM_TEST_STACK_LOGS") or tmp_path_factory.mktemp("stack"))
    s = Stack(StackConfig(workdir=workdir, consumers=4, visibility_timeout_s=1))
    s.start()
    from scrm import bootstrap

    bootstrap.reset()  # the test process now talks to this stack's moto servers
    try:
        yield s
    finally:
        s.stop()


@pytest.fixture(scope="session")
def sandbox(stack: Stack) -> SandboxClient:
    return SandboxClient(stack.sandbox_url)


def new_corp(stack: Stack, sandbox: SandboxClient, seed: dict[str, Any] | None = None, **options: Any) -> dict[str, Any]:
    """A fresh sandbox corp, registered with us. Tests isolate by corp: one deployment, many corps."""
    from scrm import bootstrap
    from scrm.domain.corp import Corp

    corp_id = "ww" + uuid.uuid4().hex[:16]
    options.setdefault("callback_retry_delays", [0.5, 1, 2])
    info = sandbox.create_corp(
        stack.callback_url(corp_id),
        seed={"employees": 3, "customers_per_employee": 2, "tags": 4, "tag_groups": 2, "groups": 1,
              "members_per_group": 3, **(seed or {})},
        corp_id=corp_id,
        **options,
    )
    bootstrap.corp_registry().register(
        Corp(info["corp_id"], info["token"], info["aes_key"], info["secret"], str(info.get("agent_id", "")))
    )
    return info


@pytest.fixture
def corp(stack: Stack, sandbox: SandboxClient) -> dict[str, Any]:
    return new_corp(stack, sandbox)
