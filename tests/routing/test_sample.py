"""The shipped Helsinki morning on the real street network: every order served or explained."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from pathlib import Path

import pytest

from benchmarks.sample_problem import SOLD_OUT
from geo import RoadGraphProvider, points_in_zone, zone_polygon
from routing import Reason, SolveParams, load_problem, solve
from routing.eligibility import eligibility
from routing.phases import Scope
from routing.plan_json import plan_to_json, routes_from_json
from routing.solve import _penalties
from routing.timing import StopRef
from scheduling.check import check_routes

DATA = Path(__file__).resolve().parents[2] / "data"


@pytest.fixture(scope="module")
def roads() -> RoadGraphProvider:
    """The Helsinki street network, loaded once for the module."""
    return RoadGraphProvider(DATA / "helsinki.osm.pbf")


def test_a_day_whose_first_trip_cannot_leave_at_its_earliest_is_read_back_whole(roads: RoadGraphProvider) -> None:
    # a bike day of the sample found by the day search: three trips, a long wait at a door on the first, whose
    # last basket is ready three minutes after the shift starts; OR-Tools restored only its first trip while the
    # model ordered trips with a disjunctive over their intervals
    problem = load_problem(DATA / "sample_problem.json")
    keep = [72, 17, 84, 112, 53, 10, 128, 87]
    orders = tuple(replace(problem.orders[o], ready_s=30_780 if o == 112 else None) for o in keep)
    sites = tuple(replace(s, picking=None) for s in problem.sites)
    problem = replace(problem, sites=sites, couriers=(replace(problem.couriers[5], breaks=()),), orders=orders)
    matrix = roads.matrix(problem.locations(), ["bike", "car"])
    scope = Scope.whole(problem, matrix, eligibility(problem, matrix), _penalties(problem, matrix, SolveParams()))
    day: list[StopRef] = [(k, "delivery") for k in range(len(keep))]
    back = scope.model([0], slots={0: 3}).search(
        SolveParams(solution_limit=1), 60, initial={0: day}, reloads={0: (4, 6)}
    )
    assert back is not None and back.routes[0] == day and back.reloads[0] == (4, 6)


@pytest.mark.parametrize(
    "params",
    [
        # 2,000 rounds of the compiled day search, then OR-Tools for 20 solutions from its days
        SolveParams(time_limit_s=600, solution_limit=20, ruin_iterations=2000),
        # no courier waits at a door over 15 minutes: OR-Tools' search alone (the day search has no cap on waits)
        SolveParams(time_limit_s=600, solution_limit=300, max_wait_s=900),
    ],
    ids=["day-search", "wait-cap"],
)
def test_sample_problem_serves_every_order_but_the_sold_out_ones(roads: RoadGraphProvider, params: SolveParams) -> None:
    # multi-trip days: 30 kg bikes, store picking, short stock, breaks
    problem = load_problem(DATA / "sample_problem.json")
    matrix = roads.matrix(problem.locations(), ["bike", "car"])
    plan = solve(problem, matrix, params=params)
    assert plan.summary.trips > plan.summary.routes  # bikes come back and reload
    assert all(len(r.breaks) == len(problem.couriers[r.courier].breaks) for r in plan.routes)
    if params.max_wait_s is not None:
        assert all(s.start_s - s.arrival_s <= params.max_wait_s for r in plan.routes for s in r.stops)
    assert check_routes(problem, matrix, routes_from_json(problem, plan_to_json(problem, plan))).ok
    sold_out = {o for o, order in enumerate(problem.orders) if SOLD_OUT in order.items}
    assert sold_out and sold_out <= {u.order for u in plan.unassigned}
    assert Counter(u.reason for u in plan.unassigned) == Counter({Reason.NO_STOCK: len(sold_out)})
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
