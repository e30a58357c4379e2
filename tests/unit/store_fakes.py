"""In-memory fakes for the store feature (no I/O): the repository (index cells computed as DynamoStores
files them, each cell read counted), the channel-code machinery (records each call; scripted refusals) and
the directory."""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from scrm.kernel.errors import Conflict, DomainError, NotFound
from scrm.stores import geohash
from scrm.stores.model import Store


class FakeStoreRepo:
    def __init__(self) -> None:
        self.stores: dict[tuple[str, str], Store] = {}
        self.todo_ids: dict[str, list[str]] = {}
        self.saved_settings: dict[str, dict[str, Any]] = {}
        self.city_counts: dict[str, dict[str, int]] = {}
        self.counters: dict[tuple[str, str, str, str], dict[str, int]] = {}
        self.seen: set[tuple[str, str, str, str]] = set()
        self.cell_reads = 0
        self.writes = 0
        self.versions: dict[str, int] = {}
        self.version_reads = 0
        self.all_reads = 0

    def get(self, corp_id: str, store_id: str) -> Store | None:
        s = self.stores.get((corp_id, store_id))
        return copy.deepcopy(s) if s else None

    def all(self, corp_id: str) -> list[Store]:
        self.all_reads += 1
        return [copy.deepcopy(s) for (c, _), s in sorted(self.stores.items()) if c == corp_id]

    def put_many(self, corp_id: str, stores: Sequence[Store], before: Mapping[str, Store], bump: bool = True) -> None:
        for s in stores:
            self.writes += 1
            self.stores[(corp_id, s.store_id)] = copy.deepcopy(s)
        if stores and bump:
            self.bump_version(corp_id)

    def bump_version(self, corp_id: str) -> None:
        self.versions[corp_id] = self.versions.get(corp_id, 0) + 1

    def delete(self, corp_id: str, store: Store) -> None:
        self.stores.pop((corp_id, store.store_id), None)
        self.versions[corp_id] = self.versions.get(corp_id, 0) + 1

    def version(self, corp_id: str) -> int:
        self.version_reads += 1
        return self.versions.get(corp_id, 0)

    def cells(self, corp_id: str, cells: Sequence[str]) -> list[Store]:
        self.cell_reads += len(cells)
        out = []
        for cell in cells:
            out += [copy.deepcopy(s) for (c, _), s in self.stores.items()
                    if c == corp_id and geohash.encode(s.latitude, s.longitude, 5).startswith(cell)]
        return out

    def cities(self, corp_id: str) -> dict[str, int]:
        return dict(self.city_counts.get(corp_id, {}))

    def save_cities(self, corp_id: str, cities: Mapping[str, int]) -> None:
        self.city_counts[corp_id] = dict(cities)

    def in_city(self, corp_id: str, city: str) -> list[Store]:
        return [s for s in self.all(corp_id) if s.city == city]

    def todo(self, corp_id: str, limit: int) -> list[str]:
        return sorted(self.todo_ids.get(corp_id, []))[:limit]

    def mark_todo(self, corp_id: str, store_ids: Iterable[str]) -> None:
        ids = self.todo_ids.setdefault(corp_id, [])
        ids += [i for i in store_ids if i not in ids]

    def done(self, corp_id: str, store_id: str) -> None:
        ids = self.todo_ids.get(corp_id, [])
        if store_id in ids:
            ids.remove(store_id)

    def todo_count(self, corp_id: str) -> int:
        return len(self.todo_ids.get(corp_id, []))

    def settings(self, corp_id: str) -> dict[str, Any]:
        return dict(self.saved_settings.get(corp_id, {}))

    def save_settings(self, corp_id: str, settings: Mapping[str, Any]) -> None:
        self.saved_settings[corp_id] = dict(settings)

    def _bump(self, corp_id: str, store: Store, day: str, what: str) -> None:
        for kind, key in (("store", store.store_id), ("city", store.city)):
            row = self.counters.setdefault((corp_id, kind, day, key), {"scans": 0, "adds": 0})
            row[what] += 1

    def count_scan(self, corp_id: str, store: Store, day: str) -> None:
        self._bump(corp_id, store, day, "scans")

    def count_add(self, corp_id: str, store: Store, day: str, external_userid: str, userid: str) -> bool:
        key = (corp_id, store.store_id, external_userid, userid)
        if key in self.seen:
            return False
        self.seen.add(key)
        self._bump(corp_id, store, day, "adds")
        return True

    def stats(self, corp_id: str, by: str, first_day: str, last_day: str) -> list[dict[str, Any]]:
        return [{"day": d, "key": k, **v} for (c, kind, d, k), v in sorted(self.counters.items())
                if c == corp_id and kind == by and first_day <= d <= last_day]


class FakeStoreCodes:
    """Channel codes by state; ``refuse`` maps a state to the error its creation raises (once each)."""

    def __init__(self) -> None:
        self.codes: dict[tuple[str, str], dict[str, Any]] = {}
        self.calls: list[tuple[str, str, Any]] = []
        self.refuse: dict[str, DomainError] = {}
        self.groups: dict[tuple[str, str], dict[str, Any]] = {}  # group live codes by (corp, code id)

    def create_channel(self, corp_id: str, body: Mapping[str, Any]) -> dict[str, Any]:
        state = str(body["state"])
        self.calls.append(("create", state, dict(body)))
        if state in self.refuse:
            raise self.refuse.pop(state)
        if (corp_id, state) in self.codes:
            raise Conflict(f"a code with state {state!r} exists", "state")
        code = {**body, "code_id": state, "config_id": f"cfg-{state}", "qr_code": f"https://qr.example/{state}",
                "status": "active"}
        self.codes[(corp_id, state)] = code
        return dict(code)

    def update_channel(self, corp_id: str, code_id: str, body: Mapping[str, Any]) -> dict[str, Any]:
        self.calls.append(("update", code_id, dict(body)))
        self.codes[(corp_id, code_id)].update(body)
        return dict(self.codes[(corp_id, code_id)])

    def delete_channel(self, corp_id: str, code_id: str) -> dict[str, Any]:
        self.calls.append(("delete", code_id, None))
        self.codes[(corp_id, code_id)]["status"] = "deleted"
        return {"deleted": code_id}

    def restore_channel(self, corp_id: str, code_id: str, body: Mapping[str, Any]) -> dict[str, Any]:
        self.calls.append(("restore", code_id, dict(body)))
        old = self.codes[(corp_id, code_id)]
        if old["status"] != "deleted":
            raise Conflict(f"the code {code_id} is not deleted", "code_id")
        n = sum(1 for c in self.calls if c[0] == "restore" and c[1] == code_id)
        code = {**body, "state": code_id, "code_id": code_id, "config_id": f"cfg-{code_id}-{n}",
                "qr_code": f"https://qr.example/{code_id}/{n}", "status": "active"}
        self.codes[(corp_id, code_id)] = code
        return dict(code)

    def get_channel(self, corp_id: str, code_id: str) -> dict[str, Any]:
        return dict(self.codes[(corp_id, code_id)])

    def get_group(self, corp_id: str, code_id: str) -> dict[str, Any]:
        if (corp_id, code_id) not in self.groups:
            raise NotFound(f"no group code {code_id}", "code_id")
        return dict(self.groups[(corp_id, code_id)])


class FakeStaff:
    def __init__(self, userids: Iterable[str] = ()) -> None:
        self.userids = set(userids)

    def known_employees(self, corp_id: str, userids: Sequence[str]) -> set[str]:
        return {u for u in userids if u in self.userids}
