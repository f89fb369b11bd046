"""The service's internal JSON forms lose nothing: a solved plan and its problem come back equal."""

from __future__ import annotations

from pathlib import Path

from api.codec import dump_plan, dump_problem, load_plan, load_problem_text
from geo import StraightLineProvider
from routing import SolveParams, load_problem, solve

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "sample_problem.json"


def test_plan_and_problem_round_trip() -> None:
    problem = load_problem(SAMPLE)
    matrix = StraightLineProvider().matrix(problem.locations(), sorted({c.profile for c in problem.couriers}))
    plan = solve(
        problem, matrix, params=SolveParams(solution_limit=20, metaheuristic="GREEDY_DESCENT", ruin_iterations=5)
    )
    assert plan.routes and plan.unassigned, "the sample leaves orders out (no stock): both parts are exercised"
    assert load_plan(dump_plan(plan)) == plan
    assert load_problem_text(dump_problem(problem)) == problem
