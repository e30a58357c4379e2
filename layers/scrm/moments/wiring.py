"""How the composition root builds moment tasks (bootstrap.py delegates here): the DynamoDB repository, the
corp's WeCom gateway (its call budget is the caller's choice), the store's directory, and the material
library's bytes (the content feature's service, handed in)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from scrm.moments.ports import Materials, MomentWeCom
    from scrm.moments.service import Moments


def moments(for_corp: Callable[[str], MomentWeCom], materials: Materials) -> Moments:
    from scrm.adapters.dynamo.directory import DynamoDirectory
    from scrm.moments.repository import DynamoMoments
    from scrm.moments.service import Moments

    return Moments(DynamoMoments(), for_corp, materials, DynamoDirectory())
