"""Greedy insertion without OR-Tools: the plans it builds keep every constraint of the OR-Tools model (OR-Tools reads
them back at the same objective), it honours allowed couriers, it only claims plain deliveries, and as the polish's
recreate it improves a plan, re-inserts orders left out and is repeatable for a seed."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import numpy as np
import pytest

from geo.matrix import Matrix
from routing.deadline import Deadline
from routing.greedy import GreedyRoutes, plain_deliveries
from routing.model import Problem, Window
from routing.ortools_model import RoutingModel, SearchResult
from routing.params import SolveParams
from routing.partition import route_cost
from routing.ruin_recreate import ruin_and_recreate
from routing.timing import time_route

ModelOf = Callable[[str, str], tuple[Problem, Matrix, RoutingModel]]  # the ``fresh_model`` fixture (conftest)

DESCENT = SolveParams(metaheuristic="GREEDY_DESCENT", solution_limit=1)


@pytest.mark.parametrize("file", ["R101.txt", "C101.txt", "RC201.txt"])
def test_inserting_every_order_gives_a_plan_the_ortools_model_accepts_at_the_same_cost(
    fresh_model: ModelOf, file: str
) -> None:
    problem, matrix, model = fresh_model(file, "vrptw/solomon")
    plan = GreedyRoutes(model, matrix)
    left_out = plan.recreate(model.orders, np.random.default_rng(0))
    routes = plan.as_routes()
    assert sum(len(stops) for stops in routes.values()) + len(left_out) == len(model.orders)
    for c, stops in routes.items():
        assert time_route(problem, matrix, c, stops).on_time
        assert sum(problem.orders[o].weight_g for o, _ in stops) <= problem.couriers[c].capacity.weight_g
    assert plan.cost() == sum(route_cost(problem, matrix, c, stops) for c, stops in routes.items())
    as_is = model.search(DESCENT, 600, initial=routes)
    assert as_is is not None
    assert as_is.objective == plan.cost() + sum(model.penalty[o] for o in left_out)


def test_couriers_of_two_profiles_are_priced_and_timed_each_on_its_own_matrix(fresh_model: ModelOf) -> None:
    """Half the fleet on bikes that take twice as long: every route is on time by its own courier's clock, and
    OR-Tools reads the plan back at the same cost."""
    problem, car, model = fresh_model("R101.txt", "vrptw/solomon")
    couriers = tuple(replace(c, profile="bike") if k % 2 else c for k, c in enumerate(problem.couriers))
    mixed = replace(problem, couriers=couriers)
    distance, duration = car.distance_m["car"], car.duration_s["car"]
    matrix = Matrix({"car": distance, "bike": distance}, {"car": duration, "bike": 2 * duration})
    both = RoutingModel(mixed, matrix, model.couriers, model.orders, model.allowed, model.penalty)
    plan = GreedyRoutes(both, matrix)
    left_out = plan.recreate(both.orders, np.random.default_rng(3))
    routes = plan.as_routes()
    assert {mixed.couriers[c].profile for c in routes} == {"car", "bike"}
    assert all(time_route(mixed, matrix, c, stops).on_time for c, stops in routes.items())
    as_is = both.search(DESCENT, 600, initial=routes)
    assert as_is is not None
    assert as_is.objective == plan.cost() + sum(both.penalty[o] for o in left_out)


def test_an_order_goes_only_to_a_courier_allowed_to_serve_it(fresh_model: ModelOf) -> None:
    problem, matrix, model = fresh_model("C101.txt", "vrptw/solomon")
    allowed = {o: [c for c in model.couriers if c % 3 == o % 3] for o in model.orders}
    plan = GreedyRoutes(RoutingModel(problem, matrix, model.couriers, model.orders, allowed, model.penalty), matrix)
    plan.recreate(model.orders, np.random.default_rng(1))
    routes = plan.as_routes()
    assert routes
    assert all(c % 3 == o % 3 for c, stops in routes.items() for o, _ in stops)


def test_applies_to_plain_deliveries_only(fresh_model: ModelOf) -> None:
    problem, _, model = fresh_model("C101.txt", "vrptw/solomon")
    assert plain_deliveries(problem, model.orders, model.allowed)
    pairs, _, pair_model = fresh_model("lr201.txt", "pdptw/li_lim_100")
    assert not plain_deliveries(pairs, pair_model.orders, pair_model.allowed)
    first = problem.orders[0]
    two_windows = (Window(0, 10), Window(first.windows[0].end_s + 1, first.windows[0].end_s + 100))
    split = replace(problem, orders=(replace(first, windows=two_windows), *problem.orders[1:]))
    assert not plain_deliveries(split, model.orders, model.allowed)
    wanted = replace(problem, orders=(replace(first, items={"milk": 1}), *problem.orders[1:]))
    assert plain_deliveries(
        replace(wanted, sites=(replace(problem.sites[0], stock={"milk": 1}),)), model.orders, model.allowed
    )
    assert not plain_deliveries(wanted, model.orders, model.allowed)  # the depot has no milk for it


def polish(fresh_model: ModelOf, seed: int) -> tuple[SearchResult, SearchResult]:
    """RC201's first solution without five of its orders, then 300 rounds of ruin and greedy insertion."""
    problem, matrix, model = fresh_model("RC201.txt", "vrptw/solomon")
    first = model.search(DESCENT, 600)
    assert first is not None
    out = set(model.orders[:5])
    routes = {c: [s for s in stops if s[0] not in out] for c, stops in first.routes.items()}
    start = model.search(DESCENT, 600, initial=routes)
    assert start is not None and start.served() == len(model.orders) - 5
    params = SolveParams(ruin_iterations=300)
    return start, ruin_and_recreate(problem, matrix, model, start, params, Deadline(600), seed, greedy=True)


def test_insertion_rounds_serve_the_orders_left_out_and_improve_the_plan(fresh_model: ModelOf) -> None:
    start, result = polish(fresh_model, seed=2)
    _, _, model = fresh_model("RC201.txt", "vrptw/solomon")
    assert result.served() == len(model.orders)
    assert result.objective < start.objective - 5 * model.penalty[0] + 1
    as_is = model.search(DESCENT, 600, initial=result.routes)
    assert as_is is not None and as_is.objective == result.objective


def test_insertion_rounds_are_repeatable_for_a_seed(fresh_model: ModelOf) -> None:
    assert polish(fresh_model, seed=4)[1].routes == polish(fresh_model, seed=4)[1].routes
