"""The admin API key ``scrm`` uses in the CLI tests: one admin key per corp, given through the environment
(SCRM_API_URL / SCRM_API_KEY), and no profile file of the person running the tests."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from scrm import bootstrap
from scrm.corps.api_key import Role

_keys: dict[str, str] = {}


def api_env(stack: Any, corp_id: str) -> dict[str, str]:
    if corp_id not in _keys:
        _keys[corp_id] = bootstrap.api_keys().create(corp_id, Role.ADMIN, "cli tests")["key"]
    return {"SCRM_API_URL": stack.admin_url, "SCRM_API_KEY": _keys[corp_id],
            "SCRM_CONFIG": "/nonexistent/scrm-tests/profiles.toml"}  # fmt: skip


@contextmanager
def as_corp(stack: Any, corp_id: str) -> Iterator[None]:
    """``scrm`` (in this process or a child) speaks for ``corp_id`` until the block ends."""
    with pytest.MonkeyPatch.context() as mp:
        for name, value in api_env(stack, corp_id).items():
            mp.setenv(name, value)
        yield
