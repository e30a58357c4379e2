"""The WeCom call fission needs beyond the live codes' and mass sends' (mixed into WeComGateway):
``list_contact_way`` (92572), to find a contact way a worker made before it died with the answer."""

from __future__ import annotations

from typing import Any


class FissionCalls:
    def _post(self, path: str, body: dict[str, Any]) -> Any:  # provided by WeComGateway
        raise NotImplementedError

    def list_contact_way(self, start_time: int, end_time: int) -> list[str]:
        """The config ids of the contact ways made through the API in [start_time, end_time] (at most 90
        days ago), every page."""
        out: list[str] = []
        cursor = ""
        while True:
            body: dict[str, Any] = {"start_time": start_time, "end_time": end_time, "limit": 1000}
            if cursor:
                body["cursor"] = cursor
            res = self._post("externalcontact/list_contact_way", body)
            out += [str(w.get("config_id") or "") for w in res.get("contact_way") or []]
            cursor = res.get("next_cursor") or ""
            if not cursor:
                return out
