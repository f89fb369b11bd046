"""The OR-Tools model wrapper frees its solver when dropped: ruin-and-recreate builds thousands of small models."""

from __future__ import annotations

import gc
import weakref
from pathlib import Path

from benchmarks.convert import instance_to_problem
from benchmarks.instances import read_instance
from routing import SolveParams
from routing.eligibility import eligibility
from routing.ortools_model import RoutingModel
from routing.solve import _penalties

DATA = Path(__file__).resolve().parents[1] / "data"


def test_a_searched_model_is_freed_once_dropped() -> None:
    problem, matrix, _ = instance_to_problem(read_instance(DATA / "RC201.txt", "vrptw/solomon"))
    able = eligibility(problem, matrix)
    penalty = _penalties(problem, matrix, SolveParams())
    model = RoutingModel(problem, matrix, [0, 1], able.servable[:10], dict(enumerate(able.couriers)), penalty)
    assert model.search(SolveParams(metaheuristic="GREEDY_DESCENT", solution_limit=5), 600) is not None
    alive = weakref.ref(model)
    del model
    gc.collect()
    assert alive() is None
