"""The solver on real instances, stopped on solution limits so that the result is exact at seed 0.

Feasibility is judged by the independent checker, never by the solver. Quality against best-known figures is
measured by ``lastmile bench``, not here.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks.checker import check_routes
from benchmarks.convert import instance_to_problem, plan_to_routes
from benchmarks.instances import read_instance
from routing import SolveParams, solve

DATA = Path(__file__).resolve().parents[1] / "data"
# Ends on counts (a local optimum per search, 15 ruin-and-recreate rounds); the time limit is only a guard.
PARAMS = SolveParams(time_limit_s=600, solution_limit=500, metaheuristic="GREEDY_DESCENT", ruin_iterations=15)


@pytest.mark.parametrize(
    ("file", "set_name", "routes", "distance"),
    [
        ("C101.txt", "vrptw/solomon", 10, 828.94),
        ("R101.txt", "vrptw/solomon", 19, 1675.89),
        ("RC201.txt", "vrptw/solomon", 4, 1637.62),
        ("lc101.txt", "pdptw/li_lim_100", 10, 828.94),
        ("lr201.txt", "pdptw/li_lim_100", 4, 1258.67),
    ],
)
def test_feasible_with_exact_result_at_seed_0(file: str, set_name: str, routes: int, distance: float) -> None:
    instance = read_instance(DATA / file, set_name)
    problem, matrix, nodes = instance_to_problem(instance)
    plan = solve(problem, matrix, params=PARAMS, seed=0)
    check = check_routes(instance, plan_to_routes(plan, nodes))
    assert check.feasible, check.violations
    assert plan.is_complete()
    assert (check.vehicles, round(check.distance, 2)) == (routes, distance)
