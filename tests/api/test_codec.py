"""The service's internal JSON forms lose nothing: a solved plan and its problem come back equal."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from api.codec import dump_plan, dump_problem, load_plan, load_problem_text
from geo import StraightLineProvider
from routing import InputError, SolveParams, Window, load_problem, parse_problem, solve
from routing.problem_json import problem_to_json

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


def test_a_live_problem_that_outgrew_the_horizon_still_reads_back() -> None:
    problem = load_problem(SAMPLE)
    later = replace(problem.orders[0], id="three-weeks-on", windows=(Window(21 * 86400, 21 * 86400 + 3600),))
    grown = replace(problem, orders=(*problem.orders, later))  # confirmations keep adding orders to the live plan
    with pytest.raises(InputError, match="more than 14 days"):
        parse_problem(problem_to_json(grown))  # as input it is refused
    assert load_problem_text(dump_problem(grown)) == grown
