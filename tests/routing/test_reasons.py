"""Every unassigned reason code, each produced by a crafted problem where it is the only explanation."""

from __future__ import annotations

from types import SimpleNamespace

from routing import Capacity, Problem, Reason, SolveParams, Window, solve

PARAMS = SolveParams(time_limit_s=60, solution_limit=20, metaheuristic="GREEDY_DESCENT", ruin_iterations=5)
HOUR = 3600


def reason_of_last_order(problem: Problem, street: SimpleNamespace) -> Reason:
    plan = solve(problem, street.matrix(problem), params=PARAMS)
    reasons = {u.order: u.reason for u in plan.unassigned}
    assert set(reasons) == {len(problem.orders) - 1}, "only the crafted order may be left out"
    return reasons[len(problem.orders) - 1]


def test_no_skilled_courier(street: SimpleNamespace) -> None:
    orders = (street.order("ok", 1.0), street.order("frozen", 1.0, skills=frozenset({"cold"})))
    problem = Problem((street.site(),), (street.courier(skills=frozenset({"bulky"})),), orders)
    assert reason_of_last_order(problem, street) is Reason.NO_SKILLED_COURIER


def test_no_stock(street: SimpleNamespace) -> None:
    orders = (street.order("ok", 1.0), street.order("caviar", 1.0, items={"caviar": 1}))
    problem = Problem((street.site(),), (street.courier(),), orders)
    assert reason_of_last_order(problem, street) is Reason.NO_STOCK


def test_out_of_zone(street: SimpleNamespace) -> None:
    zone = ((-1.0, -1.0), (-1.0, 2.0), (1.0, 2.0), (1.0, -1.0))  # covers x in [-1, 2]
    orders = (street.order("inside", 1.0), street.order("outside", 5.0))
    problem = Problem((street.site(zone=zone),), (street.courier(),), orders)
    assert reason_of_last_order(problem, street) is Reason.OUT_OF_ZONE


def test_over_capacity(street: SimpleNamespace) -> None:
    orders = (street.order("ok", 1.0), street.order("piano", 1.0, weight_g=300_000))
    problem = Problem((street.site(),), (street.courier(capacity=Capacity(20_000)),), orders)
    assert reason_of_last_order(problem, street) is Reason.OVER_CAPACITY


def test_no_courier_on_shift(street: SimpleNamespace) -> None:
    orders = (street.order("ok", 1.0), street.order("evening", 1.0, 20 * HOUR, 21 * HOUR))
    problem = Problem((street.site(),), (street.courier(shift=Window(0, 8 * HOUR)),), orders)
    assert reason_of_last_order(problem, street) is Reason.NO_COURIER_ON_SHIFT


def test_window_unreachable(street: SimpleNamespace) -> None:
    orders = (street.order("ok", 1.0), street.order("too-soon", 50.0, 0, 600))  # 50 km away, 5,000 s
    problem = Problem((street.site(),), (street.courier(),), orders)
    assert reason_of_last_order(problem, street) is Reason.WINDOW_UNREACHABLE


def test_window_unreachable_when_the_courier_cannot_get_back(street: SimpleNamespace) -> None:
    late = street.order("late", 20.0, 8 * HOUR - 1_000, 8 * HOUR)  # 2,000 s back: after the shift ends
    problem = Problem((street.site(),), (street.courier(shift=Window(0, 8 * HOUR)),), (street.order("ok", 1.0), late))
    assert reason_of_last_order(problem, street) is Reason.WINDOW_UNREACHABLE


def test_fleet_full(street: SimpleNamespace) -> None:
    east = street.order("east", 10.0, 1_000, 1_000)  # exactly reachable alone ...
    west = street.order("west", -20.0, 2_000, 2_000)  # ... but not one after the other
    problem = Problem((street.site(),), (street.courier(),), (east, west))
    plan = solve(problem, street.matrix(problem), params=PARAMS)
    assert [u.reason for u in plan.unassigned] == [Reason.FLEET_FULL]
