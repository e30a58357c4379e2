"""A WeCom API call that failed for good (after the client's retries): its errcode says why."""

from __future__ import annotations


class WeComError(Exception):
    def __init__(self, errcode: int | None, errmsg: str, path: str) -> None:
        super().__init__(f"WeCom {path}: {errcode} {errmsg}")
        self.errcode = errcode
        self.errmsg = errmsg
        self.path = path
