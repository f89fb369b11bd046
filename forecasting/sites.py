"""Sites for forecasting and stocking: stores and forward warehouses, read from JSON; catchments of order lines.

``sites.json``::

    {"sites": [
      {"id": "store-kamppi", "kind": "store", "location": [60.1688, 24.9372], "stock": {"sku-0001": 40}},
      {"id": "fw-kallio", "kind": "forward_warehouse", "location": [60.1841, 24.95], "capacity_units": 3000,
       "zone": [[60.178, 24.94], [60.178, 24.96], [60.19, 24.96], [60.19, 24.94]], "stock": {}}
    ]}

The fields are those of the routing problem's sites (``stock`` plugs straight back in), plus ``capacity_units`` for
a forward warehouse. A line belongs to the first forward warehouse whose zone holds it, else to the nearest one
within ``radius_m``, else to no catchment (-1).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from geo.errors import InputError
from geo.files import read_json
from geo.haversine import haversine_m
from geo.matrix import Point
from geo.zones import points_in_zone, zone_polygon

__all__ = ["StockSite", "catchment_of", "read_sites", "sites_to_json"]


@dataclass(frozen=True)
class StockSite:
    """A store or forward warehouse with its stock, and for a forward warehouse its capacity in units."""

    id: str
    kind: str
    location: Point
    stock: dict[str, int] = field(default_factory=dict)
    zone: tuple[Point, ...] | None = None
    capacity_units: int | None = None


def _point(value: Any, where: str) -> Point:
    if not (isinstance(value, list | tuple) and len(value) == 2 and all(isinstance(v, int | float) for v in value)):
        raise InputError(f"{where}: must be [lat, lon]")
    lat, lon = float(value[0]), float(value[1])
    if not (math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90 and -180 <= lon <= 180):
        raise InputError(f"{where}: [{lat}, {lon}] is not a place on Earth")
    return lat, lon


def _site(raw: Any, k: int) -> StockSite:
    where = f"sites[{k}]"
    if not isinstance(raw, dict):
        raise InputError(f"{where}: must be an object")
    if not isinstance(raw.get("id"), str) or not raw["id"]:
        raise InputError(f"{where}.id: a non-empty string is needed")
    kind = raw.get("kind")
    if kind not in ("store", "forward_warehouse"):
        raise InputError(f"{where}.kind: must be store or forward_warehouse, got {kind!r}")
    stock = raw.get("stock", {})
    if not isinstance(stock, dict) or not all(isinstance(q, int) and q >= 0 for q in stock.values()):
        raise InputError(f"{where}.stock: must map item ids to whole numbers >= 0")
    zone = raw.get("zone")
    if zone is not None:
        if not isinstance(zone, list) or len(zone) < 3:
            raise InputError(f"{where}.zone: a polygon needs at least 3 [lat, lon] vertices")
        zone = tuple(_point(v, f"{where}.zone[{j}]") for j, v in enumerate(zone))
    capacity = raw.get("capacity_units")
    if capacity is not None and (not isinstance(capacity, int) or capacity < 0):
        raise InputError(f"{where}.capacity_units: must be a whole number >= 0, got {capacity!r}")
    return StockSite(raw["id"], kind, _point(raw.get("location"), f"{where}.location"), dict(stock), zone, capacity)


def read_sites(path: Path) -> list[StockSite]:
    """Read ``sites.json``; ``InputError`` naming the field when something is wrong."""
    data = read_json(path)
    if not isinstance(data, dict) or not isinstance(data.get("sites"), list):
        raise InputError(f"{path}: sites: a list of sites is needed")
    sites = [_site(raw, k) for k, raw in enumerate(data["sites"])]
    ids = [s.id for s in sites]
    if len(set(ids)) != len(ids):
        raise InputError(f"{path}: sites: repeated id")
    return sites


def sites_to_json(sites: list[StockSite]) -> dict[str, Any]:
    """The sites as ``sites.json`` data."""
    out = []
    for s in sites:
        raw: dict[str, Any] = {"id": s.id, "kind": s.kind, "location": list(s.location), "stock": s.stock}
        if s.zone is not None:
            raw["zone"] = [list(v) for v in s.zone]
        if s.capacity_units is not None:
            raw["capacity_units"] = s.capacity_units
        out.append(raw)
    return {"sites": out}


def catchment_of(
    lat: np.ndarray, lon: np.ndarray, warehouses: list[StockSite], radius_m: float = 2_000.0
) -> np.ndarray:
    """Index into ``warehouses`` of each point's catchment (zone first, else nearest within ``radius_m``), or -1."""
    area = np.full(len(lat), -1, dtype=np.int64)
    points = list(zip(lat.tolist(), lon.tolist(), strict=True))
    for k, site in enumerate(warehouses):
        if site.zone is not None:
            inside = points_in_zone(zone_polygon(site.zone), points) & (area < 0)
            area[inside] = k
    if warehouses:
        distance = np.stack([haversine_m(lat, lon, s.location[0], s.location[1]) for s in warehouses], axis=1)
        nearest = distance.argmin(axis=1)
        free = (area < 0) & (distance.min(axis=1) <= radius_m)
        area[free] = nearest[free]
    return area
