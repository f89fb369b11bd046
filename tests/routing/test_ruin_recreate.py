"""Ruin and recreate: never loses an order, never returns worse than it started, repeatable for a seed; works on
pickup-and-delivery pairs too (a ruined plan, with pairs left out, must be readable as a start)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from geo.matrix import Matrix
from routing.deadline import Deadline
from routing.model import Problem
from routing.ortools_model import RoutingModel, SearchResult
from routing.params import SolveParams
from routing.ruin_recreate import ruin_and_recreate

ModelOf = Callable[[str, str], tuple[Problem, Matrix, RoutingModel]]  # the ``fresh_model`` fixture (conftest)


def run(
    fresh_model: ModelOf, seed: int, file: str = "RC201.txt", set_name: str = "vrptw/solomon"
) -> tuple[int, SearchResult, SearchResult]:
    """A plain first solution, then 25 rounds (on RC201's 100 orders each round searches only the ruined routes)."""
    problem, matrix, model = fresh_model(file, set_name)
    start = model.search(SolveParams(metaheuristic="GREEDY_DESCENT", solution_limit=1), 600)
    assert start is not None
    params = SolveParams(ruin_iterations=25)
    return len(problem.orders), start, ruin_and_recreate(problem, matrix, model, start, params, Deadline(600), seed)


def test_objective_of_rounds_on_ruined_routes_is_the_whole_models(fresh_model: ModelOf) -> None:
    _, start, result = run(fresh_model, seed=3)
    assert result.routes != start.routes
    _, _, model = fresh_model("RC201.txt", "vrptw/solomon")
    as_is = model.search(SolveParams(metaheuristic="GREEDY_DESCENT", solution_limit=1), 600, initial=result.routes)
    assert as_is is not None and as_is.objective == result.objective


@pytest.mark.parametrize(("file", "set_name"), [("RC201.txt", "vrptw/solomon"), ("lr201.txt", "pdptw/li_lim_100")])
def test_improves_a_first_solution_without_dropping_orders(fresh_model: ModelOf, file: str, set_name: str) -> None:
    orders, start, result = run(fresh_model, 3, file, set_name)
    assert start.served() == result.served() == orders
    assert result.objective < start.objective


def test_repeatable_for_a_seed(fresh_model: ModelOf) -> None:
    assert run(fresh_model, seed=5)[2].routes == run(fresh_model, seed=5)[2].routes


def test_an_attempt_on_too_few_couriers_returns_the_models_own_objective(fresh_model: ModelOf) -> None:
    """While orders are left out, the search makes them dearer to leave out each round (so that orders that keep
    failing to fit are traded for easier ones); what it returns is still priced with the model's own penalties."""
    problem, matrix, model = fresh_model("RC201.txt", "vrptw/solomon")
    descent = SolveParams(metaheuristic="GREEDY_DESCENT", solution_limit=1)
    start = model.search(descent, 600)
    assert start is not None
    kept = sorted(start.routes, key=lambda c: len(start.routes[c]))[2:]
    fewer = RoutingModel(problem, matrix, kept, model.orders, model.allowed, model.penalty)
    begin = fewer.search(descent, 600, initial={c: start.routes[c] for c in kept})
    assert begin is not None and begin.served() < len(model.orders)
    params = SolveParams(ruin_iterations=25)
    result = ruin_and_recreate(problem, matrix, fewer, begin, params, Deadline(600), 1, target_served=len(model.orders))
    assert begin.served() <= result.served() < len(model.orders)
    again = RoutingModel(problem, matrix, kept, model.orders, model.allowed, model.penalty)
    as_is = again.search(descent, 600, initial=result.routes)
    assert as_is is not None and as_is.objective == result.objective
