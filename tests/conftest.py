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
    s = Stack(StackConfig(workdir=workdir, consumers=4, retry_after_s=1))
    s.start()
    from scrm import bootstrap

    bootstrap.reset()  # the test process now talks to this stack's moto servers
    try:
        yield s
    finally:
        s.stop()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    """A failed stack test also prints what the stack's queues held and where its logs are: a timeout in
    CI otherwise says nothing about whether the work was slow, stuck on a queue, or dead-lettered."""
    outcome = yield
    report = outcome.get_result()
    if report.when == "call" and report.failed:
        # The test's stack: the session's, or a module's own (test_transfers), whichever it was given.
        stack = next((v for v in getattr(item, "funcargs", {}).values() if isinstance(v, Stack)), None)
        if stack is not None:
            report.sections.append(("local stack at failure", _stack_state(stack)))


def _stack_state(stack: Stack) -> str:
    import boto3
    from scrm.resources import QUEUES

    lines = [f"logs: {stack.config.workdir}"]
    try:
        sqs = boto3.client("sqs")
        names = ("ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible", "ApproximateNumberOfMessagesDelayed")
        for q in QUEUES.values():
            for name in (q.name, q.dlq_name):
                url = sqs.get_queue_url(QueueName=name)["QueueUrl"]
                a = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=list(names))["Attributes"]
                lines.append(f"{name}: visible {a[names[0]]}, in flight {a[names[1]]}, delayed {a[names[2]]}")
        lines.append(f"dispatcher: {stack.stats()}")
        log = stack.config.workdir / "workers.log"
        errors = [x for x in log.read_text(errors="replace").splitlines() if '"level":"ERROR"' in x] if log.exists() else []
        lines += ["last consumer errors:", *(e[:400] for e in errors[-8:])]
    except Exception as exc:  # the report must not hide the test's own failure
        lines.append(f"(could not read the stack: {exc!r})")
    return "\n".join(lines)


@pytest.fixture(scope="session")
def sandbox(stack: Stack) -> SandboxClient:
    return SandboxClient(stack.sandbox_url)


def new_corp(stack: Stack, sandbox: SandboxClient, seed: dict[str, Any] | None = None, **options: Any) -> dict[str, Any]:
    """A fresh sandbox corp, registered with us. Tests isolate by corp: one deployment, many corps."""
    from scrm import bootstrap
    from scrm.corps.corp import Corp

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
