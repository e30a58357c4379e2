"""What ``route()`` adds around every admin view besides authentication: the per-key request limit, the
answers for a spent limit or WeCom budget, and the audit line of every write.

The audit line is the record of who changed what: one JSON line (logger ``scrm.audit``) per request to a
write route, refused ones included (no key, a viewer's key, a limit, a 4xx, a 500), with the stored key
id and never the key or its hash; a console session's writes name the member (``userid``) instead, and
logins and logouts have a line of their own.
"""

from __future__ import annotations

import logging
from typing import Any

from chalice import Response

audit_log = logging.getLogger("scrm.audit")
audit_log.setLevel(logging.INFO)  # written whatever SCRM_LOG_LEVEL says


def limited(message: str, retry_after_s: float, status: int) -> tuple[int, dict[str, Any], dict[str, str]]:
    """(status, body, headers) for a refusal the caller should retry later: 429 for this key's own limit,
    503 for the corp's WeCom budget (spent by other work too, so not this caller's fault)."""
    seconds = max(1, int(-(-retry_after_s // 1)))
    return status, {"error": message, "retry_after_s": seconds}, {"Retry-After": str(seconds)}


def audit(principal: Any, method: str, path: str, params: dict[str, Any], response: Response) -> None:
    member = getattr(principal, "userid", None)  # a console or sidebar session names its member, a key its id
    audit_log.info(
        "admin write",
        extra={
            "audit": {
                "key_id": getattr(principal, "key_id", None) if member is None else None,
                **({"userid": member, "via": "session"} if member is not None else {}),
                "role": principal.role.value if getattr(principal, "role", None) is not None else None,
                "method": method,
                "route": path,
                "path": path.format(**params),
                "target": dict(params),
                "status": response.status_code,
            }
        },
    )


def audit_login(corp_id: str, userid: str, action: str, outcome: str) -> None:
    """One line per console login attempt (refused ones with WeCom's or our reason) and logout."""
    audit_log.info("console " + action, extra={"audit": {"action": action, "corp_id": corp_id, "userid": userid,
                                                          "outcome": outcome}})  # fmt: skip
