"""How the composition root builds the sidebar: the JS-SDK configuration (the tickets kept in the access
tokens' table, ``DynamoTokenStorage``, fetched through the corp's gateway) and the portraits."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from scrm.sidebar.js_config import JsConfig, TicketSource
    from scrm.sidebar.portrait import Extra, GroupExtra, Portraits


def js_config(source: Callable[[str], TicketSource], agent_id: Callable[[str], str]) -> JsConfig:
    from scrm.adapters.wecom.token_store import DynamoTokenStorage
    from scrm.sidebar.js_config import JsConfig
    from scrm.sidebar.tickets import TicketKeeper

    return JsConfig(TicketKeeper(DynamoTokenStorage()), source, agent_id)


def portraits(extras: Sequence[Extra] = (), group_extras: Sequence[GroupExtra] = ()) -> Portraits:
    """``extras``: other features' parts of a customer's portrait (the stages' stage and notes);
    ``group_extras``: of a group's (the SOPs targeting it)."""
    from scrm.sidebar.portrait import Portraits
    from scrm.sidebar.portrait_repository import DynamoPortraitReads

    return Portraits(DynamoPortraitReads(), extras, group_extras)
