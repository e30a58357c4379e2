"""Store codes (门店活码, issue 21; admin/stores.py). The request's shape is checked here; the store's rules
(scrm.stores.model: coordinates, hours, assistants) are the domain's and name the line and column."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from admin.schemas.base import NULLABLE, Body, Model


class StoreImport(Body):
    csv: str | None = Field(None, max_length=1_000_000, description=(
        "the CSV text: a header naming the columns store_id, name, city, address, latitude, longitude, hours, "
        "assistants (userids separated by |), group, group_code (a group live code's id); UTF-8, a BOM allowed"))
    rows: list[dict[str, Any]] | None = Field(None, max_length=5000, description=(
        "or the rows as JSON objects with the same keys (assistants a list); line = the row's position"))


class StoreImported(Model):
    imported: int
    created: int
    updated: int
    unchanged: int
    codes_pending: int = Field(description="stores whose contact way is still to be made (made by the job)")


class StoreInput(Body):
    """Only the fields given change; store_id is fixed (it is the contact way's state)."""

    name: str | None = Field(None, min_length=1, max_length=50)
    city: str | None = Field(None, min_length=1, max_length=20)
    address: str | None = Field(None, max_length=200)
    latitude: float | None = Field(None, ge=-90, le=90)
    longitude: float | None = Field(None, ge=-180, le=180)
    hours: str | dict[str, list[str]] | None = Field(None, description=(
        "China time: '09:00-21:00' every day, '1-5 09:00-21:00; 6-7 10:00-22:00', or weekday → intervals; "
        "empty: always open"), json_schema_extra=NULLABLE)
    assistants: list[str] | None = Field(None, min_length=1, max_length=100, description="members' userids")
    group: str | None = Field(None, max_length=30)
    group_code: str | None = Field(None, max_length=30, description="a group live code shown beside the store's QR; "
                                   "empty: none")

    def fields(self) -> dict[str, Any]:
        return self.model_dump(exclude_unset=True)


class Store(Model):
    store_id: str
    name: str
    city: str
    address: str = ""
    latitude: float
    longitude: float
    hours: dict[str, list[str]] = {}
    assistants: list[str] = []
    group: str = ""
    group_code: str = ""
    group_qr_code: str = ""
    state: str = Field(description="the contact way's state: store_<store_id>")
    code_status: str = Field(description="pending (its contact way is being made), active, failed")
    code_error: str = ""
    config_id: str = ""
    qr_code: str = ""


class StoreList(Model):
    items: list[Store]
    cities: dict[str, int]
    codes_pending: int


class StoreQuery(Model):
    city: str | None = Field(None, description="only this city")
    q: str | None = Field(None, description="text in the id, name or address")
    status: str | None = Field(None, description="pending, active or failed")


class StoreDeleted(Model):
    deleted: str


class StoreSettings(Body):
    radius_km: float | None = Field(None, description="the lookup's default radius, 0.1 .. 9.5 km")
    code: dict[str, Any] | None = Field(None, description=(
        "channel-code fields every store's contact way gets when made: welcome, tags, schedule, backup, "
        "daily_cap, skip_verify, remark_template, description_template"))


class StoreSettingsAnswer(Model):
    radius_km: float
    code: dict[str, Any]


class Provisioned(Model):
    made: int
    failed: int
    pending: int
    throttled: bool
    retry_after_s: float | None = None


class StoreStatsQuery(Model):
    by: str | None = Field(None, description="store (default) or city")
    from_: str | None = Field(None, alias="from", description="first China day YYYY-MM-DD (default: 29 days before to)")
    to: str | None = Field(None, description="last China day YYYY-MM-DD (default: today)")
    format: str | None = Field(None, description="json (default) or csv")


class StoreStats(Model):
    by: str
    from_: str = Field(alias="from")
    to: str
    items: list[dict[str, Any]]
    by_day: list[dict[str, Any]]
    totals: dict[str, int]


# the customer's landing page (no key) ------------------------------------------------------------
class PublicCorp(Model):
    corp: str = Field(description="the corp whose stores are asked for")


class NearestQuery(PublicCorp):
    lat: str | None = Field(None, description="latitude, -90 .. 90 (required unless prefer is given)")
    lng: str | None = Field(None, description="longitude, -180 .. 180 (required unless prefer is given)")
    radius_km: str | None = Field(None, description="0.1 .. 9.5 (default: the corp's setting)")
    prefer: str | None = Field(None, description="the store this browser was shown before (first-party storage)")


class CityStoresQuery(PublicCorp):
    city: str = Field(description="a city from …/cities")


class PublicStore(Model):
    store_id: str
    name: str
    city: str
    address: str
    latitude: float
    longitude: float
    hours: dict[str, list[str]]
    qr_code: str
    group_qr_code: str = Field("", description="the store's group live code's join QR, when it has one")
    open: bool | None = None


class Nearest(Model):
    store: PublicStore | None
    reason: str = Field(description="nearest, remembered, none_within_radius, or no_location")
    distance_m: int | None = None
    radius_m: int | None = None
    remembered: bool | None = None
    queries: int = Field(description="DynamoDB reads the lookup made: 0 while the container's copy of the corp's "
                         "stores is fresh; 1 when it checks the corp's version (every 5 s); more when it reads the "
                         "stores again, or for a corp too large to copy (4 or 8 cell queries)")
    cells: int = Field(0, description="geohash cells looked at: 4 near a store, 8 far from all")


class Cities(Model):
    items: list[dict[str, Any]]


class CityStores(Model):
    city: str
    items: list[PublicStore]


class ScanInput(Body):
    corp: str = Field(min_length=1, max_length=64)
    store_id: str = Field(min_length=1, max_length=24)


class Scanned(Model):
    counted: bool
    store_id: str
    day: str
