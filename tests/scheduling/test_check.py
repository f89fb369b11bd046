"""Checking a hand-edited plan: every broken rule is reported, the plan is re-timed, bad ids are input errors."""

from __future__ import annotations

from collections import Counter
from types import SimpleNamespace

import pytest

from geo import StraightLineProvider
from routing import Capacity, Courier, InputError, Order, Pickup, Problem, Site, Window
from routing.plan_json import EditedRoute, plan_to_json, routes_from_json
from scheduling.check import ViolationKind, check_routes

from .conftest import HOUR, STORE, WAREHOUSE, ZONE


def shop() -> Problem:
    sites = (
        Site("store", "store", STORE, Window(0, 20 * HOUR), {"milk": 1}),
        Site("fw", "forward_warehouse", WAREHOUSE, Window(0, 20 * HOUR), {"milk": 5}, zone=ZONE),
    )
    couriers = (
        Courier("bike", 0, Window(8 * HOUR, 9 * HOUR), "bike", Capacity(3_000, items=5)),
        Courier("van", 1, Window(8 * HOUR, 12 * HOUR), "car", Capacity(100_000)),
    )
    near = (STORE[0] + 0.002, STORE[1])
    orders = (
        Order("a", near, (Window(8 * HOUR, 9 * HOUR),), {"milk": 1}, weight_g=2_000),
        Order("b", near, (Window(8 * HOUR, 8 * HOUR + 60),), {"milk": 1}, weight_g=2_000, skills=frozenset({"cold"})),
        Order("c", (60.30, 25.2), (Window(8 * HOUR, 12 * HOUR),), {"milk": 1}),
        Order("d", near, (Window(8 * HOUR, 12 * HOUR),), pickup=Pickup(STORE, (Window(8 * HOUR, 12 * HOUR),))),
        Order("e", near, (Window(8 * HOUR, 12 * HOUR),), {"milk": 1}, site=0),
    )
    return Problem(sites, couriers, orders)


def test_every_kind_of_violation_is_reported() -> None:
    problem = shop()
    matrix = StraightLineProvider().matrix(problem.locations(), ["bike", "car"])
    routes = [
        EditedRoute(0, 1, ((0, "delivery"), (1, "delivery"), (2, "delivery"), (0, "delivery"))),
        EditedRoute(1, 1, ((3, "delivery"), (3, "pickup"), (2, "delivery"), (4, "delivery"))),
    ]
    report = check_routes(problem, matrix, routes)
    kinds = Counter(v.kind for v in report.violations)
    # the kinds of multi-trip days are found in tests/routing/test_trips.py
    trip_kinds = {"TRIP_OVER_CAPACITY", "TOO_MANY_TRIPS", "NOT_READY", "BREAK_MISSED", "OVER_DURATION", "OVER_DISTANCE"}
    assert set(kinds) == {k for k in ViolationKind if k.value not in trip_kinds}
    assert not report.ok
    late = [v for v in report.violations if v.kind is ViolationKind.LATE]
    assert any(problem.orders[v.order].id == "b" for v in late if v.order is not None)
    assert 2 in {v.order for v in report.violations if v.kind is ViolationKind.OUT_OF_ZONE}
    assert next(v for v in report.violations if v.kind is ViolationKind.PICKUP_MISSING).order == 3
    assert "capacity 3000 g" in next(v for v in report.violations if v.kind is ViolationKind.OVER_CAPACITY).message
    assert [t.route.courier for t in report.timed] == [0, 1]


def test_a_solved_plan_checks_clean_and_reads_back_from_its_json(morning: SimpleNamespace) -> None:
    data = plan_to_json(morning.problem, morning.plan)
    routes = routes_from_json(morning.problem, data)
    report = check_routes(morning.problem, morning.matrix, routes)
    assert report.ok, report.violations
    assert [r.stops for r in report.plan.routes] == [r.stops for r in morning.plan.routes]


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        ({"routes": [{"courier": "nobody", "stops": []}]}, r"routes\[0\].courier: unknown courier 'nobody'"),
        ({"routes": [{"courier": "bike-0", "stops": [{"order": "zz"}]}]}, r"routes\[0\].stops\[0\].order"),
        ({"routes": [{"courier": "bike-0", "stops": [{"order": "o1", "kind": "pickup"}]}]}, r"stops\[0\].kind"),
        ({"routes": "no"}, "routes: a plan needs a list"),
    ],
)
def test_bad_plan_files_name_the_field(morning: SimpleNamespace, edit: dict[str, object], message: str) -> None:
    with pytest.raises(InputError, match=message):
        routes_from_json(morning.problem, edit)
