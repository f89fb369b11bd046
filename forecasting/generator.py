"""A seeded generator of realistic order history: the test, demo and simulation order source.

Item popularity is Zipf-like and differs by area; demand has weekday and hour-of-day seasonality, per-item trends,
new items ramping up and old ones fading; baskets hold a few items; promotion days bring more orders and lift the
promoted items several-fold (a Double-11-like day). Everything is drawn from one ``numpy`` generator: the same
``seed`` gives the same history.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime

import numpy as np

from forecasting.history import DAY_S, OrderLines
from geo.matrix import Point

__all__ = ["DEFAULT_AREAS", "HOUR_PROFILE", "Area", "Generated", "HistorySpec", "Promotion", "generate_history"]

HOUR_PROFILE = np.array(
    [0, 0, 0, 0, 0, 0, 0.2, 0.6, 1.0, 1.2, 1.4, 1.8, 1.9, 1.5, 1.2, 1.2, 1.5, 2.0, 2.2, 2.0, 1.5, 1.0, 0.5, 0.2]
)
"""Relative orders per hour of the day (local time)."""


@dataclass(frozen=True)
class Area:
    """A forward warehouse's catchment: a centre and a radius customers live within."""

    name: str
    centre: Point
    radius_m: float = 1_000.0


DEFAULT_AREAS = (
    Area("kamppi", (60.1688, 24.9320)),
    Area("kallio", (60.1841, 24.9500)),
    Area("punavuori", (60.1620, 24.9400)),
    Area("kruununhaka", (60.1740, 24.9560)),
)


@dataclass(frozen=True)
class Promotion:
    """A promotion day: orders up by ``order_uplift``, the promoted ``items`` up by ``item_uplift``."""

    day: int
    items: tuple[int, ...]
    order_uplift: float = 1.6
    item_uplift: float = 4.0


@dataclass(frozen=True)
class HistorySpec:
    """What to generate. ``promotion_every`` days there is a promotion (the first after ``promotion_every - 1``)."""

    items: int = 500
    areas: tuple[Area, ...] = DEFAULT_AREAS
    start: date = date(2026, 6, 1)
    days: int = 140
    orders_per_area_day: float = 150.0
    zipf_exponent: float = 1.05
    area_mix: float = 0.35
    weekday_factor: tuple[float, ...] = (0.95, 0.9, 0.95, 1.0, 1.15, 1.3, 0.75)
    trend_sd: float = 0.5
    new_share: float = 0.04
    fading_share: float = 0.04
    basket_mean: float = 3.5
    promotion_every: int = 35
    promoted_share: float = 0.03
    utc_offset_h: int = 2
    item_prefix: str = field(default="sku-")


@dataclass(frozen=True)
class Generated:
    """The lines, the area of each line, the promotions, and the expected units per item, area and day."""

    lines: OrderLines
    area: np.ndarray
    promotions: tuple[Promotion, ...]
    expected: np.ndarray
    spec: HistorySpec


def _popularity(spec: HistorySpec, rng: np.random.Generator) -> np.ndarray:
    """Weights per item and area: a global Zipf ranking mixed with an area-specific reshuffle."""
    ranks = rng.permutation(spec.items) + 1
    zipf = 1.0 / ranks.astype(float) ** spec.zipf_exponent
    local = np.stack([zipf[rng.permutation(spec.items)] for _ in spec.areas], axis=1)
    return (1 - spec.area_mix) * zipf[:, None] + spec.area_mix * local


def _life(spec: HistorySpec, rng: np.random.Generator) -> np.ndarray:
    """Factor per item and day: trend, new items ramping up over a week, fading items decaying."""
    days = np.arange(spec.days)
    factor = np.exp(rng.normal(0, spec.trend_sd, spec.items)[:, None] * days[None, :] / spec.days)
    kind = rng.random(spec.items)
    launch = rng.integers(spec.days // 3, spec.days - 10, spec.items)
    new = kind < spec.new_share
    factor[new] *= np.clip((days[None, :] - launch[new, None]) / 7.0, 0, 1)
    fading = (kind >= spec.new_share) & (kind < spec.new_share + spec.fading_share)
    factor[fading] *= np.exp(-np.clip(days[None, :] - launch[fading, None], 0, None) / 10.0)
    return factor


def _promotions(spec: HistorySpec, popularity: np.ndarray, rng: np.random.Generator) -> tuple[Promotion, ...]:
    top = np.argsort(-popularity.sum(axis=1))[: max(10, spec.items // 5)]
    count = max(1, int(spec.items * spec.promoted_share))
    return tuple(
        Promotion(int(day), tuple(int(i) for i in rng.choice(top, count, replace=False)))
        for day in range(spec.promotion_every - 1, spec.days, spec.promotion_every)
    )


def _day_lines(
    spec: HistorySpec, weights: np.ndarray, orders: int, day_start_s: int, area: Area, rng: np.random.Generator
) -> list[np.ndarray]:
    """Columns (time, order, item, quantity, lat, lon) of one area's orders on one day; orders numbered from 0."""
    sizes = 1 + rng.poisson(spec.basket_mean - 1, orders)
    order = np.repeat(np.arange(orders), sizes)
    item = rng.choice(spec.items, size=int(sizes.sum()), p=weights / weights.sum())
    pairs, quantity = np.unique(np.column_stack([order, item]), axis=0, return_counts=True)
    quantity = quantity + (rng.random(len(quantity)) < 0.2)
    hours = rng.choice(24, size=orders, p=HOUR_PROFILE / HOUR_PROFILE.sum())
    seconds = day_start_s + hours * 3600 + rng.integers(0, 3600, orders)
    radius_deg = np.sqrt(rng.random(orders)) * area.radius_m / 111_000.0
    angle = rng.random(orders) * 2 * np.pi
    lat = area.centre[0] + radius_deg * np.sin(angle)
    lon = area.centre[1] + radius_deg * np.cos(angle) / np.cos(np.radians(area.centre[0]))
    o = pairs[:, 0]
    return [seconds[o], o, pairs[:, 1], quantity, lat[o], lon[o]]


def generate_history(spec: HistorySpec | None = None, seed: int = 0) -> Generated:
    """Generate order lines for ``spec`` (default: 500 items, 4 Helsinki areas, 140 days from 2026-06-01)."""
    spec = spec or HistorySpec()
    rng = np.random.default_rng(seed)
    popularity = _popularity(spec, rng)
    life = _life(spec, rng)
    promotions = _promotions(spec, popularity, rng)
    by_day = {p.day: p for p in promotions}
    epoch = int(datetime(spec.start.year, spec.start.month, spec.start.day, tzinfo=UTC).timestamp())
    epoch -= spec.utc_offset_h * 3600
    expected = np.zeros((spec.items, len(spec.areas), spec.days))
    columns: list[list[np.ndarray]] = [[] for _ in range(6)]
    areas: list[np.ndarray] = []
    next_order = 0
    for day in range(spec.days):
        promo = by_day.get(day)
        uplift = np.ones(spec.items)
        if promo is not None:
            uplift[list(promo.items)] = promo.item_uplift
        mean_orders = spec.orders_per_area_day * spec.weekday_factor[(spec.start.weekday() + day) % 7]
        mean_orders *= promo.order_uplift if promo is not None else 1.0
        for a, area in enumerate(spec.areas):
            weights = popularity[:, a] * life[:, day] * uplift
            expected[:, a, day] = mean_orders * spec.basket_mean * 1.2 * weights / weights.sum()
            cols = _day_lines(spec, weights, int(rng.poisson(mean_orders)), epoch + day * DAY_S, area, rng)
            cols[1] = cols[1] + next_order
            next_order = int(cols[1].max()) + 1 if len(cols[1]) else next_order
            for k in range(6):
                columns[k].append(cols[k])
            areas.append(np.full(len(cols[0]), a))
    time_s, order, item, quantity, lat, lon = (np.concatenate(c) for c in columns)
    lines = OrderLines(
        time_s.astype(np.int64),
        order.astype(np.int64),
        item.astype(np.int64),
        quantity.astype(np.int64),
        lat,
        lon,
        tuple(f"{spec.item_prefix}{k:04d}" for k in range(spec.items)),
        tuple(f"o{k:07d}" for k in range(next_order)),
        spec.utc_offset_h * 3600,
    )
    return Generated(lines, np.concatenate(areas), promotions, expected, spec)
