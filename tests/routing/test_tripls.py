"""The compiled search of whole multi-trip days: what it models, that OR-Tools reads its days back at the same
objective, that the independent multi-trip checker accepts them, and that a solve uses it."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace

import pytest

from benchmarks.instances import Instance, read_instance
from benchmarks.multitrip import MultiTrip, check_multitrip, make_multitrip, multitrip_problem
from geo.matrix import Matrix
from routing import Capacity, Problem, SolveParams, Window, solve
from routing.deadline import Deadline
from routing.eligibility import eligibility
from routing.model import Break
from routing.ortools_model import RoutingModel
from routing.phases import Scope
from routing.solve import _penalties
from routing.timing import split_trips, time_route
from routing.tripls import TripSearch, applies, ready, warm_up
from scheduling.check import check_routes

from .conftest import edited_routes

DATA = Path(__file__).resolve().parents[1] / "data"
ROUNDS = 400
HOUR = 3600


@pytest.fixture(scope="module", autouse=True)
def compiled() -> None:
    """Compile the search once for the module (or load numba's cache)."""
    warm_up()


def first_customers(instance: Instance, n: int) -> Instance:
    keep = slice(0, n + 1)
    arrays = ("x", "y", "demand", "ready", "due", "service", "pickup_of", "delivery_of")
    return replace(instance, **{name: getattr(instance, name)[keep] for name in arrays})


def rc201_days() -> tuple[MultiTrip, Scope, RoutingModel, list[int]]:
    """RC201's first 40 customers made multi-trip for two vehicles of capacity 100 (release times on a quarter, a
    reload time, a working-day limit): the transform, its scope, OR-Tools model and the instance node of each
    matrix node."""
    instance = first_customers(read_instance(DATA / "RC201.txt", "vrptw/solomon"), 40)
    mt = replace(make_multitrip(instance, 6, seed=0), capacity=100)
    problem, matrix, nodes = multitrip_problem(mt)
    scope = Scope.whole(problem, matrix, eligibility(problem, matrix), _penalties(problem, matrix, SolveParams()))
    return mt, scope, scope.model(range(len(problem.couriers))), list(nodes)


def with_breaks(scope: Scope) -> Scope:
    """``scope`` with a break of 30 (of RC201's time units) in the morning for the first courier and two of 20 for
    the second, working time limits as they were."""
    unit = 1000
    breaks = (
        (Break(Window(300 * unit, 400 * unit), 30 * unit),),
        (Break(Window(200 * unit, 300 * unit), 20 * unit), Break(Window(500 * unit, 600 * unit), 20 * unit)),
    )
    couriers = tuple(replace(c, breaks=b) for c, b in zip(scope.problem.couriers, breaks, strict=True))
    problem = replace(scope.problem, couriers=couriers)
    return Scope.whole(problem, scope.matrix, eligibility(problem, scope.matrix), scope.penalty)


def searched(model: RoutingModel, matrix: Matrix, seed: int = 0) -> TripSearch:
    days = TripSearch(model, matrix)
    days.run(Deadline(60), seed, rounds=ROUNDS)
    return days


def test_it_applies_to_multi_trip_plain_deliveries_only(street: SimpleNamespace) -> None:
    orders = tuple(street.order(f"o{k}", 1.0 + k) for k in range(4))
    couriers = (street.courier(capacity=Capacity(2_000)),)
    problem = Problem((street.site(reload_s=60),), couriers, orders)
    matrix = street.matrix(problem)

    def model(p: Problem, **kw: object) -> RoutingModel:
        penalty = _penalties(p, matrix, SolveParams())
        return Scope.whole(p, matrix, eligibility(p, matrix), penalty, **kw).model([0])  # type: ignore[arg-type]

    assert applies(model(problem))
    with_break = replace(problem, couriers=(replace(couriers[0], breaks=(Break(Window(HOUR, 2 * HOUR), 600),)),))
    assert applies(model(with_break))
    one_trip = replace(problem, couriers=(replace(couriers[0], max_trips=1),))
    far = replace(problem, couriers=(replace(couriers[0], max_distance_m=50_000),))
    assert not any(applies(model(p)) for p in (one_trip, far))
    assert not applies(model(problem, max_wait_s=600))
    assert ready()


def test_stock_that_runs_short_is_shared_by_the_couriers_of_a_site_across_their_trips(street: SimpleNamespace) -> None:
    site = street.site(reload_s=60, stock={"milk": 100, "eggs": 3})
    orders = tuple(
        street.order(f"o{k}", 1.0 + k % 4, items={"eggs": 1} if k % 2 else {"milk": 1}) for k in range(10)
    )  # five want eggs, three are left
    couriers = tuple(street.courier(f"c{k}", capacity=Capacity(2_000)) for k in range(2))
    problem = Problem((site,), couriers, orders)
    matrix = street.matrix(problem)
    scope = Scope.whole(problem, matrix, eligibility(problem, matrix), _penalties(problem, matrix, SolveParams()))
    model = scope.model([0, 1])
    assert applies(model)
    days = searched(model, matrix)
    routes, reloads = days.days()
    served = [o for stops in routes.values() for o, _ in stops]
    assert sum(1 for o in served if "eggs" in orders[o].items) == 3
    assert len(served) == 8 and max(len(cuts) for cuts in reloads.values()) >= 1  # two baskets of 1 kg a trip
    back = scope.model([0, 1], slots=days.slots()).search(
        SolveParams(solution_limit=1), 60, initial=routes, reloads=reloads
    )
    assert back is not None and (back.objective, back.served()) == (days.objective(), 8)


def test_or_tools_reads_its_days_back_at_the_same_objective() -> None:
    _, scope, model, _ = rc201_days()
    days = searched(model, scope.matrix)
    routes, reloads = days.days()
    assert max(len(cuts) for cuts in reloads.values()) >= 2  # three trips or more: capacity 100 of 40 customers
    back = scope.model(model.couriers, slots=days.slots()).search(
        SolveParams(solution_limit=1), 60, initial=routes, reloads=reloads
    )
    assert back is not None
    assert (back.objective, back.served()) == (days.objective(), sum(len(r) for r in routes.values()))


def test_its_days_pass_the_independent_multi_trip_checker() -> None:
    mt, scope, model, nodes = rc201_days()
    days = searched(model, scope.matrix)
    routes, reloads = days.days()
    node = scope.problem.delivery_node
    plan = [
        [[nodes[node(o)] for o, _ in trip] for trip in split_trips(stops, reloads[c])] for c, stops in routes.items()
    ]
    result = check_multitrip(mt, plan)
    assert result.feasible, result.violations
    assert result.served == sum(len(r) for r in routes.values()) >= 30


def test_the_same_seed_and_rounds_give_the_same_days() -> None:
    _, scope, model, _ = rc201_days()
    first, again = searched(model, scope.matrix), searched(model, scope.matrix)
    assert first.days() == again.days() and first.objective() == again.objective()


def test_no_day_at_all_is_the_start() -> None:
    _, scope, model, _ = rc201_days()
    days = TripSearch(model, scope.matrix)
    assert days.days() == ({}, {})
    assert days.objective() == sum(model.penalty[o] for o in model.orders)


def test_a_round_limited_solve_searches_whole_days_and_its_plan_checks(street: SimpleNamespace) -> None:
    site = street.site(reload_s=120)
    orders = tuple(street.order(f"o{k}", 1.0 + k % 4, ready_s=HOUR if k == 5 else None) for k in range(8))
    problem = Problem((site,), (street.courier(capacity=Capacity(2_000)),), orders)
    params = SolveParams(time_limit_s=60, solution_limit=20, ruin_iterations=ROUNDS)
    plan = solve(problem, street.matrix(problem), params=params, seed=0)
    assert plan.is_complete()
    (route,) = plan.routes
    assert len(route.trips) >= 4  # two baskets of 1 kg a trip
    late = next(s for s in route.stops if s.order == 5)
    assert route.trips[late.trip].depart_s >= HOUR
    assert check_routes(problem, street.matrix(problem), edited_routes(plan)).ok


def test_a_bike_and_a_car_are_searched_on_their_own_matrices_and_read_back_at_the_same_objective(
    street: SimpleNamespace,
) -> None:
    cold = frozenset({"cold"})
    orders = tuple(street.order(f"o{k}", 1.0 + k % 5, skills=cold if k < 4 else frozenset()) for k in range(10))
    couriers = (
        street.courier("bike", capacity=Capacity(2_000)),
        street.courier("car", profile="car", capacity=Capacity(3_000), skills=cold),
    )
    problem = Problem((street.site(reload_s=60),), couriers, orders)
    bike = street.matrix(problem)
    metres = bike.distance_m["bike"]  # the car drives half as far again, twice as fast: its own costs and times
    matrix = Matrix({"bike": metres, "car": metres * 3 // 2}, {"bike": metres // 10, "car": metres // 20})
    scope = Scope.whole(problem, matrix, eligibility(problem, matrix), _penalties(problem, matrix, SolveParams()))
    model = scope.model([0, 1])
    assert applies(model)
    days = searched(model, matrix)
    routes, reloads = days.days()
    assert set(routes) == {0, 1} and sum(len(r) for r in routes.values()) == len(orders)
    assert {o for o, _ in routes[1]} >= {0, 1, 2, 3}  # the cold orders ride in the car
    back = scope.model([0, 1], slots=days.slots()).search(
        SolveParams(solution_limit=1), 60, initial=routes, reloads=reloads
    )
    assert back is not None and (back.objective, back.served()) == (days.objective(), len(orders))


def test_days_with_breaks_are_read_back_at_the_same_objective_and_a_solve_on_them_checks() -> None:
    _, plain, _, _ = rc201_days()
    scope = with_breaks(plain)
    model = scope.model(range(len(scope.problem.couriers)))
    assert applies(model)
    days = searched(model, scope.matrix)
    routes, reloads = days.days()
    assert len(routes) == 2 and sum(len(r) for r in routes.values()) >= 30
    back = scope.model(model.couriers, slots=days.slots()).search(
        SolveParams(solution_limit=1), 60, initial=routes, reloads=reloads
    )
    assert back is not None
    assert (back.objective, back.served()) == (days.objective(), sum(len(r) for r in routes.values()))
    params = SolveParams(time_limit_s=60, solution_limit=20, ruin_iterations=ROUNDS)
    plan = solve(scope.problem, scope.matrix, params=params, seed=0)
    assert [len(r.breaks) for r in plan.routes] == [len(scope.problem.couriers[r.courier].breaks) for r in plan.routes]
    assert check_routes(scope.problem, scope.matrix, edited_routes(plan)).ok


def test_its_result_places_each_break_where_the_plan_timing_takes_it_on_time() -> None:
    _, plain, _, _ = rc201_days()
    scope = with_breaks(plain)
    model = scope.model(range(len(scope.problem.couriers)))
    days = searched(model, scope.matrix)
    result = days.result()
    assert result.objective == days.objective() and result.routes
    for c, stops in result.routes.items():
        assert len(result.breaks[c]) == len(scope.problem.couriers[c].breaks)
        timed = time_route(scope.problem, scope.matrix, c, stops, reloads=result.reloads[c], breaks=result.breaks[c])
        assert timed.on_time, (c, timed.late_s, timed.missed_breaks)
