"""Ruin and recreate: never loses an order, never returns worse than it started, repeatable for a seed; works on
pickup-and-delivery pairs too (a ruined plan, with pairs left out, must be readable as a start)."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks.convert import instance_to_problem
from benchmarks.instances import read_instance
from routing.deadline import Deadline
from routing.eligibility import eligibility
from routing.ortools_model import RoutingModel, SearchResult
from routing.params import SolveParams
from routing.ruin_recreate import ruin_and_recreate
from routing.solve import _penalties

DATA = Path(__file__).resolve().parents[1] / "data"


def run(seed: int, file: str = "RC201.txt", set_name: str = "vrptw/solomon") -> tuple[int, SearchResult, SearchResult]:
    """A fresh model (OR-Tools operators keep state between searches), a plain first solution, 25 rounds."""
    problem, matrix, _ = instance_to_problem(read_instance(DATA / file, set_name))
    able = eligibility(problem, matrix)
    penalty = _penalties(problem, matrix, SolveParams())
    couriers = range(len(problem.couriers))
    model = RoutingModel(problem, matrix, couriers, able.servable, dict(enumerate(able.couriers)), penalty)
    start = model.search(SolveParams(metaheuristic="GREEDY_DESCENT", solution_limit=1), 600)
    assert start is not None
    params = SolveParams(ruin_iterations=25)
    return len(problem.orders), start, ruin_and_recreate(problem, matrix, model, start, params, Deadline(600), seed)


@pytest.mark.parametrize(("file", "set_name"), [("RC201.txt", "vrptw/solomon"), ("lr201.txt", "pdptw/li_lim_100")])
def test_improves_a_first_solution_without_dropping_orders(file: str, set_name: str) -> None:
    orders, start, result = run(3, file, set_name)
    assert start.served() == result.served() == orders
    assert result.objective < start.objective


def test_repeatable_for_a_seed() -> None:
    assert run(seed=5)[2].routes == run(seed=5)[2].routes
