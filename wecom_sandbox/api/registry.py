"""Route table for the WeCom API plus the per-call context handed to handlers.

Handlers register with @route(method, path) and receive an ApiContext; they run with the world
lock held and return the payload without errcode/errmsg, or raise ApiError.  A route may also
register on_fault, called (with the lock held) when an injected fault answers instead of the
handler, so an API that keeps its own log (send_welcome_msg's attempts) still sees the call.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any

from .errors import ApiError

if TYPE_CHECKING:
    from ..app import Sandbox
    from ..world import Corp


@dataclass(slots=True)
class ApiContext:
    app: Sandbox
    corp: Corp
    query: dict[str, str]
    body: dict[str, Any]

    def query_str(self, name: str, missing_errcode: int = 40058) -> str:
        value = self.query.get(name, "")
        if not value:
            raise ApiError(missing_errcode, f"missing {name}")
        return value

    def body_str(self, name: str, missing_errcode: int = 40058, required: bool = True) -> str:
        value = self.body.get(name)
        if value is None or value == "":
            if required:
                raise ApiError(missing_errcode, f"missing {name}")
            return ""
        if not isinstance(value, str):
            raise ApiError(40058, f"{name} must be a string")
        return value

    def body_list(self, name: str) -> list[Any]:
        value = self.body.get(name)
        if value is None:
            return []
        if not isinstance(value, list):
            raise ApiError(40058, f"{name} must be an array")
        return value

    def body_int(self, name: str, default: int | None = None) -> int | None:
        value = self.body.get(name)
        if value is None:
            return default
        if isinstance(value, bool):
            raise ApiError(40058, f"{name} must be an integer")
        try:
            return int(value)
        except (TypeError, ValueError):
            raise ApiError(40058, f"{name} must be an integer") from None


Handler = Callable[[ApiContext], dict[str, Any]]
KindHandler = Callable[[ApiContext, str], dict[str, Any]]
FaultHook = Callable[[ApiContext, int], None]


@dataclass(frozen=True, slots=True)
class Route:
    method: str
    handler: Handler
    on_fault: FaultHook | None = None


ROUTES: dict[str, Route] = {}


def route(method: str, path: str, on_fault: FaultHook | None = None) -> Callable[[Handler], Handler]:
    def register(fn: Handler) -> Handler:
        ROUTES[path] = Route(method, fn, on_fault)
        return fn

    return register


def route_kinds(method: str, handler: KindHandler, paths: Mapping[str, str]) -> None:
    """Register handler once per path, each path bound to its kind ({path: kind}).

    WeCom often ships one operation as twin APIs that differ only in a kind (on-job vs resigned
    handover), so the module keeps one handler and one table instead of a wrapper per path.
    """
    for path, kind in paths.items():
        route(method, path)(partial(handler, kind=kind))
