"""``lastmile check`` and ``lastmile promise`` on a solved plan: exit codes, violations, slots, bad input."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from cli.app import app
from geo import StraightLineProvider
from routing import SolveParams, load_problem, solve
from routing.plan_json import plan_to_json

from .test_app import small_problem

runner = CliRunner()
PARAMS = SolveParams(time_limit_s=600, solution_limit=100, metaheuristic="GREEDY_DESCENT", ruin_iterations=2, workers=1)


def solved(tmp_path: Path) -> tuple[Path, Path]:
    """The small problem and a plan of it."""
    problem_path = small_problem(tmp_path, orders=20)
    problem = load_problem(problem_path)
    matrix = StraightLineProvider().matrix(problem.locations(), ["bike", "car"])
    plan_path = tmp_path / "plan.json"
    plan = solve(problem, matrix, params=PARAMS)
    plan_path.write_text(json.dumps(plan_to_json(problem, plan)))
    return problem_path, plan_path


def test_check_passes_a_solved_plan_and_flags_an_edited_one(tmp_path: Path) -> None:
    problem, plan = solved(tmp_path)
    report = tmp_path / "report.json"
    result = runner.invoke(app, ["check", str(problem), str(plan), "-o", str(report)])
    assert result.exit_code == 0, result.output
    assert "plan is valid" in result.output and json.loads(report.read_text())["violations"] == []
    data = json.loads(plan.read_text())
    data["routes"][0]["stops"].append(data["routes"][0]["stops"][0])
    plan.write_text(json.dumps(data))
    result = runner.invoke(app, ["check", str(problem), str(plan), "-o", str(report)])
    assert result.exit_code == 1
    assert "VISITED_TWICE" in result.output
    assert {v["kind"] for v in json.loads(report.read_text())["violations"]} >= {"VISITED_TWICE"}


def test_check_names_the_field_of_a_bad_plan(tmp_path: Path) -> None:
    problem, plan = solved(tmp_path)
    data = json.loads(plan.read_text())
    data["routes"][0]["courier"] = "ghost"
    plan.write_text(json.dumps(data))
    result = runner.invoke(app, ["check", str(problem), str(plan)])
    assert result.exit_code == 2
    assert "routes[0].courier: unknown courier 'ghost'" in result.output and "Traceback" not in result.output


def test_promise_lists_slots_as_json(tmp_path: Path) -> None:
    problem, plan = solved(tmp_path)
    args = ["promise", str(problem), str(plan), "--address", "60.1655,24.941", "--items", "bread-rye:1", "--at"]
    result = runner.invoke(app, [*args, "08:45", "--json"])
    assert result.exit_code == 0, result.output
    offer = json.loads(result.stdout)
    assert offer["reason"] is None and offer["slots"][0]["asap"]
    assert all(s["site"] in {"store-kamppi", "store-kluuvi", "fw-punavuori", "fw-kruununhaka"} for s in offer["slots"])
    late = runner.invoke(app, [*args, "23:00", "--json"])
    assert json.loads(late.stdout) == {"slots": [], "reason": "NO_COURIER_ON_SHIFT"}


def test_promise_rejects_a_bad_address_or_basket(tmp_path: Path) -> None:
    problem, plan = solved(tmp_path)
    base = ["promise", str(problem), str(plan), "--at", "08:45"]
    bad_address = runner.invoke(app, [*base, "--address", "north", "--items", "milk-1l:1"])
    assert bad_address.exit_code == 2 and "--address" in bad_address.output
    bad_items = runner.invoke(app, [*base, "--address", "60.17,24.94", "--items", "milk-1l:0"])
    assert bad_items.exit_code == 2 and "--items" in bad_items.output
