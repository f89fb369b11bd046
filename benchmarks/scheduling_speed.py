"""Scheduling speed on a live plan of 50 couriers and 300 open orders (synthetic city, straight-line matrix).

``python -m benchmarks.scheduling_speed [--solve-s S] [--requests N] [--out FILE.md]`` measures, in process:
promise requests (p50, p99; also on the Helsinki road graph, where each request runs Dijkstra), inserting one
new order (p95), the ETA recomputation of a courier with 20 stops left after a ping (p50, p99), and one
re-optimisation of the rest of the day with locked stops (wall time, and a check that no locked stop moved).
Targets (issue 5): promise p99 ≤ 20 ms and p50 ≤ 5 ms; insertion p95 ≤ 200 ms; ETA ≤ 1 ms.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from dataclasses import replace
from functools import partial
from pathlib import Path

import numpy as np

from benchmarks.environment import write_results
from geo import RoadGraphProvider, StraightLineProvider
from routing import Capacity, Courier, Order, Plan, Problem, Site, SolveParams, Window, load_problem, solve
from routing.timing import StopRef, time_route
from scheduling import CourierState, Demand, LivePlan, PromiseDesk, PromisePolicy, courier_eta, live_at
from scheduling.replan import insert_orders, reoptimise

__all__ = ["city_problem", "main", "measure"]

HOUR = 3600
DATA = Path(__file__).resolve().parents[1] / "data"
CENTRE = (60.170, 24.940)
ITEMS = [f"sku-{k:03d}" for k in range(40)]


def _box(lat: float, lon: float, half: float) -> tuple[tuple[float, float], ...]:
    return (
        (lat - half, lon - 2 * half),
        (lat - half, lon + 2 * half),
        (lat + half, lon + 2 * half),
        (lat + half, lon - 2 * half),
    )


def city_problem(orders: int = 300, couriers: int = 50, seed: int = 0) -> Problem:
    """Two stores and two zoned forward warehouses, bikes and vans on 8-hour shifts, one-hour windows all day."""
    rng = np.random.default_rng(seed)
    stock = {item: 10_000 for item in ITEMS}
    hours = Window(7 * HOUR, 22 * HOUR)
    sites = (
        Site("store-w", "store", (60.168, 24.925), hours, stock),
        Site("store-e", "store", (60.172, 24.955), hours, stock),
        *(
            Site(name, "forward_warehouse", (lat, lon), hours, stock, zone=_box(lat, lon, 0.01))
            for name, lat, lon in (("fw-n", 60.185, 24.945), ("fw-s", 60.158, 24.940))
        ),
    )
    fleet = tuple(
        Courier(
            f"c{k:02d}",
            k % 4,
            Window(8 * HOUR, 16 * HOUR),
            "bike" if k % 3 else "car",
            Capacity(40_000 if k % 3 else 300_000),
        )
        for k in range(couriers)
    )
    made = []
    for k in range(orders):
        lat, lon = CENTRE[0] + rng.normal(0, 0.012), CENTRE[1] + rng.normal(0, 0.022)
        start = int(8.5 * HOUR + rng.integers(0, 14) * 1800)
        basket = {
            str(i): int(rng.integers(1, 3)) for i in rng.choice(ITEMS, size=int(rng.integers(1, 5)), replace=False)
        }
        made.append(Order(f"o{k}", (lat, lon), (Window(start, start + HOUR),), basket, weight_g=3_000, service_s=120))
    return Problem(sites, fleet, tuple(made), "city-300")


def _percentiles(samples: list[float]) -> tuple[float, float, float]:
    ms = np.array(samples) * 1000
    return float(np.percentile(ms, 50)), float(np.percentile(ms, 95)), float(np.percentile(ms, 99))


def _timed(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def _eta_case(live: LivePlan) -> LivePlan:
    """A courier with 22 stops, two done, driving to the third, pinged half-way."""
    problem = live.problem
    stops: list[StopRef] = [(o, "delivery") for o in range(22)]
    route = time_route(problem, live.matrix, 0, stops).route
    plan = Plan((route,), (), live.plan.stats)
    where = problem.orders[2].location
    state = CourierState(done=2, departed=True, position=where, ping_s=route.stops[1].departure_s + 60)
    return replace(live, plan=plan, states={0: state}, now_s=route.stops[1].departure_s + 60)


def _road_promises(solve_s: float, requests: int, seed: int) -> str:
    """Promise latency on the shipped Helsinki sample, with road trips from the OSM graph for each request."""
    problem = load_problem(DATA / "sample_problem.json")
    provider = RoadGraphProvider(DATA / "helsinki.osm.pbf", cache_dir=DATA.parent / ".lastmile-cache")
    matrix = provider.matrix(problem.locations(), ["bike", "car"])
    plan = solve(problem, matrix, params=SolveParams(time_limit_s=solve_s), seed=seed)
    start = min(c.shift.start_s for c in problem.couriers)
    desk = PromiseDesk(live_at(problem, matrix, plan, start), provider, PromisePolicy(hold_s=1))
    rng = np.random.default_rng(seed)
    times, offered = [], 0
    for k in range(requests):
        address = (60.1688 + rng.normal(0, 0.006), 24.94 + rng.normal(0, 0.01))
        started = time.perf_counter()
        offered += bool(desk.offer(Demand({"bread-rye": 1}, 1_000), address, start + 2 * k).slots)
        times.append(time.perf_counter() - started)
    p50, _, p99 = _percentiles(times)
    return f"p50 {p50:.2f} ms, p99 {p99:.2f} ms ({offered}/{requests} with slots)"


def measure(solve_s: float = 20.0, requests: int = 1000, seed: int = 0) -> list[tuple[str, str]]:
    """Run the measurements; ``(what, figure)`` rows."""
    problem = city_problem(seed=seed)
    provider = StraightLineProvider()
    matrix = provider.matrix(problem.locations(), ["bike", "car"])
    plan = solve(problem, matrix, params=SolveParams(time_limit_s=solve_s), seed=seed)
    now = 9 * HOUR
    live = live_at(problem, matrix, plan, now)
    waiting = sum(1 for c in range(len(problem.couriers)) if not live.state(c).departed)
    rows = [
        (
            "live plan",
            f"{len(problem.couriers)} couriers, {plan.summary.orders_served} orders planned, "
            f"{waiting} couriers not left yet at 09:00",
        )
    ]
    rng = np.random.default_rng(seed + 1)
    desk = PromiseDesk(live, provider, PromisePolicy(hold_s=1))
    times, offered = [], 0
    for k in range(requests):
        address = (CENTRE[0] + rng.normal(0, 0.012), CENTRE[1] + rng.normal(0, 0.022))
        basket = {str(i): 1 for i in rng.choice(ITEMS, size=3, replace=False)}
        demand = Demand(basket, weight_g=2_000, service_s=120)
        started = time.perf_counter()
        offer = desk.offer(demand, address, now + 2 * k)
        times.append(time.perf_counter() - started)
        offered += bool(offer.slots)
    p50, _, p99 = _percentiles(times)
    rows.append(("promise, Helsinki road graph (sample, 12 couriers)", _road_promises(solve_s, requests // 5, seed)))
    rows.append(("promise, per request", f"p50 {p50:.2f} ms, p99 {p99:.2f} ms ({offered}/{requests} with slots)"))
    inserts = []
    for k in range(100):
        order = Order(
            f"new-{k}",
            (CENTRE[0] + rng.normal(0, 0.012), CENTRE[1] + rng.normal(0, 0.022)),
            (Window(now + 2 * HOUR, now + 3 * HOUR),),
            {ITEMS[k % 40]: 1},
            weight_g=1_000,
            service_s=120,
        )
        inserts.append(_timed(partial(insert_orders, live, provider, [order])))
    p50, p95, _ = _percentiles(inserts)
    rows.append(("insert one new order", f"p50 {p50:.1f} ms, p95 {p95:.1f} ms"))
    eta_live = _eta_case(live)
    etas = [_timed(lambda: courier_eta(eta_live, 0)) for _ in range(2000)]
    p50, _, p99 = _percentiles(etas)
    rows.append(("ETA after a ping, 20 stops left", f"p50 {p50:.3f} ms, p99 {p99:.3f} ms"))
    under_way = live_at(problem, matrix, plan, 10 * HOUR)
    started = time.perf_counter()
    new, changes = reoptimise(under_way, SolveParams(time_limit_s=10.0), seed=seed)
    wall = time.perf_counter() - started
    moved = sum(
        1
        for c in under_way.routes
        if under_way.locked(c) > 0
        and [s.order for s in under_way.routes[c].stops[: under_way.locked(c)]]
        != [s.order for s in new.routes[c].stops[: under_way.locked(c)]]
    )
    rows.append(
        (
            "re-optimise at 10:00, 10 s budget",
            f"{wall:.1f} s wall, {len(changes)} couriers changed, {moved} locked heads moved",
        )
    )
    return rows


def main() -> None:
    """Command-line entry: print the table and optionally write it as Markdown."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--solve-s", type=float, default=20.0, help="solve budget for the initial plan")
    parser.add_argument("--requests", type=int, default=1000, help="promise requests to time")
    parser.add_argument("--out", type=Path, help="also write the table as Markdown")
    args = parser.parse_args()
    rows = measure(args.solve_s, args.requests)
    table = "| what | figure |\n|---|---|\n" + "".join(f"| {a} | {b} |\n" for a, b in rows)
    print(table, end="")
    if args.out:
        write_results(args.out, table)


if __name__ == "__main__":
    main()
