"""Each fake of the mass-send tests (and the DynamoDB adapter) has its port's methods with the port's
signatures, so a fake cannot drift from the contract the service is written against."""

from __future__ import annotations

import inspect
from typing import Any

import pytest
from scrm.mass_sends import ports
from scrm.mass_sends.repository import DynamoMassSends

from tests.unit.mass_send_fakes import FakeGroupMsg, FakeMassSendRepo, FakeRecipients


def _methods(protocol: type) -> dict[str, inspect.Signature]:
    names = {n for c in protocol.__mro__ if c not in (object,) and c.__name__ != "Protocol"
             for n, v in vars(c).items() if callable(v) and not n.startswith("_")}  # fmt: skip
    return {n: inspect.signature(getattr(protocol, n)) for n in names}


def _shape(sig: inspect.Signature) -> list[tuple[str, Any, Any]]:
    """Parameter names, kinds and defaults (annotations are strings under postponed evaluation, and a fake
    may answer a narrower type: a list where the port says Iterable)."""
    return [(p.name, p.kind, p.default) for p in sig.parameters.values()]


@pytest.mark.parametrize(
    ("impl", "port"),
    [(FakeMassSendRepo, ports.MassSendRepo), (DynamoMassSends, ports.MassSendRepo),
     (FakeGroupMsg, ports.GroupMsgWeCom), (FakeRecipients, ports.Recipients)],  # fmt: skip
)
def test_each_implementation_has_its_ports_methods_and_signatures(impl: type, port: type) -> None:
    wanted = _methods(port)
    assert wanted, port
    for name, sig in wanted.items():
        assert hasattr(impl, name), f"{impl.__name__} lacks {name}"
        got = inspect.signature(getattr(impl, name))
        assert _shape(got) == _shape(sig), f"{impl.__name__}.{name}{got} != {port.__name__}.{name}{sig}"
