"""The shipped Helsinki morning on the real street network: every order served or explained."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from benchmarks.sample_problem import SOLD_OUT
from geo import RoadGraphProvider, points_in_zone, zone_polygon
from routing import Reason, SolveParams, load_problem, solve
from routing.plan_json import plan_to_json, routes_from_json
from scheduling.check import check_routes

DATA = Path(__file__).resolve().parents[2] / "data"


def test_sample_problem_serves_all_but_the_sold_out_item_and_at_most_three_more() -> None:
    problem = load_problem(DATA / "sample_problem.json")
    matrix = RoadGraphProvider(DATA / "helsinki.osm.pbf").matrix(problem.locations(), ["bike", "car"])
    # multi-trip days (30 kg bikes, store picking, breaks): one guided local search, stopped after 300 solutions.
    # OR-Tools cuts the search for each solution's times with breaks short at 100 ms, so its path depends on the
    # machine's speed: 300 solutions serve all 145 orders that have stock, or all but one to three (eight runs on
    # 2026-12-03: three (a fresh clone), two, two, one, one, one or none, none, none left out; docs/BENCHMARKS.md)
    params = SolveParams(time_limit_s=600, solution_limit=300)
    plan = solve(problem, matrix, params=params)
    assert plan.summary.trips > plan.summary.routes  # bikes come back and reload
    assert all(len(r.breaks) == len(problem.couriers[r.courier].breaks) for r in plan.routes)
    assert check_routes(problem, matrix, routes_from_json(problem, plan_to_json(problem, plan))).ok
    sold_out = {o for o, order in enumerate(problem.orders) if SOLD_OUT in order.items}
    assert sold_out and sold_out <= {u.order for u in plan.unassigned}
    reasons = Counter(u.reason for u in plan.unassigned)
    assert reasons[Reason.NO_STOCK] == len(sold_out)
    assert reasons - Counter({Reason.NO_STOCK: len(sold_out)}) <= Counter({Reason.FLEET_FULL: 3})
    for route in plan.routes:
        courier = problem.couriers[route.courier]
        assert courier.shift.start_s <= route.start_s and route.end_s <= courier.shift.end_s
        for stop in route.stops:
            order = problem.orders[stop.order]
            assert any(w.start_s <= stop.start_s <= w.end_s for w in order.windows)
            assert set(order.items) <= {i for i, q in problem.sites[route.site].stock.items() if q > 0}
            zone = problem.sites[route.site].zone
            assert zone is None or points_in_zone(zone_polygon(zone), [order.location])[0]
            assert order.skills <= courier.skills
    used: Counter[tuple[int, str]] = Counter()
    for route in plan.routes:
        for o in route.orders:
            used.update({(route.site, i): q for i, q in problem.orders[o].items.items()})
    assert all(q <= problem.sites[s].stock[i] for (s, i), q in used.items())
