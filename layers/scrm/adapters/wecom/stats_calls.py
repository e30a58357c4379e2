"""The WeCom statistics the nightly reconcile compares ours with (客户联系 → 数据统计). Mixed into WeComGateway.

- ``externalcontact/get_user_behavior_data`` (92132): one entry per day of [start_time, end_time], summed
  over the given members; so we ask for one member at a time to get that member's figures.
- ``externalcontact/groupchat/statistic`` (92133): one item per group owner, figures summed over the days
  asked for; so we ask for one day at a time, owners in chunks of 100 (owner_filter is required above
  1000 members), paged by offset.
wechatpy 1.8.18 has the first without ``partyid`` and the second without the owner filter: both go
through ``_post``, which keeps our token handling, retries and the bulk call budget.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

OWNERS_PER_CALL = 100
PAGE = 1000


class StatsCalls:
    def _post(self, path: str, body: dict[str, Any]) -> Any:  # provided by WeComGateway
        raise NotImplementedError

    def user_behavior(self, userid: str, start_time: int, end_time: int) -> list[dict[str, Any]]:
        """One member's behavior_data entries (stat_time = the China day's 00:00), from WeCom as is."""
        res = self._post("externalcontact/get_user_behavior_data",
                         {"userid": [userid], "start_time": start_time, "end_time": end_time})  # fmt: skip
        return [dict(d) for d in res.get("behavior_data") or []]

    def group_statistic(self, day_time: int, owners: Sequence[str]) -> dict[str, dict[str, Any]]:
        """One China day's group figures per owner (at most 100 owners; owners without groups are absent)."""
        if len(owners) > OWNERS_PER_CALL:
            raise ValueError(f"at most {OWNERS_PER_CALL} owners per call")
        out: dict[str, dict[str, Any]] = {}
        offset = 0
        while True:
            res = self._post("externalcontact/groupchat/statistic", {
                "day_begin_time": day_time, "day_end_time": day_time,
                "owner_filter": {"userid_list": list(owners)}, "offset": offset, "limit": PAGE,
            })  # fmt: skip
            items = res.get("items") or []
            for item in items:
                out[str(item.get("owner"))] = dict(item.get("data") or {})
            total = int(res.get("total") or 0)
            offset += len(items)
            if not items or offset >= total:
                return out
