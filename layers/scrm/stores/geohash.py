"""Geohash cells and great-circle distance, in pure Python (a few dozen lines: no dependency for this).

The nearest-store lookup never scans: each store is filed under its geohash cell, and a lookup reads the
cell of the customer and its neighbours: ``block`` gives all 8 (9 cells), ``quad`` only the 3 on the side of
the cell the point lies in (4 cells: the 2×2 block around the point's quadrant). ``coverage_m`` and
``quad_coverage_m`` say how far around the point those cells reach for certain, so the lookup knows when a
coarser precision must be read to be exact.
"""

from __future__ import annotations

import math

BASE32 = "0123456789bcdefghjkmnpqrstuvwxyz"
_INDEX = {c: i for i, c in enumerate(BASE32)}
EARTH_M = 6_371_008.8  # mean radius (IUGG)


def encode(lat: float, lng: float, precision: int) -> str:
    """The cell holding (lat, lng) at ``precision`` characters (5: about 4.9 km × 4.9 km)."""
    lat_lo, lat_hi, lng_lo, lng_hi = -90.0, 90.0, -180.0, 180.0
    out: list[str] = []
    bits, value, even = 0, 0, True
    while len(out) < precision:
        if even:
            mid = (lng_lo + lng_hi) / 2
            value = value * 2 + (lng >= mid)
            lng_lo, lng_hi = (mid, lng_hi) if lng >= mid else (lng_lo, mid)
        else:
            mid = (lat_lo + lat_hi) / 2
            value = value * 2 + (lat >= mid)
            lat_lo, lat_hi = (mid, lat_hi) if lat >= mid else (lat_lo, mid)
        even = not even
        bits += 1
        if bits == 5:
            out.append(BASE32[value])
            bits, value = 0, 0
    return "".join(out)


def bounds(cell: str) -> tuple[float, float, float, float]:
    """(lat_lo, lat_hi, lng_lo, lng_hi) of a cell."""
    lat_lo, lat_hi, lng_lo, lng_hi = -90.0, 90.0, -180.0, 180.0
    even = True
    for ch in cell:
        value = _INDEX[ch]
        for shift in range(4, -1, -1):
            bit = (value >> shift) & 1
            if even:
                mid = (lng_lo + lng_hi) / 2
                lng_lo, lng_hi = (mid, lng_hi) if bit else (lng_lo, mid)
            else:
                mid = (lat_lo + lat_hi) / 2
                lat_lo, lat_hi = (mid, lat_hi) if bit else (lat_lo, mid)
            even = not even
    return lat_lo, lat_hi, lng_lo, lng_hi


def cell_size(precision: int) -> tuple[float, float]:
    """(height, width) of a cell in degrees of latitude and longitude."""
    lng_bits = (5 * precision + 1) // 2
    lat_bits = 5 * precision // 2
    return 180.0 / 2**lat_bits, 360.0 / 2**lng_bits


def block(lat: float, lng: float, precision: int) -> list[str]:
    """The cell holding the point and its 8 neighbours (fewer at the poles; longitude wraps)."""
    dlat, dlng = cell_size(precision)
    lo_lat, hi_lat, lo_lng, hi_lng = bounds(encode(lat, lng, precision))
    clat, clng = (lo_lat + hi_lat) / 2, (lo_lng + hi_lng) / 2
    cells: list[str] = []
    for i in (-1, 0, 1):
        for j in (-1, 0, 1):
            y = clat + i * dlat
            if not -90 < y < 90:
                continue
            x = (clng + j * dlng + 180) % 360 - 180
            cell = encode(y, x, precision)
            if cell not in cells:
                cells.append(cell)
    return cells


def coverage_m(lat: float, precision: int) -> float:
    """How far around any point inside its cell the 9-cell block reaches for certain: one cell's
    height, or width where longitude lines are closest within the block (towards the pole)."""
    dlat, dlng = cell_size(precision)
    worst_lat = min(89.9, abs(lat) + 2 * dlat)
    height = math.radians(dlat) * EARTH_M
    width = math.radians(dlng) * EARTH_M * math.cos(math.radians(worst_lat))
    return min(height, width)


def quad(lat: float, lng: float, precision: int) -> list[str]:
    """The point's cell and the 3 neighbours towards the point's quadrant of it: the 2×2 block of cells
    whose centre is the cell corner nearest the point."""
    dlat, dlng = cell_size(precision)
    lo_lat, hi_lat, lo_lng, hi_lng = bounds(encode(lat, lng, precision))
    clat, clng = (lo_lat + hi_lat) / 2, (lo_lng + hi_lng) / 2
    sy, sx = (1 if lat >= clat else -1), (1 if lng >= clng else -1)
    cells: list[str] = []
    for i in (0, sy):
        for j in (0, sx):
            y = clat + i * dlat
            if not -90 < y < 90:
                continue
            cell = encode(y, (clng + j * dlng + 180) % 360 - 180, precision)
            if cell not in cells:
                cells.append(cell)
    return cells


def quad_coverage_m(lat: float, precision: int) -> float:
    """How far around the point ``quad``'s 4 cells reach for certain: half a cell's height or width."""
    dlat, dlng = cell_size(precision)
    worst_lat = min(89.9, abs(lat) + dlat)
    return min(math.radians(dlat) * EARTH_M, math.radians(dlng) * EARTH_M * math.cos(math.radians(worst_lat))) / 2


def distance_m(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Haversine distance in metres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_M * math.asin(min(1.0, math.sqrt(a)))
