"""Store codes (门店活码, issue 21): import and edit stores, their contact ways (made by the channel-code
machinery, within the corp's WeCom call budget), statistics per store and city; and the customer's landing
page's routes (no key: /admin/public/stores/...), which only ever read the corp named in the query."""

from __future__ import annotations

from typing import Any

from chalice import Response

from admin.api import Doc, csv_response, json_response, query_of, route
from admin.schemas import stores as S
from admin.sessions import PUBLIC_LIMITED, _open_route, limit_public

STORE_ID = {"store_id": "the store's id (from the import)"}
W = {404: None, 409: None, 502: None}


def _service() -> Any:
    from scrm import bootstrap

    return bootstrap.stores()


@route("/admin/stores/import", methods=("POST",), write=True, role="admin", doc=Doc(
    "Import stores (CSV text or JSON rows): all rows or none",
    {200: ("what was written; the contact ways follow", S.StoreImported)}, body=S.StoreImport,
    description="Every row is checked first (columns, coordinates, hours, duplicate ids, assistants against the "
    "synced directory); any bad row: 400 with `details` listing every problem by line and column, nothing "
    "written. A known store_id updates that store. Each new store's contact way is made afterwards, within the "
    "corp's WeCom call budget (POST /admin/stores/codes, and the every-minute job).",
))  # fmt: skip
def import_stores(principal: Any, request: Any, body: S.StoreImport) -> Any:
    from scrm.kernel.errors import InvalidInput

    service = _service()
    if body.csv is not None and body.rows is None:
        return service.import_csv(principal.corp_id, body.csv)
    if body.rows is not None and body.csv is None:
        return service.import_json(principal.corp_id, body.rows)
    raise InvalidInput("csv", "csv: send either csv (the file's text) or rows (JSON objects)")


@route("/admin/stores", doc=Doc(
    "The corp's stores (filters: city, q, status), with the stores per city", {200: ("stores", S.StoreList)},
    query=S.StoreQuery,
))  # fmt: skip
def store_list(principal: Any, request: Any) -> Any:
    return _service().list(principal.corp_id, query_of(request))


@route("/admin/stores/settings", doc=Doc(
    "The lookup's radius and the fields every store's contact way gets", {200: ("settings", S.StoreSettingsAnswer)},
))  # fmt: skip
def get_settings(principal: Any, request: Any) -> Any:
    return _service().settings(principal.corp_id)


@route("/admin/stores/settings", methods=("PUT",), write=True, role="admin", doc=Doc(
    "Change the lookup's radius or the store codes' template", {200: ("settings", S.StoreSettingsAnswer)},
    body=S.StoreSettings,
))  # fmt: skip
def put_settings(principal: Any, request: Any, body: S.StoreSettings) -> Any:
    return _service().save_settings(principal.corp_id, body.model_dump(exclude_unset=True))


@route("/admin/stores/codes", methods=("POST",), write=True, doc=Doc(
    "Make the contact ways of stores waiting for one, for up to 20 s (the every-minute job does the same)",
    {200: ("made, failed, still pending; throttled when the WeCom budget is spent", S.Provisioned)},
))  # fmt: skip
def provision(principal: Any, request: Any) -> Any:
    return _service().provision(principal.corp_id, budget_s=20.0)


@route("/admin/stores/stats", doc=Doc(
    "Scans (the landing page showed a store's QR) and adds (through a store's contact way) per store or city",
    {200: ("the report (JSON) or its rows (CSV, UTF-8 with BOM)", S.StoreStats)}, query=S.StoreStatsQuery,
    csv=True,
))  # fmt: skip
def stats(principal: Any, request: Any) -> Any:
    from scrm.kernel.errors import InvalidInput
    from scrm.stores.service import stats_csv

    params = query_of(request)
    fmt = params.get("format") or "json"
    if fmt not in ("json", "csv"):
        raise InvalidInput("format", "format: must be json or csv")
    result = _service().stats(principal.corp_id, params)
    if fmt == "csv":
        return csv_response(stats_csv(result), f'stores-by-{result["by"]}.csv')
    return result


@route("/admin/stores/{store_id}", doc=Doc(
    "A store", {200: ("the store", S.Store)}, params=STORE_ID, errors={404: None},
))  # fmt: skip
def store_get(principal: Any, request: Any, store_id: str) -> Any:
    return _service().get(principal.corp_id, store_id)


@route("/admin/stores/{store_id}", methods=("PUT",), write=True, doc=Doc(
    "Change a store (only the given fields); new assistants or name go to its contact way at once",
    {200: ("the store as saved", S.Store)}, body=S.StoreInput, params=STORE_ID, errors=W,
))  # fmt: skip
def store_update(principal: Any, request: Any, store_id: str, body: S.StoreInput) -> Any:
    return _service().update(principal.corp_id, store_id, body.fields())


@route("/admin/stores/{store_id}", methods=("DELETE",), write=True, doc=Doc(
    "Delete a store and its contact way (the channel code stays readable as deleted, with its statistics)",
    {200: ("deleted", S.StoreDeleted)}, params=STORE_ID, errors=W,
))  # fmt: skip
def store_delete(principal: Any, request: Any, store_id: str) -> Any:
    return _service().delete(principal.corp_id, store_id)


# the customer's landing page: no key -------------------------------------------------------------
def _corp(params: dict[str, str], request: Any) -> str:
    """The corp named in the query, checked to exist (a 404 otherwise): one corp's stores only. Then the
    request is counted for the client's address and that corp (a 429 past the public routes' limit)."""
    from scrm import bootstrap
    from scrm.kernel.errors import InvalidInput, NotFound
    from scrm.kernel.input_limits import check_id

    corp = (params.get("corp") or "").strip()
    if not corp:
        raise InvalidInput("corp", "corp: required")
    check_id("corp", corp)
    from scrm.adapters.corp_registry import CorpNotFound

    try:
        bootstrap.corp_registry().get(corp, cache_unknown=True)  # anyone may call: a miss is remembered
    except CorpNotFound:
        raise NotFound("no such corp", "corp") from None
    limit_public(request, corp)
    return corp


def _coordinate(params: dict[str, str], name: str, lo: float, hi: float) -> float:
    from scrm.kernel.errors import InvalidInput

    try:
        value = float(params.get(name) or "")
    except ValueError:
        raise InvalidInput(name, f"{name}: must be a number {lo:g} .. {hi:g}") from None
    if value != value or not lo <= value <= hi:
        raise InvalidInput(name, f"{name}: must be a number {lo:g} .. {hi:g}")
    return value


@_open_route("/admin/public/stores/nearest", "GET", Doc(
    "The nearest store open now within the radius, with its QR (the landing page's lookup)",
    {200: ("the store, or none with the reason", S.Nearest)}, query=S.NearestQuery, errors={404: None, **PUBLIC_LIMITED},
    description="No key. Reads the geohash cells around the point (never every store). `prefer`: the store this "
    "browser was shown before; answered again while it is serving and open (with `prefer`, lat and lng may be "
    "left out: then only that store is answered, or none with reason no_location).",
))  # fmt: skip
def nearest(request: Any) -> Response:
    from scrm.stores.service import MAX_RADIUS_KM

    params = dict(request.query_params or {})
    corp = _corp(params, request)
    prefer = (params.get("prefer") or "").strip()[:24]
    located = bool(params.get("lat") or params.get("lng")) or not prefer  # without prefer, a location is required
    lat = _coordinate(params, "lat", -90, 90) if located else None
    lng = _coordinate(params, "lng", -180, 180) if located else None
    radius = _coordinate(params, "radius_km", 0.1, MAX_RADIUS_KM) if params.get("radius_km") else None
    return json_response(200, _service().nearest(corp, lat, lng, radius, prefer))


@_open_route("/admin/public/stores/cities", "GET", Doc(
    "The corp's cities and how many stores each has (the picker)", {200: ("cities", S.Cities)},
    query=S.PublicCorp, errors={404: None, **PUBLIC_LIMITED}, description="No key.",
))  # fmt: skip
def cities(request: Any) -> Response:
    return json_response(200, _service().cities(_corp(dict(request.query_params or {}), request)))


@_open_route("/admin/public/stores/in-city", "GET", Doc(
    "A city's stores that have a QR, open ones first (the picker)", {200: ("stores", S.CityStores)},
    query=S.CityStoresQuery, errors={404: None, **PUBLIC_LIMITED}, description="No key.",
))  # fmt: skip
def in_city(request: Any) -> Response:
    from scrm.kernel.errors import InvalidInput

    params = dict(request.query_params or {})
    corp = _corp(params, request)
    city = (params.get("city") or "").strip()
    if not city or len(city) > 20:
        raise InvalidInput("city", "city: required, at most 20 characters")
    return json_response(200, _service().in_city(corp, city))


@_open_route("/admin/public/stores/scans", "POST", Doc(
    "The landing page showed a store's QR: counted for the store and its city today",
    {200: ("counted", S.Scanned)}, body=S.ScanInput,
    errors={404: None, 415: "the body must be sent as application/json", **PUBLIC_LIMITED},
    description="No key. JSON only (a form of another site cannot send it).",
))  # fmt: skip
def scan(request: Any, body: S.ScanInput) -> Response:
    corp = _corp({"corp": body.corp}, request)
    return json_response(200, _service().scan(corp, body.store_id))
