"""The simulated world built from a scenario: streets, sites with their stock, couriers, the day's orders.

Stock: a store holds every item for ``days_of_cover`` days of the expected demand; a forward warehouse holds
what its policy chooses from the history before the day — ``preposition`` runs the forecasting pipeline (the best
backtested model's forecast for the day, then the stocking plan within ``capacity_units``), ``top_n`` takes last
week's best-sellers in its area until full, ``none`` holds nothing.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import numpy as np

from forecasting import OrderLines
from forecasting.history import DAY_S
from forecasting.pipeline import plan_stock, run_forecast
from forecasting.sites import StockSite
from forecasting.stocking import top_n_plan
from geo import GridCityProvider, LegProvider, MatrixTable, RoadGraphProvider
from geo.haversine import haversine_m
from geo.matrix import Point
from routing.errors import InputError
from routing.model import Capacity, Courier, Problem, Site, Window
from routing.user_matrix import load_matrix_file
from scheduling.dispatch import DispatchPolicy, Greedy, Lazy, LookAhead
from simulations.demand import Arrival, DayDemand, day_demand
from simulations.scenario import Scenario, SiteSpec, clock_s

__all__ = ["DEFAULT_ROADS", "World", "build_world", "city_provider", "dispatch_policy"]

DEFAULT_ROADS = Path(__file__).resolve().parents[1] / "data" / "helsinki.osm.pbf"
_DAY_END_S = 30 * 3600


@dataclass(frozen=True)
class World:
    """Everything a simulated day starts from: the problem (sites with stock and couriers, no orders yet), the
    streets, the day's arrivals, and ``order_rate``: the orders per second expected nearest each site by hour of
    the day, learnt from the history (shape ``(sites, 24)``)."""

    scenario: Scenario
    problem: Problem
    provider: LegProvider
    arrivals: tuple[Arrival, ...]
    order_rate: np.ndarray


def city_provider(scenario: Scenario) -> LegProvider:
    """The street network: the Helsinki road graph (or the scenario's ``roads`` file), a grid city, or the user's
    matrix (``InputError`` naming ``city.matrix`` when its file is wrong)."""
    if scenario.city.network == "grid":
        return GridCityProvider()
    if scenario.city.matrix is not None:
        return load_matrix_file(scenario.path(scenario.city.matrix), where="city.matrix")
    roads = scenario.path(scenario.city.roads) if scenario.city.roads else DEFAULT_ROADS
    return RoadGraphProvider(roads)


def _circle(centre: Point, radius_m: float, corners: int = 16) -> tuple[Point, ...]:
    lat, lon = centre
    dlat = radius_m / 111_320.0
    dlon = dlat / math.cos(math.radians(lat))
    return tuple(
        (lat + dlat * math.sin(2 * math.pi * k / corners), lon + dlon * math.cos(2 * math.pi * k / corners))
        for k in range(corners)
    )


def _daily_units(history: OrderLines, last_days: int) -> np.ndarray:
    """Mean units per item and day over the last ``last_days`` days of the history (all areas)."""
    recent = history.select(history.day >= history.days - last_days)
    units = np.bincount(recent.item, weights=recent.quantity, minlength=len(history.items))
    return np.asarray(units / last_days)


def _area_lines(demand: DayDemand, scenario: Scenario, name: str, last_days: int) -> OrderLines:
    k = [a.name for a in scenario.demand.areas].index(name)
    history = demand.history
    return history.select((demand.history_area == k) & (history.day >= history.days - last_days))


def _forward_stock(scenario: Scenario, demand: DayDemand) -> dict[str, dict[str, int]]:
    """Stock per forward warehouse id, by its policy."""
    items = demand.history.items
    stock: dict[str, dict[str, int]] = {}
    prepositioned = [s for s in scenario.sites if s.kind == "forward_warehouse" and s.stock == "preposition"]
    if prepositioned:
        names = [s.id for s in prepositioned]
        area_of = {a.name: k for k, a in enumerate(scenario.demand.areas)}
        lookup = np.full(len(scenario.demand.areas), -1)
        for k, site in enumerate(prepositioned):
            lookup[area_of[site.area or ""]] = k
        area = np.where(demand.history_area >= 0, lookup[demand.history_area], -1)
        forecast = run_forecast(demand.history, area, names, horizon=1, backtest_weeks=2)
        sites = [StockSite(s.id, s.kind, s.location, {}, None, s.capacity_units) for s in prepositioned]
        recent = {s.id: _area_lines(demand, scenario, s.area or "", 28) for s in prepositioned}
        plans, _ = plan_stock(forecast, sites, recent, 28)
        stock.update(plans)
    for site in scenario.sites:
        if site.kind == "forward_warehouse" and site.stock == "top_n":
            week = _area_lines(demand, scenario, site.area or "", 7)
            units = np.bincount(week.item, weights=week.quantity, minlength=len(items))
            held = top_n_plan(units, 1, float(site.capacity_units or 0))
            stock[site.id] = {items[i]: int(held[i]) for i in np.flatnonzero(held)}
    return stock


def _order_rate(history: OrderLines, sites: tuple[Site, ...], last_days: int) -> np.ndarray:
    """Orders per second by nearest site and local hour, over the last ``last_days`` days of ``history``."""
    recent = history.select(history.day >= history.days - last_days)
    _, first = np.unique(recent.order, return_index=True)
    lat, lon, when = recent.lat[first], recent.lon[first], recent.time_s[first]
    hour = ((when + recent.utc_offset_s) % DAY_S) // 3600
    distance = np.stack([haversine_m(s.location[0], s.location[1], lat, lon) for s in sites])
    nearest = np.argmin(distance, axis=0)
    counts = np.zeros((len(sites), 24))
    np.add.at(counts, (nearest, hour), 1)
    return counts / last_days / 3600


def dispatch_policy(world: World) -> DispatchPolicy:
    """The scenario's dispatch policy; ``look-ahead`` expects orders at the world's ``order_rate``."""
    spec = world.scenario.dispatch
    if spec.policy == "lazy":
        return Lazy()
    if spec.policy == "look-ahead":
        rate = world.order_rate

        def expected(site: int, time_s: int) -> float:
            return float(rate[site, (time_s // 3600) % 24])

        return LookAhead(expected, spec.lookahead_step_min * 60, spec.lookahead_chance)
    return Greedy()


def _site(spec: SiteSpec, stock: dict[str, int]) -> Site:
    zone = _circle(spec.location, spec.zone_radius_m) if spec.zone_radius_m else None
    return Site(spec.id, spec.kind, spec.location, Window(0, _DAY_END_S), stock, zone)


def _store_stock(spec: SiteSpec, daily: np.ndarray, items: tuple[str, ...]) -> dict[str, int]:
    if spec.stock == "none":
        return {}
    return {item: math.ceil(daily[i] * spec.days_of_cover) + 2 for i, item in enumerate(items)}


def build_world(scenario: Scenario) -> World:
    """Generate (or read) the day's demand, stock the sites by policy and make the couriers."""
    demand = day_demand(scenario)
    daily = _daily_units(demand.history, 28)
    forward = _forward_stock(scenario, demand)
    sites = tuple(
        _site(s, _store_stock(s, daily, demand.history.items) if s.kind == "store" else forward.get(s.id, {}))
        for s in scenario.sites
    )
    index = {s.id: k for k, s in enumerate(sites)}
    couriers: list[Courier] = []
    for group in scenario.couriers:
        shift = Window(clock_s(group.shift[0]), clock_s(group.shift[1]))
        capacity = Capacity(round(group.capacity_kg * 1000), items=group.capacity_items)
        for _ in range(group.count):
            name = f"{group.site}/{group.profile}-{len(couriers) + 1:03d}"
            couriers.append(Courier(name, index[group.site], shift, group.profile, capacity))
    zone = timezone(timedelta(seconds=demand.utc_offset_s))
    epoch = datetime.fromtimestamp(demand.midnight_s, tz=UTC).astimezone(zone)
    problem = Problem(sites, tuple(couriers), (), scenario.name, epoch)
    rate = _order_rate(demand.history, sites, 28)
    provider = city_provider(scenario)
    arrivals = demand.arrivals
    if isinstance(provider, MatrixTable):
        arrivals = _on_matrix(provider, problem, arrivals)
    return World(scenario, problem, provider, arrivals, rate)


def _on_matrix(table: MatrixTable, problem: Problem, arrivals: tuple[Arrival, ...]) -> tuple[Arrival, ...]:
    """Each arrival moved to the matrix's location nearest it; ``InputError`` naming a site the matrix lacks."""
    for k, site in enumerate(problem.sites):
        try:
            table.rows([site.location])
        except InputError:
            raise InputError(f"sites[{k}].location: not one of city.matrix's locations") from None
    places = [p for p in table.points if p is not None]
    grid, asked = np.array(places), np.array([a.location for a in arrivals]).reshape(-1, 2)
    nearest = np.argmin(haversine_m(asked[:, None, 0], asked[:, None, 1], grid[None, :, 0], grid[None, :, 1]), axis=1)
    return tuple(replace(a, location=places[int(k)]) for a, k in zip(arrivals, nearest, strict=True))
