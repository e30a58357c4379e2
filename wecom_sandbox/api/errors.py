"""WeCom error codes the sandbox returns, with errmsg text in WeCom's style.

WeCom always answers HTTP 200 with {"errcode", "errmsg"}; the errmsg carries a hint and a
devtool link.  Keeping the table in one place makes it easy to see which codes are simulated.
"""

from __future__ import annotations

ERRMSG: dict[int, str] = {
    -1: "system is busy",
    40001: "invalid credential",
    40004: "invalid media type",
    40005: "invalid file type",
    40006: "invalid file size",
    40007: "invalid media_id",
    40008: "invalid message type",
    40013: "invalid corpid",
    40014: "invalid access_token",
    40029: "invalid code",
    40037: "invalid template_id",
    40050: "chatid not found",
    40056: "invalid agentid",
    40058: "invalid Request Parameter",
    40063: "some parameters are empty",
    40068: "invalid tagid",
    40071: "tag name already exists",
    40088: "jobid not found",
    40096: "invalid external userid",
    40097: "user has not resigned",
    40099: "takeover user customer count exceeds limit",
    40126: "tag count exceed limit",
    40128: "external contact transferred too many times",
    40129: "external contact is being transferred",
    40130: "handover user equals takeover user",
    40131: "handover user is not the external contact's follower",
    41001: "access_token missing",
    41005: "media data missing",
    41006: "media_id missing",
    41008: "missing code",
    41009: "missing userid",
    41037: "missing contact way type",
    41038: "missing contact way scene",
    41039: "invalid contact way type",
    41040: "invalid contact way scene",
    41041: "contact way user count exceeds limit",
    41042: "invalid contact way style",
    41043: "missing contact way config_id",
    41044: "invalid contact way config_id",
    41045: "contact way count exceeds limit",
    41046: "missing msgid",
    41047: "invalid msgid",
    41048: "no external contact to send to",
    41049: "missing welcome_code",
    41050: "invalid welcome_code",
    41051: "externaluser has started chatting",
    41054: "user not activated",
    41055: "group welcome template count exceeds limit",
    41059: "missing moment_id",
    41060: "invalid moment_id",
    41061: "invalid moment userid, the moment is not posted by this user",
    41062: "the moment has not been published by this user",
    41063: "group msg is being dispatched, try again later",
    41064: "attachment count exceeds limit",
    41065: "invalid attachment type",
    41091: "join way can bind at most 5 chats",
    41093: "group msg has been cancelled",
    41094: "remind count exceeds limit",
    41096: "welcome msg is being sent",
    42001: "access_token expired",
    44004: "empty content",
    45002: "content size out of limit",
    45009: "api freq out of limit",
    45033: "api concurrent out of limit",
    48002: "api forbidden",
    50001: "redirect_uri unauthorized",
    60111: "userid not found",
    60123: "invalid party id",
    81013: "user & party & tag all invalid",
    81017: "request count exceeds limit",
    84061: "not external contact",
    600018: "invalid start endtime",
}


def errmsg(code: int, detail: str | None = None) -> str:
    if code == 0:
        return "ok"
    base = ERRMSG.get(code, "error injected by wecom_sandbox")
    if detail:
        base = f"{base}, {detail}"
    return (
        f"{base}, hint: [wecom_sandbox], more info at https://open.work.weixin.qq.com/devtool/query?e={code}"
    )


class ApiError(Exception):
    """Raised by handlers to answer {"errcode": code, "errmsg": ...}."""

    def __init__(
        self, errcode: int, detail: str | None = None, extra: dict[str, object] | None = None
    ) -> None:
        super().__init__(errcode, detail)
        self.errcode = errcode
        self.detail = detail
        self.extra = extra or {}
