"""Fixtures of the unit tests: in-memory ports and a handler wired to them."""

from __future__ import annotations

import pytest
from scrm.customers.handlers import Handlers

from tests.unit.fakes import CORP, FakeDirectory, FakeStore, FakeWeCom, StepClock


@pytest.fixture
def store() -> FakeStore:
    return FakeStore()


@pytest.fixture
def directory() -> FakeDirectory:
    return FakeDirectory()


@pytest.fixture
def wecom(directory: FakeDirectory) -> FakeWeCom:
    return directory.corp(CORP)


@pytest.fixture
def clock() -> StepClock:
    return StepClock()


@pytest.fixture
def handlers(store: FakeStore, directory: FakeDirectory, clock: StepClock) -> Handlers:
    return Handlers(store, directory, clock=clock)
