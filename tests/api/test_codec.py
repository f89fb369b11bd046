"""The service's internal JSON forms lose nothing: a solved plan and its problem come back equal."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from api.codec import ProblemWriter, dump_plan, load_plan, load_problem_text
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
    assert load_problem_text(ProblemWriter().dump(problem)) == problem


def test_a_live_problem_that_outgrew_the_horizon_still_reads_back() -> None:
    problem = load_problem(SAMPLE)
    later = replace(problem.orders[0], id="three-weeks-on", windows=(Window(21 * 86400, 21 * 86400 + 3600),))
    grown = replace(problem, orders=(*problem.orders, later))  # confirmations keep adding orders to the live plan
    with pytest.raises(InputError, match="more than 14 days"):
        parse_problem(problem_to_json(grown))  # as input it is refused
    assert load_problem_text(ProblemWriter().dump(grown)) == grown


def test_the_writer_reuses_orders_and_writes_what_a_fresh_dump_would() -> None:
    problem = load_problem(SAMPLE)
    writer = ProblemWriter()
    first = problem.orders[0]
    moved_site = replace(problem.sites[0], id="renamed")  # an order's JSON names its site: it must be rewritten
    days = [
        problem,
        replace(problem, orders=problem.orders[1:]),  # delivered
        replace(problem, orders=(*problem.orders[1:], replace(first, id="new-1"))),  # confirmed
        replace(problem, orders=(*problem.orders[1:], replace(first, id="new-1"), first)),
        replace(problem, sites=(moved_site, *problem.sites[1:])),
    ]
    for day in days:
        assert writer.dump(day) == json.dumps(problem_to_json(day), separators=(",", ":"))
