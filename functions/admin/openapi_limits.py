"""What the admin API's input limits (scrm.domain.input_limits) add to every operation of its OpenAPI
document, applied once over the whole document so no part can forget them: any route may answer 400 (an
id over its cap, a bad number or cursor) and 413 (a body over 1 MB, refused before it is parsed), and path
ids say their longest length."""

from __future__ import annotations

from typing import Any

from scrm.domain.input_limits import BODY_MAX_BYTES, ID_MAX

BAD_REQUEST = {"$ref": "#/components/responses/BadRequest"}
TOO_LARGE = {"$ref": "#/components/responses/TooLarge"}


def declare_limits(spec: dict[str, Any]) -> None:
    spec["components"]["responses"]["TooLarge"] = {
        "description": f"the body is larger than {BODY_MAX_BYTES} bytes (field body)",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }
    for ops in spec["paths"].values():
        for op in ops.values():
            if op.get("security") == []:  # the document itself: no key, no input
                continue
            op["responses"].setdefault("400", BAD_REQUEST)
            op["responses"].setdefault("413", TOO_LARGE)
            for p in op.get("parameters", []):
                if p["in"] == "path" and p["name"] in ID_MAX:
                    p["schema"] = {**p["schema"], "maxLength": ID_MAX[p["name"]]}
