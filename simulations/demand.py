"""The day's order stream and the history before it, from the forecasting generator or an order-line CSV.

The simulated day is the last day of the history: the days before it are what a merchandiser would have seen
(they feed the forecast and the stocking policies), the last day's orders between the demand's ``start`` and
``end`` arrive one by one in the simulation.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

from forecasting import Area, HistorySpec, OrderLines, generate_history, read_history
from forecasting.generator import HOUR_PROFILE
from forecasting.history import DAY_S
from geo.haversine import haversine_m
from geo.matrix import Point
from simulations.scenario import DemandSpec, Scenario, clock_s

__all__ = ["SIMULATED_DAY", "Arrival", "DayDemand", "day_demand"]

SIMULATED_DAY = date(2026, 11, 24)
"""The date a generated day is simulated on (a Tuesday); its history ends the day before."""


@dataclass(frozen=True)
class Arrival:
    """One customer order as it arrives: when (seconds after the day's midnight), where, what and how heavy."""

    id: str
    time_s: int
    location: Point
    items: Mapping[str, int]
    weight_g: int
    service_s: int
    area: str


@dataclass(frozen=True)
class DayDemand:
    """The history before the day (lines and the area of each line, -1 outside every area), the day's arrivals,
    and the day's midnight in Unix seconds."""

    history: OrderLines
    history_area: np.ndarray
    arrivals: tuple[Arrival, ...]
    midnight_s: int
    utc_offset_s: int


def _generated(spec: DemandSpec, seed: int) -> tuple[OrderLines, np.ndarray]:
    """History of ``spec.history_days`` days plus the simulated day, scaled so that the expected number of
    orders between ``start`` and ``end`` on the simulated day is ``spec.orders``."""
    start = SIMULATED_DAY - timedelta(days=spec.history_days)
    weekday = HistorySpec().weekday_factor[SIMULATED_DAY.weekday()]
    hours = HOUR_PROFILE / HOUR_PROFILE.sum()
    first, last = clock_s(spec.start) / 3600, clock_s(spec.end) / 3600
    share = sum(hours[h] * max(0.0, min(h + 1, last) - max(h, first)) for h in range(24))
    history = HistorySpec(
        items=spec.items,
        areas=tuple(Area(a.name, a.centre, a.radius_m) for a in spec.areas),
        start=start,
        days=spec.history_days + 1,
        orders_per_area_day=spec.orders / max(share, 1e-9) / weekday / len(spec.areas),
        basket_mean=spec.basket_mean,
        promotion_every=spec.history_days + 2,
    )
    generated = generate_history(history, seed=seed)
    return generated.lines, generated.area


def _nearest_area(lines: OrderLines, spec: DemandSpec) -> np.ndarray:
    """Each line's area: the nearest area centre within its radius, else -1."""
    distance = np.stack([haversine_m(lines.lat, lines.lon, *a.centre) for a in spec.areas], axis=1)
    nearest = distance.argmin(axis=1)
    radius = np.array([a.radius_m for a in spec.areas])
    return np.where(distance[np.arange(len(nearest)), nearest] <= radius[nearest] * 1.5, nearest, -1)


def _arrivals(
    lines: OrderLines, area: np.ndarray, spec: DemandSpec, midnight_s: int, weights: np.ndarray
) -> tuple[Arrival, ...]:
    time_s = lines.time_s - midnight_s
    keep = (time_s >= clock_s(spec.start)) & (time_s < clock_s(spec.end))
    by_order: dict[int, list[int]] = {}
    for row in np.flatnonzero(keep):
        by_order.setdefault(int(lines.order[row]), []).append(int(row))
    arrivals = []
    for rows in by_order.values():
        first = rows[0]
        items = {lines.items[int(lines.item[r])]: int(lines.quantity[r]) for r in rows}
        weight = int(sum(weights[int(lines.item[r])] * int(lines.quantity[r]) for r in rows))
        where = (float(lines.lat[first]), float(lines.lon[first]))
        name = spec.areas[int(area[first])].name if area[first] >= 0 else ""
        order_id = lines.orders[int(lines.order[first])]
        service = round(spec.service_min * 60)
        arrivals.append(Arrival(order_id, int(time_s[first]), where, items, weight, service, name))
    return tuple(sorted(arrivals, key=lambda a: (a.time_s, a.id)))


def day_demand(scenario: Scenario) -> DayDemand:
    """The history and the day's arrivals for ``scenario`` (generated from its seed, or read from its CSV)."""
    spec = scenario.demand
    if spec.history is not None:
        lines = read_history(scenario.path(spec.history))
        area = _nearest_area(lines, spec)
    else:
        lines, area = _generated(spec, scenario.seed)
    day = lines.day
    last = int(day.max())
    midnight = int(lines.time_s[day == last].min()) + lines.utc_offset_s
    midnight = midnight - midnight % DAY_S - lines.utc_offset_s
    rng = np.random.default_rng(scenario.seed)
    weights = np.maximum(1, rng.lognormal(np.log(spec.item_weight_g) - 0.32, 0.8, len(lines.items))).astype(np.int64)
    past = day < last
    today = lines.select(~past)
    arrivals = _arrivals(today, area[~past], spec, midnight, weights)
    return DayDemand(lines.select(past), area[past], arrivals, midnight, lines.utc_offset_s)
