"""A stack of a test module's own for the transfer tests (tests/integration/test_transfers.py and
tests/browser/test_console_transfers.py), which move the sandbox's world clock past WeCom's 24 h window.

That clock is shared by every corp of a sandbox, and callbacks carry its time: such a module runs its own stack
whose callback route accepts timestamps a month off, so that the session's stack keeps the strict window. The
module's environment (the stack's endpoints) is put back afterwards, and ``bootstrap`` made to talk to
whichever stack is current, the module's while it runs, the session's again after it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from scrm import bootstrap

from devstack.sandbox_client import SandboxClient
from devstack.stack import Stack, StackConfig

DAY = 86_400
WINDOW_S = 40 * DAY  # the callback route's timestamp window: a month of moved clock and more


def transfer_stack_fixtures(folder: str) -> tuple[Any, Any]:
    """The module-scoped fixtures ``tstack`` (the module's stack, its logs under a temporary ``folder``) and
    ``tsandbox`` (its sandbox): assign them in the module, ``tstack, tsandbox = transfer_stack_fixtures(...)``,
    so that pytest finds them there by those names."""

    @pytest.fixture(scope="module", name="tstack")
    def tstack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
        saved = dict(os.environ)
        workdir = Path(tmp_path_factory.mktemp(folder))
        s = Stack(StackConfig(workdir=workdir, consumers=2, welcome_consumers=1, retry_after_s=1,
                              extra_env={"SCRM_TIMESTAMP_WINDOW_S": str(WINDOW_S)}))  # fmt: skip
        s.start()
        bootstrap.reset()
        try:
            yield s
        finally:
            s.stop()
            os.environ.clear()
            os.environ.update(saved)
            bootstrap.reset()

    @pytest.fixture(scope="module", name="tsandbox")
    def tsandbox(tstack: Stack) -> SandboxClient:
        return SandboxClient(tstack.sandbox_url)

    return tstack, tsandbox
