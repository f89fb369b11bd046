"""The problem builder: the same problem as by hand, handles, errors naming the field, solve, cost, feasibility, text.

Every solve stops on solution and iteration limits (``STOP``), not on wall time.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

import numpy as np
import pytest

from geo.matrix import Matrix, Point
from routing import (
    Capacity,
    Courier,
    InputError,
    Model,
    Order,
    Pickup,
    Plan,
    Problem,
    Reason,
    Result,
    Site,
    SolveParams,
    StopAfter,
    Unassigned,
    Window,
    solve,
)
from routing.model import Break, Picking

from .conftest import HOUR, street_matrix

STOP = StopAfter(time_s=60, solutions=20, iterations=5)
PARAMS = SolveParams(metaheuristic="GREEDY_DESCENT")
EPOCH = datetime.fromisoformat("2026-11-23T00:00+02:00")
ZONE = ((-1.0, -1.0), (-1.0, 9.0), (1.0, 9.0), (1.0, -1.0))


def by_hand() -> Problem:
    """A problem of every kind of field, built from domain objects with indices."""
    pickup = Pickup((0.0, 2.5), (Window(0, 8 * HOUR),), service_s=30)
    return Problem(
        (
            Site("s1", "store", (0.0, 0.0), Window(0, 10 * HOUR), {"milk": 10}),
            Site(
                "w1",
                "forward_warehouse",
                (0.0, 5.0),
                Window(HOUR, 9 * HOUR),
                {"milk": 3, "ice": 2},
                ZONE,
                120,
                Picking(2, 0, 60, 10),
            ),
        ),
        (
            Courier("c1", 0, Window(0, 8 * HOUR), "bike", Capacity(10_000), max_trips=1, fixed_cost=1_000),
            Courier(
                "c2",
                1,
                Window(HOUR, 9 * HOUR),
                "car",
                Capacity(30_000, 50_000, 40),
                frozenset({"cold"}),
                500,
                end_site=0,
                max_duration_s=6 * HOUR,
                max_distance_m=80_000,
                breaks=(Break(Window(3 * HOUR, 4 * HOUR), 900),),
            ),
        ),
        (
            Order("o1", (0.0, 1.0), (Window(0, HOUR), Window(2 * HOUR, 3 * HOUR)), {"milk": 2}, 2_000, service_s=60),
            Order("o2", (0.0, 4.0), (Window(HOUR, 5 * HOUR),), {"ice": 1}, 500, 800, 0, frozenset({"cold"}), 2, 1),
            Order("p3", (0.0, 6.0), (Window(0, 8 * HOUR),), weight_g=700, pickup=pickup),
            Order("o4", (0.0, 3.0), (Window(0, 8 * HOUR),), {"milk": 1}, 1_000, ready_s=2 * HOUR),
        ),
    )


def build(model: Model, at: Callable[[int], Any]) -> None:
    """The problem of :func:`by_hand` through the builder, every time written as ``at(seconds)``."""
    store = model.add_site("s1", (0.0, 0.0), opening=(at(0), at(10 * HOUR)), stock={"milk": 10})
    warehouse = model.add_site(
        "w1",
        [0.0, 5.0],
        opening=Window(HOUR, 9 * HOUR),
        kind="forward_warehouse",
        stock={"milk": 3, "ice": 2},
        zone=[list(p) for p in ZONE],
        reload_s=120,
        picking=Picking(2, 0, 60, 10),
    )
    model.add_courier("c1", site=store, shift=(at(0), at(8 * HOUR)), capacity_g=10_000, max_trips=1, fixed_cost=1_000)
    model.add_courier(
        "c2",
        site=warehouse,
        shift=(at(HOUR), at(9 * HOUR)),
        profile="car",
        capacity=Capacity(30_000, 50_000, 40),
        skills=["cold"],
        fixed_cost=500,
        end_site=store,
        max_duration_s=6 * HOUR,
        max_distance_m=80_000,
        breaks=[Break(Window(3 * HOUR, 4 * HOUR), 900)],
    )
    two = [(at(0), at(HOUR)), (at(2 * HOUR), at(3 * HOUR))]
    model.add_order("o1", (0.0, 1.0), windows=two, items={"milk": 2}, weight_g=2_000, service_s=60)
    model.add_order(
        "o2",
        (0.0, 4.0),
        windows=(at(HOUR), at(5 * HOUR)),
        items={"ice": 1},
        weight_g=500,
        volume_cm3=800,
        skills={"cold"},
        priority=2,
        site=warehouse,
    )
    pickup = Pickup((0.0, 2.5), (Window(0, 8 * HOUR),), service_s=30)
    model.add_order("p3", (0.0, 6.0), windows=Window(0, 8 * HOUR), weight_g=700, pickup=pickup)
    model.add_order(
        "o4", (0.0, 3.0), windows=[(at(0), at(8 * HOUR))], items={"milk": 1}, weight_g=1_000, ready=at(2 * HOUR)
    )


def test_builds_the_problem_made_by_hand() -> None:
    model = Model()
    build(model, lambda s: s)
    assert model.problem() == by_hand()


def test_datetimes_are_seconds_from_the_epoch() -> None:
    model = Model(name="day", epoch=EPOCH)
    build(model, lambda s: EPOCH + timedelta(seconds=s))
    assert model.problem() == replace(by_hand(), name="day", epoch=EPOCH)
    assert model.seconds(datetime.fromisoformat("2026-11-23T09:30+03:00")) == 8 * HOUR + 1800


def test_handles_give_ids_and_indices() -> None:
    model = Model()
    site = model.add_site("s1", (0.0, 0.0), opening=(0, HOUR))
    other = model.add_site("s2", (0.0, 1.0), opening=(0, HOUR))
    courier = model.add_courier("c1", site=other, shift=(0, HOUR), capacity_g=1)
    order = model.add_order("o1", (0.0, 1.0), windows=(0, HOUR), site=site)
    assert (site.id, site.index, other.index, courier.index, order.id, order.index) == ("s1", 0, 1, 0, "o1", 0)
    assert model.problem().couriers[0].site == 1 and model.problem().orders[0].site == 0


def test_a_handle_of_another_model_is_an_input_error() -> None:
    model, other = Model(), Model()
    mine = model.add_site("s1", (0.0, 0.0), opening=(0, HOUR))
    theirs = other.add_site("s1", (0.0, 0.0), opening=(0, HOUR))
    courier = model.add_courier("c1", site=mine, shift=(0, HOUR), capacity_g=1)
    with pytest.raises(InputError, match=r"^couriers\[1\]\.site: SiteRef\(id='s1', index=0\) is not a SiteRef of this"):
        model.add_courier("c2", site=theirs, shift=(0, HOUR), capacity_g=1)
    with pytest.raises(InputError, match=r"^couriers\[1\]\.end_site: "):
        model.add_courier("c2", site=mine, end_site=theirs, shift=(0, HOUR), capacity_g=1)
    with pytest.raises(InputError, match=r"^orders\[0\]\.site: CourierRef"):
        model.add_order("o1", (0.0, 1.0), windows=(0, HOUR), site=courier)  # type: ignore[arg-type]
    assert len(model.problem().couriers) == 1  # a failed call adds nothing


def _site(model: Model, **kw: Any) -> None:
    model.add_site(kw.pop("id", "s2"), kw.pop("location", (0.0, 0.0)), opening=kw.pop("opening", (0, HOUR)), **kw)


def _courier(model: Model, **kw: Any) -> None:
    kw.setdefault("site", model.add_site("s2", (0.0, 0.0), opening=(0, HOUR)))
    if "capacity" not in kw:
        kw.setdefault("capacity_g", 1_000)
    model.add_courier(kw.pop("id", "c1"), shift=kw.pop("shift", (0, HOUR)), **kw)


def _order(model: Model, **kw: Any) -> None:
    model.add_order(kw.pop("id", "o1"), kw.pop("location", (0.0, 1.0)), windows=kw.pop("windows", (0, HOUR)), **kw)


@pytest.mark.parametrize(
    ("add", "fields", "message"),
    [
        (_site, {"id": "s1"}, r"^sites\[1\]\.id: repeated id 's1'"),
        (_site, {"id": "a b"}, r"^sites\[1\]\.id: letters, digits"),
        (_site, {"opening": (HOUR, 0)}, r"^sites\[1\]\.opening: end 0 s before start 3600 s"),
        (_site, {"opening": (0,)}, r"^sites\[1\]\.opening: must be a Window or a \(start, end\) pair"),
        (_site, {"opening": (0, EPOCH)}, r"^sites\[1\]\.opening\.end: a datetime needs Model\(epoch=...\)"),
        (_site, {"opening": (0, 1.5)}, r"^sites\[1\]\.opening\.end: must be whole seconds"),
        (_site, {"opening": (0, 15 * 86400)}, r"^sites\[1\]\.opening\.end: more than 14 days from the epoch"),
        (_site, {"kind": "shop"}, r"^sites\[1\]\.kind: must be store or forward_warehouse"),
        (_site, {"location": (0.0, float("nan"))}, r"^sites\[1\]\.location: must be two finite numbers"),
        (_site, {"stock": {"milk": -1}}, r"^sites\[1\]\.stock\['milk'\]: must be >= 0"),
        (_site, {"zone": [(0, 0), (1, 1), (0, 1), (1, 0)]}, r"^sites\[1\]\.zone: invalid polygon"),
        (_courier, {"profile": "boat"}, r"^couriers\[0\]\.profile: must be one of"),
        (
            _courier,
            {"capacity": Capacity(1), "capacity_g": 1},
            r"^couriers\[0\]\.capacity: give capacity_g or capacity, exactly one",
        ),
        (_courier, {"capacity_g": None}, r"^couriers\[0\]\.capacity: give capacity_g or capacity"),
        (_courier, {"capacity_g": -5}, r"^couriers\[0\]\.capacity\.weight_g: must be >= 0"),
        (_courier, {"skills": "cold"}, r"^couriers\[0\]\.skills: a collection of names, not one string"),
        (_courier, {"fixed_cost": -1}, r"^couriers\[0\]\.fixed_cost: must be >= 0"),
        (_courier, {"shift": (0, HOUR), "breaks": [Break(Window(0, 2 * HOUR), 60)]}, r"^couriers\[0\]\.breaks: "),
        (_order, {"windows": [(0, HOUR), (2 * HOUR, HOUR)]}, r"^orders\[0\]\.windows\[1\]: end 3600 s before start"),
        (_order, {"windows": [(0, 2 * HOUR), (HOUR, 3 * HOUR)]}, r"^orders\[0\]\.windows: must not overlap"),
        (_order, {"windows": []}, r"^orders\[0\]\.windows: at least one window is needed"),
        (_order, {"weight_g": -1}, r"^orders\[0\]\.weight_g: must be >= 0"),
        (_order, {"items": {"milk": 0}}, r"^orders\[0\]\.items\['milk'\]: quantity must be > 0"),
        (_order, {"ready": EPOCH}, r"^orders\[0\]\.ready: a datetime needs Model\(epoch=...\)"),
    ],
)
def test_errors_name_the_field(add: Callable[..., None], fields: dict[str, Any], message: str) -> None:
    model = Model()
    model.add_site("s1", (0.0, 0.0), opening=(0, HOUR))
    with pytest.raises(InputError, match=message):
        add(model, **fields)


def test_epoch_and_datetimes_need_a_time_zone() -> None:
    with pytest.raises(InputError, match=r"^epoch: must have a time zone"):
        Model(epoch=datetime(2026, 11, 23))
    model = Model(epoch=EPOCH)
    with pytest.raises(InputError, match=r"^sites\[0\]\.opening\.start: a datetime needs .* and a time zone"):
        model.add_site("s1", (0.0, 0.0), opening=(datetime(2026, 11, 23, 8), EPOCH))


def test_problem_checks_the_whole() -> None:
    with pytest.raises(InputError, match=r"^sites: at least one site is needed"):
        Model().problem()


def street_model(capacity_g: int = 10_000, couriers: int = 2) -> Model:
    """One store at 0 km; couriers of rising fixed cost; orders at 1-4 km (the first one only reachable first),
    a pickup at 2.5 km delivered at 5 km, and one of an item the store does not stock."""
    model = Model()
    store = model.add_site("s1", (0.0, 0.0), opening=(0, 10 * HOUR), stock={"milk": 10})
    for c in range(couriers):
        model.add_courier(
            f"c{c + 1}", site=store, shift=(0, 8 * HOUR), capacity_g=capacity_g, max_trips=1, fixed_cost=1_000 * (c + 1)
        )
    model.add_order("o1", (0.0, 1.0), windows=(0, 150), items={"milk": 1}, weight_g=1_000)
    for k in (2, 3, 4):
        model.add_order(f"o{k}", (0.0, float(k)), windows=(0, 8 * HOUR), items={"milk": 1}, weight_g=1_000)
    pickup = Pickup((0.0, 2.5), (Window(0, 8 * HOUR),))
    model.add_order("p5", (0.0, 5.0), windows=(0, 8 * HOUR), weight_g=500, pickup=pickup)
    model.add_order("o6", (0.0, 3.0), windows=(0, 8 * HOUR), items={"eggs": 1})
    return model


class Recorder:
    """A matrix provider that hands out a given matrix and records what it was asked for."""

    def __init__(self, matrix: Matrix) -> None:
        self.given = matrix
        self.asked: list[tuple[list[Point], list[str]]] = []

    def matrix(self, points: Sequence[Point], profiles: Sequence[str]) -> Matrix:
        self.asked.append((list(points), list(profiles)))
        return self.given


def test_solve_with_a_provider_or_a_matrix() -> None:
    model = street_model()
    model.add_courier("c9", site=model.add_site("s9", (0.0, 9.0), opening=(0, HOUR)), shift=(0, HOUR), capacity_g=1)
    model.add_courier(
        "c8", site=model.add_site("s8", (0.0, 8.0), opening=(0, HOUR)), shift=(0, HOUR), capacity_g=1, profile="car"
    )
    problem = model.problem()
    provider = Recorder(street_matrix(problem))
    by_provider = model.solve(provider, stop=STOP, params=PARAMS)
    by_matrix = model.solve(street_matrix(problem), stop=STOP, params=PARAMS)
    assert provider.asked == [(problem.locations(), ["bike", "car"])]
    assert by_provider.problem == by_matrix.problem == problem
    assert by_provider.plan.routes == by_matrix.plan.routes and by_matrix.summary.orders_served == 5
    with pytest.raises(InputError, match=r"^matrix: has 2 points"):
        model.solve(Matrix.from_arrays({"bike": np.zeros((2, 2))}, {"bike": np.zeros((2, 2))}), stop=STOP)


def test_stop_after_maps_onto_the_params() -> None:
    base = SolveParams(workers=2, solution_limit=9, ruin_iterations=9, time_limit_s=3)
    params = StopAfter(time_s=5, solutions=7, iterations=3).apply(base)
    assert (params.time_limit_s, params.solution_limit, params.ruin_iterations) == (5, 7, 3)
    assert replace(params, time_limit_s=3, solution_limit=9, ruin_iterations=9) == base
    assert StopAfter().apply(base) == replace(base, time_limit_s=10.0, solution_limit=None, ruin_iterations=None)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"time_s": 0}, r"^time_s: must be within \(0, 604800\]"),
        ({"time_s": 8 * 86400}, r"^time_s: must be within"),
        ({"solutions": 0}, r"^solutions: must be >= 1"),
        ({"iterations": -1}, r"^iterations: must be >= 0"),
    ],
)
def test_stop_after_names_the_field(fields: dict[str, float], message: str) -> None:
    with pytest.raises(InputError, match=message):
        StopAfter(**fields)  # type: ignore[arg-type]


def test_stop_replaces_the_stopping_params_in_both_solves() -> None:
    model = street_model(capacity_g=3_000, couriers=3)
    problem = model.problem()
    matrix = street_matrix(problem)
    by_hand = solve(problem, matrix, params=STOP.apply(PARAMS))
    assert solve(problem, matrix, params=PARAMS, stop=STOP).routes == by_hand.routes
    assert model.solve(matrix, stop=STOP, params=PARAMS).plan.routes == by_hand.routes


def test_cost_is_distance_plus_fixed_costs_of_couriers_used() -> None:
    model = street_model(capacity_g=3_000, couriers=3)
    result = model.solve(Recorder(street_matrix(model.problem())), stop=STOP, params=PARAMS)
    problem, plan = result.problem, result.plan
    metres = result.matrix.distance_m["bike"]
    driven = 0
    for route in plan.routes:
        for t in range(len(route.trips)):
            nodes = [0, *(s.node for s in route.stops if s.trip == t), 0]
            driven += sum(int(metres[a, b]) for a, b in itertools.pairwise(nodes))
    used = {r.courier for r in plan.routes}
    assert len(used) == 2 and plan.unassigned == (Unassigned(5, Reason.NO_STOCK),)
    assert result.cost() == plan.cost(problem) == driven + sum(problem.couriers[c].fixed_cost for c in used)


def _solved() -> Result:
    model = street_model()
    return model.solve(street_matrix(model.problem()), stop=STOP, params=PARAMS)


def _with_stops(plan: Plan, edit: Callable[[list[Any]], list[Any]]) -> Plan:
    route = plan.routes[0]
    return replace(plan, routes=(replace(route, stops=tuple(edit(list(route.stops)))),))


def test_a_solved_plan_is_feasible() -> None:
    result = _solved()
    assert result.is_feasible() and len(result.plan.routes) == 1
    assert [(s.order, s.kind) for s in result.plan.routes[0].stops][:2] == [(0, "delivery"), (1, "delivery")]


def test_a_solved_plan_with_picking_a_break_an_end_site_and_a_pickup_is_feasible() -> None:
    problem = by_hand()
    matrix = street_matrix(problem)
    result = Result(problem, matrix, solve(problem, matrix, params=PARAMS, stop=STOP))
    assert result.summary.orders_served == 4 and result.plan.routes[0].breaks
    assert result.is_feasible()


def _courier_of(result: Result, **fields: Any) -> Problem:
    problem = result.problem
    return replace(problem, couriers=(replace(problem.couriers[0], **fields), *problem.couriers[1:]))


@pytest.mark.parametrize(
    "broken",
    [
        # the plan edited
        lambda r: replace(r, plan=_with_stops(r.plan, lambda s: [*s, s[1]])),  # a stop visited twice
        lambda r: replace(r, plan=_with_stops(r.plan, lambda s: s[1:])),  # an order neither served nor left out
        lambda r: replace(r, plan=replace(r.plan, unassigned=(*r.plan.unassigned, Unassigned(1, Reason.FLEET_FULL)))),
        lambda r: replace(r, plan=_with_stops(r.plan, lambda s: s[::-1])),  # o1 last: late, and p5 delivered first
        lambda r: replace(r, plan=_with_stops(r.plan, lambda s: [s[1], s[0], *s[2:]])),  # o1 second: late
        lambda r: replace(r, plan=_with_stops(r.plan, lambda s: [replace(x, trip=k // 4) for k, x in enumerate(s)])),
        lambda r: replace(r, plan=replace(r.plan, routes=(replace(r.plan.routes[0], site=1),))),
        lambda r: replace(r, plan=replace(r.plan, routes=(r.plan.routes[0], replace(r.plan.routes[0], stops=())))),
        # the problem edited under the plan
        lambda r: replace(r, problem=_courier_of(r, capacity=Capacity(2_500))),  # four baskets do not fit
        lambda r: replace(
            r, problem=replace(r.problem, sites=(replace(r.problem.sites[0], stock={"milk": 3}),))
        ),  # four milk from three
        lambda r: replace(
            r,
            problem=replace(
                r.problem, orders=(replace(r.problem.orders[0], skills=frozenset({"cold"})), *r.problem.orders[1:])
            ),
        ),  # o1 needs a skill no courier has
    ],
)
def test_a_broken_plan_is_not_feasible(broken: Callable[[Result], Result]) -> None:
    result = _solved()
    assert result.is_feasible()
    assert not broken(result).is_feasible()


def test_moving_the_pickup_after_its_delivery_is_not_feasible() -> None:
    result = _solved()
    stops = result.plan.routes[0].stops
    pickup = next(k for k, s in enumerate(stops) if s.kind == "pickup")
    moved = [*stops[:pickup], *stops[pickup + 1 :], stops[pickup]]
    assert not replace(result, plan=_with_stops(result.plan, lambda _: moved)).is_feasible()


def test_text_names_the_counts_routes_and_orders_left_out() -> None:
    result = _solved()
    text = str(result).splitlines()
    assert text[0] == "5 orders served, 1 unassigned; 1 route, 1 trip, 10.0 km, 0 h 16 min; cost 11,000"
    assert text[1] == "c1 from s1, 0 s–1000 s, 10.0 km: o1 o2 o3 o4 p5"
    assert text[2:] == ["left out, NO_STOCK: o6"]
    assert result.summary == result.plan.summary
    assert str(replace(result.summary, orders_served=1, routes=2, trips=3)).startswith(
        "1 order served, 1 unassigned; 2 routes, 3 trips"
    )
