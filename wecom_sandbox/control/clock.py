"""The world clock: read it, or move it forward so expiries happen without sleeping.

The clock is time.time() plus an offset shared by every corp.  Advancing it makes welcome codes
(20 s) and tokens expire and moves every later CreateTime and envelope timestamp forward too; it
never goes back, so nothing that expired comes back to life.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .common import ControlError, Request, field_value

if TYPE_CHECKING:
    from ..app import Sandbox

MAX_ADVANCE_S = 10 * 365 * 86_400


def _state(app: Sandbox) -> dict[str, Any]:
    return {"now": app.world.now(), "offset": app.world.offset}


def get(app: Sandbox, req: Request) -> dict[str, Any]:
    return _state(app)


def advance(app: Sandbox, req: Request) -> dict[str, Any]:
    seconds = float(field_value(req.body, "seconds", float, required=True))
    if not 0 <= seconds <= MAX_ADVANCE_S:
        raise ControlError(
            400, f"field 'seconds' must be in [0, {MAX_ADVANCE_S}] (the clock only moves forward)"
        )
    app.world.advance(seconds)
    return _state(app)
