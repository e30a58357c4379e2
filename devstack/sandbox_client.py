"""A small client of the WeCom sandbox's control API (docs/sandbox.md), for the demo, benchmarks and tests."""

from __future__ import annotations

import time
from typing import Any

import requests


class SandboxError(RuntimeError):
    pass


class SandboxClient:
    def __init__(self, base_url: str) -> None:
        self.base = base_url.rstrip("/")
        self.http = requests.Session()

    def _call(self, method: str, route: str, body: Any = None, timeout: float = 60, **params: Any) -> Any:
        r = self.http.request(method, f"{self.base}/control{route}", json=body, params=params or None, timeout=timeout)
        if r.status_code >= 400:
            raise SandboxError(f"{method} {route}: {r.status_code} {r.text[:300]}")
        return r.json() if r.content else None

    # corps
    def create_corp(self, callback_url: str, seed: dict[str, Any] | None = None, **options: Any) -> dict[str, Any]:
        # a seed of a million relations takes minutes on a loaded machine
        return self._call("POST", "/corps", {"callback_url": callback_url, "seed": seed or {}, **options}, timeout=900)

    def corp(self, corp_id: str) -> dict[str, Any]:
        return self._call("GET", f"/corps/{corp_id}", timeout=600)

    def patch_corp(self, corp_id: str, **changes: Any) -> dict[str, Any]:
        return self._call("PATCH", f"/corps/{corp_id}", changes)

    def do(self, corp_id: str, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        """A world change (customers/add, groups/create, …); see docs/sandbox.md."""
        return self._call("POST", f"/corps/{corp_id}/{path.lstrip('/')}", body or {})

    # the WeCom client stand-in (docs/sandbox.md "The WeCom client stand-in")
    def client_session(self, corp_id: str, userid: str, *, external_userid: str = "", chat_id: str = "",
                       entry: str = "", unchecked: bool = False) -> dict[str, Any]:
        """One member in one chat for the sidebar's page: open ``<sidebar>?<url_param>`` to play it. The entry
        defaults to the single chat's toolbar, or the group's when ``chat_id`` is given."""
        body: dict[str, Any] = {"corp_id": corp_id, "userid": userid,
                                "entry": entry or ("group_chat_tools" if chat_id else "single_chat_tools"),
                                "unchecked": unchecked}  # fmt: skip
        if external_userid:
            body["external_userid"] = external_userid
        if chat_id:
            body["chat_id"] = chat_id
        return self._call("POST", "/client-sessions", body)

    def client_calls(self, session_id: str, name: str = "", since: int = 0) -> list[dict[str, Any]]:
        """What the session's pages invoked (sendChatMessage, …), oldest first."""
        return self._call("GET", f"/client-sessions/{session_id}/calls", name=name, since=since)["calls"]

    # observation
    def media(self, corp_id: str, media_id: str = "") -> Any:
        """Temporary media uploaded to the corp (every one, or one): type, size, created_at, expired."""
        if media_id:
            return self._call("GET", f"/corps/{corp_id}/media/{media_id}")
        return self._call("GET", f"/corps/{corp_id}/media")["media"]

    def calls(self, corp_id: str, since: int = 0, path: str | None = None) -> list[dict[str, Any]]:
        params: dict[str, Any] = {"since": since}
        if path:
            params["path"] = path
        res = self._call("GET", f"/corps/{corp_id}/calls", **params)
        return res["calls"] if isinstance(res, dict) else res

    def call_counts(self, corp_id: str, since: int = 0) -> dict[str, Any]:
        """Calls per API path since ``since`` (and per errcode), without shipping the records."""
        return self._call("GET", f"/corps/{corp_id}/calls/count", since=since)

    def callbacks(self, corp_id: str) -> list[dict[str, Any]]:
        res = self._call("GET", f"/corps/{corp_id}/callbacks")
        return res["callbacks"] if isinstance(res, dict) else res

    def callback(self, corp_id: str, callback_id: str) -> dict[str, Any]:
        return self._call("GET", f"/corps/{corp_id}/callbacks/{callback_id}")

    def messages(self, corp_id: str) -> list[dict[str, Any]]:
        res = self._call("GET", f"/corps/{corp_id}/messages")
        return res["messages"] if isinstance(res, dict) else res

    def message_summary(self, corp_id: str) -> dict[str, Any]:
        """message/send deliveries and silent drops: dropped_total, dropped_by_reason, by_recipient."""
        return self._call("GET", f"/corps/{corp_id}/messages/summary")

    def stats_day(self, corp_id: str, day: int | None = None) -> dict[str, Any]:
        """What the statistics APIs count for one China day (default today), plus losses and quits."""
        return self._call("GET", f"/corps/{corp_id}/stats/day", **({"day": day} if day is not None else {}))

    def set_chat_activity(self, corp_id: str, userid: str, **figures: Any) -> dict[str, Any]:
        """Declare a member's chat figures for a day: time, chat_cnt, message_cnt, reply_percentage, …"""
        return self._call("POST", f"/corps/{corp_id}/stats/activity", {"userid": userid, **figures})

    # handovers and the world clock
    def transfers(self, corp_id: str) -> dict[str, Any]:
        """Customer handovers, takers at the limit and group handovers."""
        return self._call("GET", f"/corps/{corp_id}/transfers")

    def refuse_transfer(
        self, corp_id: str, external_userid: str, takeover_userid: str | None = None
    ) -> dict[str, Any]:
        """The customer refuses a waiting handover (status 3, transfer_fail customer_refused)."""
        body: dict[str, Any] = {"external_userid": external_userid}
        if takeover_userid is not None:
            body["takeover_userid"] = takeover_userid
        return self._call("POST", f"/corps/{corp_id}/transfers/refuse", body)

    def limit_taker(self, corp_id: str, takeover_userid: str, at_limit: bool = True) -> dict[str, Any]:
        """Mark a taker at (or back under) the customer limit: waiting handovers end with status 4."""
        body = {"takeover_userid": takeover_userid, "at_limit": at_limit}
        return self._call("POST", f"/corps/{corp_id}/transfers/limit", body)

    # enterprise mass sends (add_msg_template)
    def groupmsgs(self, corp_id: str, chat_type: str | None = None) -> dict[str, Any]:
        """Mass sends with their member tasks and recipients, plus the corp's quota state."""
        params = {"chat_type": chat_type} if chat_type else {}
        return self._call("GET", f"/corps/{corp_id}/groupmsgs", **params)

    def groupmsg(self, corp_id: str, msgid: str) -> dict[str, Any]:
        return self._call("GET", f"/corps/{corp_id}/groupmsgs/{msgid}")

    def confirm_groupmsg(
        self, corp_id: str, msgid: str, userid: str, send: bool = True, select: list[str] | None = None
    ) -> dict[str, Any]:
        """The member taps send (or declines, send=False); select narrows the recipients when allowed."""
        body: dict[str, Any] = {"userid": userid, "send": send}
        if select is not None:
            body["select"] = select
        return self._call("POST", f"/corps/{corp_id}/groupmsgs/{msgid}/confirm", body)

    def groupmsg_interact(self, corp_id: str, userid: str, external_userid: str) -> dict[str, Any]:
        """The member chatted with the customer: mass sends without sender now go to this member."""
        body = {"userid": userid, "external_userid": external_userid}
        return self._call("POST", f"/corps/{corp_id}/groupmsgs/interact", body)

    def set_groupmsg_quota(self, corp_id: str, mode: str) -> dict[str, Any]:
        """Receive quota per customer/group: "month_days" (default), "week_7" or "day_1"."""
        return self.patch_corp(corp_id, groupmsg_quota=mode)

    def set_groupmsg_dispatch(self, corp_id: str, seconds: float) -> dict[str, Any]:
        """World seconds during which a new mass send's results answer 41063 (default 2)."""
        return self.patch_corp(corp_id, groupmsg_dispatch_s=seconds)

    # customer moments (add_moment_task; docs/sandbox.md "Customer moments")
    def moments(self, corp_id: str) -> dict[str, Any]:
        """Every moment (with each member's post, likes and comments) and every add_moment_task job."""
        return self._call("GET", f"/corps/{corp_id}/moments")

    def moment(self, corp_id: str, moment_id: str) -> dict[str, Any]:
        return self._call("GET", f"/corps/{corp_id}/moments/{moment_id}")

    def publish_moment(self, corp_id: str, moment_id: str, userid: str, select: list[str] | None = None,
                       create_time: int | None = None) -> dict[str, Any]:  # fmt: skip
        """The member publishes their part (publish_status 1); select narrows the customers who see it."""
        body: dict[str, Any] = {"userid": userid}
        if select is not None:
            body["select"] = select
        if create_time is not None:
            body["create_time"] = create_time
        return self._call("POST", f"/corps/{corp_id}/moments/{moment_id}/publish", body)

    def _moment_interaction(self, action: str, corp_id: str, moment_id: str, userid: str, external_userid: str,
                            from_userid: str, **extra: Any) -> dict[str, Any]:  # fmt: skip
        body: dict[str, Any] = {"userid": userid, **{k: v for k, v in extra.items() if v is not None}}
        body.update({"external_userid": external_userid} if external_userid else {"from_userid": from_userid})
        return self._call("POST", f"/corps/{corp_id}/moments/{moment_id}/{action}", body)

    def like_moment(self, corp_id: str, moment_id: str, userid: str, external_userid: str = "",
                    from_userid: str = "", create_time: int | None = None) -> dict[str, Any]:  # fmt: skip
        """A customer the post reached (or a member, from_userid) likes member ``userid``'s post."""
        return self._moment_interaction("like", corp_id, moment_id, userid, external_userid, from_userid,
                                        create_time=create_time)  # fmt: skip

    def unlike_moment(self, corp_id: str, moment_id: str, userid: str, external_userid: str = "",
                      from_userid: str = "") -> dict[str, Any]:  # fmt: skip
        """Takes the like back: it leaves get_moment_comments' like_list."""
        return self._moment_interaction("unlike", corp_id, moment_id, userid, external_userid, from_userid)

    def comment_moment(self, corp_id: str, moment_id: str, userid: str, content: str, external_userid: str = "",
                       from_userid: str = "", create_time: int | None = None) -> dict[str, Any]:  # fmt: skip
        """A customer the post reached (or a member) comments on member ``userid``'s post."""
        return self._moment_interaction("comment", corp_id, moment_id, userid, external_userid, from_userid,
                                        content=content, create_time=create_time)  # fmt: skip

    def set_moment_job_time(self, corp_id: str, seconds: float) -> dict[str, Any]:
        """World seconds an add_moment_task job runs before get_moment_task_result answers status 3 (default 2)."""
        return self.patch_corp(corp_id, moment_job_s=seconds)

    def clock(self) -> dict[str, Any]:
        """The world clock: {"now", "offset"}."""
        return self._call("GET", "/clock")

    def advance_clock(self, seconds: float) -> dict[str, Any]:
        """Move the world clock forward (it never goes back); due handovers settle on the next call."""
        return self._call("POST", "/clock/advance", {"seconds": seconds})

    def welcomes(self, corp_id: str, since: int = 0) -> list[dict[str, Any]]:
        """The welcome log: one record per welcome code issued, with when (and whether) it was used."""
        return self._call("GET", f"/corps/{corp_id}/welcomes", since=since)["welcomes"]

    def scan(self, corp_id: str, config_id: str, **body: Any) -> dict[str, Any]:
        """A customer scans a channel code (contact way): relation, welcome code, add callback."""
        return self.do(corp_id, f"contact_ways/{config_id}/scan", body)

    def scans(self, corp_id: str, config_id: str, count: int, rate_per_s: float) -> dict[str, Any]:
        """``count`` scans paced at ``rate_per_s`` by the sandbox itself (returns at once)."""
        return self.do(corp_id, f"contact_ways/{config_id}/scans", {"count": count, "rate_per_s": rate_per_s})

    def scan_totals(self, corp_id: str) -> dict[str, Any]:
        return self._call("GET", f"/corps/{corp_id}/scans")

    def join_scan(self, corp_id: str, config_id: str, **body: Any) -> dict[str, Any]:
        """A customer scans a group code (join way) and joins one of its groups."""
        return self.do(corp_id, f"join_ways/{config_id}/scan", body)

    def resend(self, corp_id: str, callback_id: str, same_envelope: bool = False) -> dict[str, Any]:
        return self._call("POST", f"/corps/{corp_id}/callbacks/{callback_id}/resend", {"same_envelope": same_envelope})

    def faults(self, corp_id: str, *faults: dict[str, Any]) -> None:
        for f in faults:
            self._call("POST", f"/corps/{corp_id}/faults", f)

    def clear_faults(self, corp_id: str) -> None:
        self._call("DELETE", f"/corps/{corp_id}/faults")

    def expire_tokens(self, corp_id: str) -> None:
        self._call("POST", f"/corps/{corp_id}/tokens/expire", {})

    def verify_url(self, corp_id: str) -> dict[str, Any]:
        return self._call("POST", f"/corps/{corp_id}/verify_url", {})

    def wait_delivered(self, corp_id: str, callback_id: str, timeout_s: float = 30) -> dict[str, Any]:
        deadline = time.monotonic() + timeout_s
        while True:
            cb = self.callback(corp_id, callback_id)
            if cb.get("done"):
                return cb
            if time.monotonic() > deadline:
                raise SandboxError(f"callback {callback_id} not done after {timeout_s} s: {cb}")
            time.sleep(0.05)
