"""What the admin API, the CLI, the customer's landing page and the event consumer do with stores.

Import is all or nothing: every row is checked (columns, ranges, hours, duplicate ids, assistants against
the synced directory) before one item is written, and every problem comes back by line and column. The
stores are then written in batches, each marked as waiting for its contact way; ``provision`` makes those
contact ways through the channel-code machinery within the corp's shared WeCom call budget, stops when the
budget is spent and carries on where it stopped on its next run (the per-minute job, or the API's button),
so 5,000 stores become 5,000 contact ways without starving anything else of WeCom calls.

The nearest open store is found from geohash cells (geohash.py), never by reading every store.
"""

from __future__ import annotations

import contextlib
import csv
import io
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from scrm.acquisition.channel_stats import to_csv
from scrm.kernel.china_time import CHINA, local_day
from scrm.kernel.errors import Conflict, DomainError, InvalidInput, NotFound, Throttled
from scrm.kernel.events import ExternalContactEvent, WeComEvent
from scrm.stores import geohash
from scrm.stores.index import CorpStores, StoreIndex
from scrm.stores.model import (
    ACTIVE,
    COLUMNS,
    FAILED,
    PENDING,
    RowError,
    Store,
    parse_assistants,
    parse_row,
    store_of_state,
)
from scrm.stores.ports import Staff, StoreCodes, StoreRepo

MAX_ROWS = 5000  # one import; larger chains import in several files
DEFAULT_RADIUS_KM = 5.0
MAX_RADIUS_KM = 9.5  # the 4 cells of precision 4 around a point reach at least 9.77 km everywhere below 55°N
CODE_GROUP = "门店活码"  # the channel codes' group the stores' contact ways are listed under
CODE_FIELDS = ("schedule", "backup", "daily_cap", "skip_verify", "tags", "remark_template",
               "description_template", "welcome")  # what the corp's template may set on every store's code
PRECISIONS = (5, 4)  # geohash index: stores filed under their precision-4 cell, sorted by their precision-5 cell


class RowsInvalid(InvalidInput):
    """Some rows are bad: nothing was written; ``details`` lists each problem by line and column."""

    def __init__(self, errors: Sequence[RowError]) -> None:
        first = errors[0]
        super().__init__("rows", f"{len(errors)} problem(s); nothing was imported. First: line {first.line}, "
                         f"column {first.column or '-'}: {first.message}")  # fmt: skip
        self.details = [e.as_dict() for e in errors]


def parse_csv(text: str) -> list[tuple[int, dict[str, Any]]]:
    """(line, row) of each data row; line numbers are the file's (the header is line 1)."""
    text = text.lstrip("\ufeff")
    reader = csv.DictReader(io.StringIO(text))
    if not reader.fieldnames:
        raise RowsInvalid([RowError(1, "", f"the file is empty; the header names the columns {', '.join(COLUMNS)}")])
    header = [h.strip() for h in reader.fieldnames]
    reader.fieldnames = header
    bad = [RowError(1, h, f"unknown column (the columns are {', '.join(COLUMNS)})") for h in header if h not in COLUMNS]
    if bad:
        raise RowsInvalid(bad)
    rows: list[tuple[int, dict[str, Any]]] = []
    for row in reader:
        if not any((v or "").strip() for k, v in row.items() if k is not None):
            continue  # a blank line
        rows.append((reader.line_num, dict(row)))
    return rows


@dataclass(eq=False)
class Stores:
    repo: StoreRepo
    codes: StoreCodes
    staff: Staff
    clock: Callable[[], float] = time.time
    settings_ttl_s: float = 30.0  # the lookup's radius: read once per corp and container this often, not per scan
    index: StoreIndex | None = None  # the public routes' in-memory copy of a corp's stores (index.py)

    def __post_init__(self) -> None:
        self._radius: dict[str, tuple[float, float]] = {}  # corp → (read at, radius in km)
        if self.index is None:
            self.index = StoreIndex(self.repo)

    def _wrote(self, corp_id: str) -> None:
        """This container changed the corp's stores: its own next lookup revalidates at once (other
        containers within the index's revalidation time, by the version item the repository bumped)."""
        assert self.index is not None
        self.index.forget(corp_id)

    def _radius_km(self, corp_id: str) -> float:
        now = time.monotonic()
        hit = self._radius.get(corp_id)
        if hit is None or now - hit[0] >= self.settings_ttl_s:
            hit = (now, float(self.settings(corp_id)["radius_km"]))
            self._radius[corp_id] = hit
        return hit[1]

    def _now(self) -> datetime:
        return datetime.fromtimestamp(self.clock(), UTC)

    def _ms(self) -> int:
        return int(self.clock() * 1000)

    # import ---------------------------------------------------------------------------------------
    def import_rows(self, corp_id: str, rows: Sequence[tuple[int, Mapping[str, Any]]]) -> dict[str, Any]:
        """Every row checked, then all written, or none (``RowsInvalid`` lists every bad row)."""
        if not rows:
            raise RowsInvalid([RowError(1, "", "no rows")])
        if len(rows) > MAX_ROWS:
            raise RowsInvalid([RowError(rows[MAX_ROWS][0], "", f"at most {MAX_ROWS} rows per import")])
        errors: list[RowError] = []
        stores: list[tuple[int, Store]] = []
        staffed: list[tuple[int, tuple[str, ...]]] = []  # every row's assistants that parsed, bad rows too
        seen: dict[str, int] = {}
        for line, row in rows:
            store, problems = parse_row(row, line)
            errors += problems
            if store is None:
                if not any(p.column == "assistants" for p in problems):
                    staffed.append((line, parse_assistants(row.get("assistants"))))
                continue
            staffed.append((line, store.assistants))
            if store.store_id in seen:
                errors.append(RowError(line, "store_id", f"{store.store_id!r} is also on line {seen[store.store_id]}"))
                continue
            seen[store.store_id] = line
            stores.append((line, store))
        wanted = list(dict.fromkeys(u for _, ids in staffed for u in ids))
        known = set()
        for start in range(0, len(wanted), 100):
            known |= self.staff.known_employees(corp_id, wanted[start:start + 100])
        for line, ids in staffed:
            missing = [u for u in ids if u not in known]
            if missing:
                errors.append(RowError(line, "assistants", f"unknown member {missing[0]!r} (not among the corp's "
                                       "synced employees; run a sync if it is new)"))  # fmt: skip
        errors += self._group_codes(corp_id, stores)
        if errors:
            raise RowsInvalid(sorted(errors, key=lambda e: (e.line, COLUMNS.index(e.column) if e.column in COLUMNS else -1)))
        before = {s.store_id: s for s in self.repo.all(corp_id)}
        now = self._ms()
        created = updated = unchanged = 0
        to_write: list[Store] = []
        todo: list[str] = []
        for _, s in stores:
            old = before.get(s.store_id)
            if old is None:
                s.created_at_ms = s.updated_at_ms = now
                created += 1
                todo.append(s.store_id)
            else:
                fresh = Store(**{**old.__dict__, **{k: getattr(s, k) for k in (
                    "name", "city", "address", "latitude", "longitude", "hours", "assistants", "group", "group_code",
                    "group_qr_code")}})
                if fresh.as_dict() == old.as_dict():
                    unchanged += 1
                    continue
                fresh.updated_at_ms = now
                if (fresh.assistants, fresh.name) != (old.assistants, old.name) or old.code_status != ACTIVE:
                    fresh.code_status = PENDING if old.code_status != ACTIVE else ACTIVE
                    todo.append(s.store_id)
                s = fresh
                updated += 1
            to_write.append(s)
        self.repo.put_many(corp_id, to_write, before)
        self.repo.mark_todo(corp_id, todo)
        self._recount_cities(corp_id)
        self._wrote(corp_id)
        return {"imported": len(stores), "created": created, "updated": updated, "unchanged": unchanged,
                "codes_pending": self.repo.todo_count(corp_id)}  # fmt: skip

    def _group_codes(self, corp_id: str, stores: Sequence[tuple[int, Store]]) -> list[RowError]:
        """Each store's optional group live code must exist and be active; its join QR is kept on the store
        (a join way's QR stays the same while the code moves on between its groups)."""
        found: dict[str, str | None] = {}
        errors: list[RowError] = []
        for line, s in stores:
            if not s.group_code:
                continue
            if s.group_code not in found:
                try:
                    code = self.codes.get_group(corp_id, s.group_code)
                    found[s.group_code] = str(code.get("qr_code") or "") if code.get("status") == "active" else None
                except NotFound:
                    found[s.group_code] = None
            qr = found[s.group_code]
            if qr is None:
                errors.append(RowError(line, "group_code", f"no active group live code {s.group_code!r}"))
            else:
                s.group_qr_code = qr
        return errors

    def import_csv(self, corp_id: str, text: str) -> dict[str, Any]:
        return self.import_rows(corp_id, parse_csv(text))

    def import_json(self, corp_id: str, rows: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
        """JSON rows are numbered from 1 (``line`` is the row's position)."""
        return self.import_rows(corp_id, [(i + 1, r) for i, r in enumerate(rows)])

    def _recount_cities(self, corp_id: str) -> None:
        counts: dict[str, int] = {}
        for s in self.repo.all(corp_id):
            counts[s.city] = counts.get(s.city, 0) + 1
        self.repo.save_cities(corp_id, counts)

    # one store ------------------------------------------------------------------------------------
    def get(self, corp_id: str, store_id: str) -> dict[str, Any]:
        return self._store(corp_id, store_id).as_dict()

    def _store(self, corp_id: str, store_id: str) -> Store:
        store = self.repo.get(corp_id, store_id)
        if store is None:
            raise NotFound(f"no store {store_id}", "store_id")
        return store

    def list(self, corp_id: str, params: Mapping[str, str | None]) -> dict[str, Any]:
        """``city`` (exact), ``q`` (in the name or address), ``status`` (a code status); paged by the
        caller. The corp's stores are one partition (at most a few thousand small items)."""
        q, city, status = (params.get("q") or "").lower(), params.get("city"), params.get("status")
        if status not in (None, "", PENDING, ACTIVE, FAILED):
            raise InvalidInput("status", "status: must be pending, active or failed")
        rows = [s for s in self.repo.all(corp_id)
                if (not city or s.city == city) and (not status or s.code_status == status)
                and (not q or q in s.name.lower() or q in s.address.lower() or q in s.store_id.lower())]  # fmt: skip
        rows.sort(key=lambda s: (s.city, s.name, s.store_id))
        return {"items": [s.as_dict() for s in rows], "cities": self.repo.cities(corp_id),
                "codes_pending": self.repo.todo_count(corp_id)}  # fmt: skip

    def update(self, corp_id: str, store_id: str, body: Mapping[str, Any]) -> dict[str, Any]:
        """Only the fields given change; the id stays (it is the contact way's state)."""
        old = self._store(corp_id, store_id)
        if "store_id" in body and body["store_id"] != store_id:
            raise InvalidInput("store_id", "store_id: cannot change (it is the contact way's state)")
        merged = {**old.as_dict(), **body, "store_id": store_id}
        row = {k: merged.get(k) for k in COLUMNS}
        new, problems = parse_row(row, 1)
        if problems or new is None:
            p = problems[0]
            raise InvalidInput(p.column, f"{p.column}: {p.message}")
        bad = self._group_codes(corp_id, [(1, new)])
        if bad:
            raise InvalidInput("group_code", f"group_code: {bad[0].message}")
        unknown = set(new.assistants) - self.staff.known_employees(corp_id, list(new.assistants))
        if unknown:
            raise InvalidInput("assistants", f"assistants: unknown member {sorted(unknown)[0]!r} (not among the "
                               "corp's synced employees)")  # fmt: skip
        fresh = Store(**{**old.__dict__, **{k: getattr(new, k) for k in (
            "name", "city", "address", "latitude", "longitude", "hours", "assistants", "group", "group_code",
                    "group_qr_code")}})
        fresh.updated_at_ms = self._ms()
        if old.code_status == ACTIVE and (fresh.assistants, fresh.name) != (old.assistants, old.name):
            self.codes.update_channel(corp_id, old.state, self._code_fields(fresh))
        if old.code_status == FAILED:  # fixed by this edit, perhaps: made again by the next provisioning run
            fresh.code_status, fresh.code_error = PENDING, ""
        self.repo.put_many(corp_id, [fresh], {store_id: old})
        if fresh.code_status == PENDING:
            self.repo.mark_todo(corp_id, [store_id])
        if fresh.city != old.city:
            self._recount_cities(corp_id)
        self._wrote(corp_id)
        return fresh.as_dict()

    def delete(self, corp_id: str, store_id: str) -> dict[str, Any]:
        """The contact way goes from WeCom (its channel code is kept as deleted, with its statistics);
        the store and its index items go."""
        store = self._store(corp_id, store_id)
        if store.config_id:
            with contextlib.suppress(NotFound):  # deleted as a channel code already
                self.codes.delete_channel(corp_id, store.state)
        self.repo.delete(corp_id, store)
        self.repo.done(corp_id, store_id)
        self._recount_cities(corp_id)
        self._wrote(corp_id)
        return {"deleted": store_id}

    # settings -------------------------------------------------------------------------------------
    def settings(self, corp_id: str) -> dict[str, Any]:
        saved = self.repo.settings(corp_id)
        return {"radius_km": float(saved.get("radius_km") or DEFAULT_RADIUS_KM), "code": saved.get("code") or {}}

    def save_settings(self, corp_id: str, body: Mapping[str, Any]) -> dict[str, Any]:
        """``radius_km`` (0.1 .. 9.5) and ``code``: the channel-code fields every store's contact way gets
        (welcome, tags, schedule, backups, daily cap, …) when it is made. Checked as a channel code would
        be; applies to codes made from now on."""
        current = self.settings(corp_id)
        if "radius_km" in body:
            r = body["radius_km"]
            if isinstance(r, bool) or not isinstance(r, int | float) or not 0.1 <= r <= MAX_RADIUS_KM:
                raise InvalidInput("radius_km", f"radius_km: must be a number 0.1 .. {MAX_RADIUS_KM:g}")
            current["radius_km"] = float(r)
        if "code" in body:
            code = dict(body["code"] or {})
            extra = [k for k in code if k not in CODE_FIELDS]
            if extra:
                raise InvalidInput(f"code.{extra[0]}", f"code.{extra[0]}: not a field a store's code takes "
                                   f"({', '.join(CODE_FIELDS)})")  # fmt: skip
            current["code"] = code
        self.repo.save_settings(corp_id, current)
        return current

    # contact ways ---------------------------------------------------------------------------------
    def _code_fields(self, store: Store) -> dict[str, Any]:
        return {"name": f"门店·{store.name}"[:50], "staff": list(store.assistants)}

    def provision(self, corp_id: str, budget_s: float = 20.0, most: int | None = None) -> dict[str, Any]:
        """Make (or bring up to date) the contact ways of stores waiting for one, until none is left, the
        corp's WeCom call budget is spent (Throttled: the next run resumes), ``budget_s`` passed or
        ``most`` were made. A crash between WeCom's answer and our write is found on the next run: the
        code with the store's state exists, and is adopted instead of made twice."""
        started = time.monotonic()
        template = self.settings(corp_id)["code"]
        done = failed = 0
        result: dict[str, Any] = {"throttled": False}
        wrote = False
        try:
            while True:
                ids = self.repo.todo(corp_id, 25)
                if not ids:
                    break
                for store_id in ids:
                    if (most is not None and done + failed >= most) or time.monotonic() - started > budget_s:
                        return {**result, "made": done, "failed": failed, "pending": self.repo.todo_count(corp_id)}
                    store = self.repo.get(corp_id, store_id)
                    if store is None:
                        self.repo.done(corp_id, store_id)
                        continue
                    before = Store(**store.__dict__)
                    try:
                        self._make_code(corp_id, store, template)
                        done += 1
                    except Throttled as exc:
                        result = {"throttled": True, "retry_after_s": exc.retry_after_s}
                        return {**result, "made": done, "failed": failed, "pending": self.repo.todo_count(corp_id)}
                    except DomainError as exc:  # a refusal no retry changes: shown on the store, the admin fixes it
                        store.code_status, store.code_error = FAILED, str(exc)
                        failed += 1
                    store.updated_at_ms = self._ms()
                    self.repo.put_many(corp_id, [store], {store_id: before}, bump=False)
                    wrote = True
                    self.repo.done(corp_id, store_id)
            return {**result, "made": done, "failed": failed, "pending": 0}
        finally:
            # One version bump per run, not per code: the containers' copies are read again once per run
            # (20-40 s) while 5,000 codes are made, not every 5 s; a new code is shown within the run's
            # length plus the copies' 5 s. A run killed mid-way (a timeout) is bumped by the next run.
            if wrote:
                self.repo.bump_version(corp_id)
                self._wrote(corp_id)

    def _make_code(self, corp_id: str, store: Store, template: Mapping[str, Any]) -> None:
        fields = self._code_fields(store)
        if store.config_id:
            code = self.codes.update_channel(corp_id, store.state, fields)
        else:
            whole = {**template, **fields, "group": CODE_GROUP}  # a new code's body: the store's fields over the template
            try:
                code = self.codes.create_channel(corp_id, {**whole, "state": store.state})
            except Conflict:
                code = self.codes.get_channel(corp_id, store.state)  # made by a run that stopped before saving
                if code.get("status") == "active":
                    code = self.codes.update_channel(corp_id, store.state, fields)
                else:  # a store deleted and imported again: its code (and statistics) come back
                    code = self.codes.restore_channel(corp_id, store.state, whole)
        store.config_id, store.qr_code = str(code["config_id"]), str(code["qr_code"])
        store.code_status, store.code_error = ACTIVE, ""

    # the customer's page --------------------------------------------------------------------------
    def _copy(self, corp_id: str) -> tuple[CorpStores | None, int]:
        assert self.index is not None
        return self.index.get(corp_id)

    def nearest(self, corp_id: str, lat: float | None, lng: float | None, radius_km: float | None = None,
                prefer: str = "") -> dict[str, Any]:
        """The nearest store open now (China time) within the radius whose QR leads somewhere.

        Looks at the 4 geohash cells of precision 5 around the point (its cell and the 3 neighbours towards
        it: at least ~2 km around it in China); if the nearest open store found is farther than those cells
        surely reach, or none is found and the radius is farther, the 4 cells of precision 4 (at least
        9.77 km) instead. Exact: a store within the radius is never missed. The cells are read from the
        container's copy of the corp's stores (index.py; no DynamoDB call while it is fresh), or from
        DynamoDB for a corp too large to copy: 4 queries in a shop street, 8 far from stores. ``prefer``: the
        store the page showed this customer before; it is answered again while it is still serving and open,
        wherever the customer is now (or without a location: ``lat``/``lng`` None answers only that store).
        ``queries`` is the DynamoDB requests this lookup made, ``cells`` the cells it looked at."""
        limit_m = (radius_km or self._radius_km(corp_id)) * 1000
        now = self._now()
        copy, queries = self._copy(corp_id)
        if prefer:
            if copy is not None:
                store = copy.by_id.get(prefer)
            else:
                queries += 1
                store = self.repo.get(corp_id, prefer)
            if store is not None and store.serving and store.is_open(now):
                d = None if lat is None or lng is None else round(
                    geohash.distance_m(lat, lng, store.latitude, store.longitude))
                return {"store": store.public(), "distance_m": d, "remembered": True,
                        "reason": "remembered", "queries": queries, "cells": 0}  # fmt: skip
        if lat is None or lng is None:  # no location: only the remembered store could be answered
            return {"store": None, "reason": "no_location", "queries": queries, "cells": 0}
        best: tuple[float, Store] | None = None
        precision = PRECISIONS[0]
        looked = 0
        for precision in PRECISIONS:
            cells = geohash.quad(lat, lng, precision)
            looked += len(cells)
            if copy is not None:
                found = copy.cells(cells)
            else:
                queries += len(cells)
                found = self.repo.cells(corp_id, cells)
            candidates = sorted(
                ((geohash.distance_m(lat, lng, s.latitude, s.longitude), s) for s in found
                 if s.serving and s.is_open(now)), key=lambda ds: (ds[0], ds[1].store_id))  # fmt: skip
            candidates = [c for c in candidates if c[0] <= limit_m]
            best = candidates[0] if candidates else None
            reach = geohash.quad_coverage_m(lat, precision)
            if (best is not None and best[0] <= reach) or reach >= limit_m:
                break
        if best is None:
            return {"store": None, "reason": "none_within_radius", "radius_m": round(limit_m),
                    "queries": queries, "cells": looked, "precision": precision}  # fmt: skip
        return {"store": best[1].public(), "distance_m": round(best[0]), "remembered": False, "reason": "nearest",
                "radius_m": round(limit_m), "queries": queries, "cells": looked, "precision": precision}  # fmt: skip

    def cities(self, corp_id: str) -> dict[str, Any]:
        copy, _ = self._copy(corp_id)
        if copy is not None:
            counts = {c: len(stores) for c, stores in copy.by_city.items()}
        else:
            counts = self.repo.cities(corp_id)
        return {"items": [{"city": c, "stores": n} for c, n in sorted(counts.items())]}

    def in_city(self, corp_id: str, city: str) -> dict[str, Any]:
        """A city's stores that have a QR, open ones first (the picker's list)."""
        now = self._now()
        copy, _ = self._copy(corp_id)
        listed = copy.by_city.get(city, []) if copy is not None else self.repo.in_city(corp_id, city)
        stores = [s for s in listed if s.serving]
        stores.sort(key=lambda s: (not s.is_open(now), s.name, s.store_id))
        return {"city": city, "items": [{**s.public(), "open": s.is_open(now)} for s in stores]}

    def scan(self, corp_id: str, store_id: str) -> dict[str, Any]:
        """The page showed this store's QR: counted for the store and its city on the China day. The store is
        looked up in the container's copy (as the lookup that showed it), else read."""
        copy, _ = self._copy(corp_id)
        store = copy.by_id.get(store_id) if copy is not None else self.repo.get(corp_id, store_id)
        if store is None or not store.serving:
            raise NotFound(f"no store {store_id} with a code", "store_id")
        day = local_day(self._now())
        self.repo.count_scan(corp_id, store, day)
        return {"counted": True, "store_id": store_id, "day": day}

    # statistics -----------------------------------------------------------------------------------
    def stats(self, corp_id: str, params: Mapping[str, str | None]) -> dict[str, Any]:
        """Scans and adds per store (``by=store``, default) or per city, over ``from`` .. ``to`` (China
        days, YYYY-MM-DD; default the last 30 days), with the totals per day."""
        by = params.get("by") or "store"
        if by not in ("store", "city"):
            raise InvalidInput("by", "by: must be store or city")
        today = self._now().astimezone(CHINA).date()
        first, last = params.get("from") or str(today - timedelta(days=29)), params.get("to") or str(today)
        for name, value in (("from", first), ("to", last)):
            try:
                datetime.strptime(value, "%Y-%m-%d")
            except ValueError:
                raise InvalidInput(name, f"{name}: must be a date YYYY-MM-DD") from None
        if first > last:
            raise InvalidInput("from", "from: must not be after to")
        rows = self.repo.stats(corp_id, by, first, last)
        totals: dict[str, dict[str, Any]] = {}
        days: dict[str, dict[str, int]] = {}
        for r in rows:
            t = totals.setdefault(r["key"], {"scans": 0, "adds": 0})
            t["scans"] += r["scans"]
            t["adds"] += r["adds"]
            d = days.setdefault(r["day"], {"scans": 0, "adds": 0})
            d["scans"] += r["scans"]
            d["adds"] += r["adds"]
        names = {s.store_id: s for s in self.repo.all(corp_id)} if by == "store" else {}
        items = []
        for key, t in totals.items():
            row: dict[str, Any] = {by: key}
            if by == "store":
                s = names.get(key)
                row.update({"name": s.name if s else "", "city": s.city if s else ""})
            items.append({**row, **t, "rate": round(t["adds"] / t["scans"], 4) if t["scans"] else None})
        items.sort(key=lambda r: (-r["adds"], -r["scans"], str(r[by])))
        return {"by": by, "from": first, "to": last, "items": items,
                "by_day": [{"day": d, **v} for d, v in sorted(days.items())],
                "totals": {"scans": sum(t["scans"] for t in totals.values()),
                           "adds": sum(t["adds"] for t in totals.values())}}  # fmt: skip


def stats_csv(result: Mapping[str, Any]) -> str:
    """The per-store or per-city rows as CSV, through the channel codes' writer (BOM, formula-safe cells: a
    store's name is typed by people)."""
    by = result["by"]
    return to_csv(result["items"], [by, *(["name", "city"] if by == "store" else []), "scans", "adds", "rate"])


@dataclass(eq=False)
class StoreAdds:
    """The event consumer's observer: an add through a store's contact way is counted for the store and
    its city on the China day of the add, once per (store, customer, member)."""

    repo: StoreRepo

    def observe(self, event: WeComEvent, event_id: str) -> list[str]:
        if not isinstance(event, ExternalContactEvent) or event.change_type != "add_external_contact":
            return []
        store_id = store_of_state(event.state or "")
        if store_id is None or not event.external_user_id or not event.user_id:
            return []
        store = self.repo.get(event.corp_id, store_id)
        if store is None:
            return ["store:unknown"]
        day = local_day(datetime.fromtimestamp(event.create_time, UTC))
        counted = self.repo.count_add(event.corp_id, store, day, event.external_user_id, event.user_id)
        return ["store:counted" if counted else "store:counted_before"]
