"""The forecast and pre-positioning jobs end to end: history → areas → backtest → forecast → stocking plan."""

from __future__ import annotations

import csv
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from pathlib import Path

import numpy as np

from forecasting.backtest import Score, backtest
from forecasting.demand import daily_demand, make_calendar
from forecasting.history import OrderLines
from forecasting.models import Forecaster, SmoothedSeasonal, models
from forecasting.sites import StockSite
from forecasting.stocking import baskets_of, fill_rate, reverse_greedy, stock_plan, top_n_plan
from geo.errors import InputError

__all__ = [
    "AreaForecast",
    "Transfer",
    "fill_curve",
    "plan_stock",
    "read_forecast",
    "read_promotions",
    "remap_items",
    "run_forecast",
    "write_forecast",
]

Progress = Callable[[str], None]


@dataclass(frozen=True)
class AreaForecast:
    """Forecast units per item, area and day (``values``: items × areas × days from ``first_date``)."""

    areas: tuple[str, ...]
    items: tuple[str, ...]
    first_date: date
    values: np.ndarray
    model: str = ""
    scores: tuple[Score, ...] = ()
    backtest_forecast: np.ndarray | None = None


@dataclass(frozen=True)
class Transfer:
    """Move ``quantity`` of ``item`` from a store to a forward warehouse before the horizon starts."""

    site: str
    item: str
    hold: int
    current: int
    quantity: int
    source: str | None


def read_promotions(path: Path, lines: OrderLines) -> list[tuple[int, list[int]]]:
    """Promotion calendar CSV (``date,item_id``) as (day index, item indices); unknown items are skipped."""
    index = {item: k for k, item in enumerate(lines.items)}
    days: dict[int, list[int]] = {}
    try:
        with Path(path).open(newline="") as handle:
            for n, row in enumerate(csv.DictReader(handle), start=2):
                try:
                    day = (date.fromisoformat(row["date"]) - lines.first_day).days
                except (KeyError, TypeError, ValueError):
                    raise InputError(f"{path} line {n}, date: not an ISO date") from None
                if row.get("item_id") in index:
                    days.setdefault(day, []).append(index[row["item_id"]])
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror})") from None
    return sorted(days.items())


def run_forecast(
    lines: OrderLines,
    area: np.ndarray,
    area_names: Sequence[str],
    horizon: int,
    promotions: Sequence[tuple[int, Sequence[int]]] = (),
    backtest_weeks: int = 4,
    progress: Progress | None = None,
) -> AreaForecast:
    """Backtest every model on the last ``backtest_weeks`` windows, forecast ``horizon`` days with the best.

    Lines outside every area (``area`` = -1) are left out.
    """
    keep = area >= 0
    lines, area = lines.select(keep), area[keep]
    if len(lines) == 0:
        raise InputError("history: no order line falls in any forward warehouse's catchment")
    demand = daily_demand(lines, area, len(area_names))
    if demand.shape[2] < 7 * (backtest_weeks + 2):
        raise InputError(f"history: {demand.shape[2]} days; at least {7 * (backtest_weeks + 2)} are needed")
    series = demand.reshape(-1, demand.shape[2])
    calendar = make_calendar(lines, len(area_names), promotions)
    if progress:
        progress(f"backtest of {len(models())} models on {series.shape[0]} series, {backtest_weeks} windows")
    scores = backtest(series, calendar, models(), horizon, backtest_weeks)
    best: Forecaster = models()[int(np.argmin([s.wape for s in scores]))]
    if progress:
        progress(f"forecast {horizon} days with {best.name}")
    values = best.forecast(series, calendar, horizon).reshape(demand.shape[0], demand.shape[1], horizon)
    held_out = best.forecast(series[:, :-horizon], calendar, horizon).reshape(demand.shape[0], demand.shape[1], horizon)
    first = lines.first_day + timedelta(days=demand.shape[2])
    return AreaForecast(tuple(area_names), lines.items, first, values, best.name, tuple(scores), held_out)


def write_forecast(forecast: AreaForecast, path: Path) -> None:
    """Write ``area,item_id,date,forecast`` rows (zero rows left out), atomically."""
    tmp = Path(path).with_name(Path(path).name + ".tmp")
    with tmp.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(("area", "item_id", "date", "forecast"))
        for i, a, h in zip(*np.nonzero(forecast.values > 0.0005), strict=True):
            day = forecast.first_date + timedelta(days=int(h))
            writer.writerow((forecast.areas[a], forecast.items[i], day.isoformat(), f"{forecast.values[i, a, h]:.3f}"))
    tmp.replace(path)


def read_forecast(path: Path) -> AreaForecast:
    """Read a forecast CSV written by :func:`write_forecast`; ``InputError`` naming the line if bad."""
    rows: list[tuple[str, str, date, float]] = []
    try:
        with Path(path).open(newline="") as handle:
            for n, row in enumerate(csv.DictReader(handle), start=2):
                try:
                    rows.append((row["area"], row["item_id"], date.fromisoformat(row["date"]), float(row["forecast"])))
                except (KeyError, TypeError, ValueError):
                    raise InputError(
                        f"{path} line {n}: needs area, item_id, date (ISO) and forecast (number)"
                    ) from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror})") from None
    if not rows:
        raise InputError(f"{path}: no forecast rows")
    areas = tuple(sorted({r[0] for r in rows}))
    items = tuple(sorted({r[1] for r in rows}))
    first = min(r[2] for r in rows)
    values = np.zeros((len(items), len(areas), (max(r[2] for r in rows) - first).days + 1))
    a_index, i_index = {a: k for k, a in enumerate(areas)}, {i: k for k, i in enumerate(items)}
    for a, i, day, value in rows:
        values[i_index[i], a_index[a], (day - first).days] = value
    return AreaForecast(areas, items, first, values)


def remap_items(lines: OrderLines, items: Sequence[str]) -> OrderLines:
    """``lines`` with item indices into ``items``; lines for items not in ``items`` are dropped."""
    if tuple(lines.items) == tuple(items):
        return lines
    index = {item: k for k, item in enumerate(items)}
    mapped = np.array([index.get(item, -1) for item in lines.items], dtype=np.int64)[lines.item]
    kept = lines.select(mapped >= 0)
    return replace(kept, item=mapped[mapped >= 0], items=tuple(items))


def plan_stock(
    forecast: AreaForecast,
    sites: Sequence[StockSite],
    recent: dict[str, OrderLines],
    recent_days: int,
    progress: Progress | None = None,
) -> tuple[dict[str, dict[str, int]], list[Transfer]]:
    """What each forward warehouse should hold over the forecast's horizon, and the transfers from stores.

    ``recent`` gives each warehouse's recent order lines (its baskets); a transfer comes from the store that holds
    the most of the item, or from nowhere (``source`` None) when no store has enough.
    """
    stores = [s for s in sites if s.kind == "store"]
    store_left = {s.id: dict(s.stock) for s in stores}
    plans: dict[str, dict[str, int]] = {}
    transfers: list[Transfer] = []
    for site in sites:
        if site.kind != "forward_warehouse" or site.id not in forecast.areas:
            continue
        if site.capacity_units is None:
            raise InputError(f"sites: {site.id}: capacity_units is needed to plan its stock")
        if progress:
            progress(f"stocking {site.id}")
        units = forecast.values[:, forecast.areas.index(site.id), :].sum(axis=1)
        lines = recent.get(site.id)
        baskets = baskets_of(remap_items(lines, forecast.items)) if lines is not None else None
        if baskets is None or len(baskets) == 0:
            hold = np.zeros(len(units), dtype=np.int64)
        else:
            hold = stock_plan(units, baskets, recent_days, forecast.values.shape[2], site.capacity_units)
        plans[site.id] = {forecast.items[i]: int(hold[i]) for i in np.flatnonzero(hold)}
        for item, quantity in plans[site.id].items():
            current = site.stock.get(item, 0)
            if quantity > current:
                need = quantity - current
                source = max(stores, key=lambda s: store_left[s.id].get(item, 0), default=None)
                ok = source is not None and store_left[source.id].get(item, 0) >= need
                if ok and source is not None:
                    store_left[source.id][item] -= need
                transfers.append(Transfer(site.id, item, quantity, current, need, source.id if ok and source else None))
    return plans, transfers


def fill_curve(
    lines: OrderLines, area: np.ndarray, areas: int, horizon: int, recent_days: int, fractions: Sequence[float]
) -> list[tuple[float, float, float, float]]:
    """Backtest of stocking on the last ``horizon`` days: for each capacity (a fraction of the forecast units),
    the mean basket fill rate over the areas of our plan, of last week's top-N, and of an oracle that knows the
    real baskets to come (reverse greedy on them, holding exactly the units they take)."""
    day = lines.day
    cut = lines.days - horizon
    demand = daily_demand(lines, area, areas)
    series = demand.reshape(-1, demand.shape[2])
    calendar = make_calendar(lines, areas)
    units = SmoothedSeasonal().forecast(series[:, :cut], calendar, horizon).sum(axis=1).reshape(demand.shape[0], areas)
    out = []
    for fraction in fractions:
        ours, top, oracle = [], [], []
        for a in range(areas):
            recent = baskets_of(lines.select((area == a) & (day >= cut - recent_days) & (day < cut)))
            future = baskets_of(lines.select((area == a) & (day >= cut)))
            capacity = fraction * units[:, a].sum()
            ours.append(fill_rate(stock_plan(units[:, a], recent, recent_days, horizon, capacity), future))
            top.append(fill_rate(top_n_plan(demand[:, a, cut - 7 : cut].sum(axis=1), horizon, capacity), future))
            actual = demand[:, a, cut:].sum(axis=1)
            known = reverse_greedy(future, np.ones(len(future)), actual, capacity)
            oracle.append(fill_rate(np.where(known, actual, 0).astype(np.int64), future))
        out.append((fraction, float(np.mean(ours)), float(np.mean(top)), float(np.mean(oracle))))
    return out
