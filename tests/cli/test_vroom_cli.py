"""``lastmile solve --format vroom`` and ``lastmile check --format vroom``: VROOM files in, VROOM files out."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.app import app

FIXTURES = Path(__file__).resolve().parents[1] / "data" / "vroom"
runner = CliRunner()
SEARCH = 'solution_limit = 100\nmetaheuristic = "GREEDY_DESCENT"\nruin_iterations = 2\n'


def solve_vroom(tmp_path: Path, name: str) -> tuple[Path, Path]:
    """The fixture ``name`` solved by the command line, stopping on solution limits; returns (input, output)."""
    params, out = tmp_path / "search.toml", tmp_path / "solution.json"
    params.write_text(SEARCH)
    problem = FIXTURES / f"{name}.json"
    args = ["solve", "--format", "vroom", str(problem), "-o", str(out), "--params", str(params)]
    result = runner.invoke(app, [*args, "--time-limit", "600", "--workers", "1"])
    assert result.exit_code == 0, result.output
    return problem, out


@pytest.mark.parametrize("name", ["shipments", "unassigned"])
def test_solve_writes_vroom_output_that_check_passes(tmp_path: Path, name: str) -> None:
    problem, out = solve_vroom(tmp_path, name)
    solution = json.loads(out.read_text())
    assert solution["code"] == 0 and solution["summary"]["computing_times"]["solving"] > 0
    assert {"vehicle", "cost", "steps", "delivery", "pickup", "waiting_time"} <= set(solution["routes"][0])
    report = tmp_path / "report.json"
    result = runner.invoke(app, ["check", "--format", "vroom", str(problem), str(out), "-o", str(report)])
    assert result.exit_code == 0, result.output
    assert "plan is valid" in result.output
    assert json.loads(report.read_text())["summary"]["violations"] == []


def test_check_reports_an_edited_output_in_vroom_terms(tmp_path: Path) -> None:
    problem, out = solve_vroom(tmp_path, "shipments")
    solution = json.loads(out.read_text())
    steps = solution["routes"][0]["steps"]
    delivery = next(k for k, st in enumerate(steps) if st["type"] == "delivery")
    steps.insert(1, steps.pop(delivery))  # a delivery before its pickup
    out.write_text(json.dumps(solution))
    report = tmp_path / "report.json"
    result = runner.invoke(app, ["check", "--format", "vroom", str(problem), str(out), "-o", str(report)])
    assert result.exit_code == 1 and "PICKUP_MISSING" in result.output
    causes = {v["cause"] for v in json.loads(report.read_text())["routes"][0]["violations"]}
    assert "precedence" in causes


def test_bad_vroom_input_exits_2_naming_the_field(tmp_path: Path) -> None:
    data = json.loads((FIXTURES / "jobs_coordinates.json").read_text())
    del data["vehicles"][1]["end"]
    path, out = tmp_path / "open.json", tmp_path / "solution.json"
    path.write_text(json.dumps(data))
    result = runner.invoke(app, ["solve", "--format", "vroom", str(path), "-o", str(out)])
    assert result.exit_code == 2 and not out.exists()
    assert "vehicles[1].end: an open route (no end) is not supported" in result.output


def test_vroom_input_with_matrices_refuses_other_travel_options(tmp_path: Path) -> None:
    problem = str(FIXTURES / "matrix_asymmetric.json")
    result = runner.invoke(app, ["solve", "--format", "vroom", problem, "--roads", "x.osm.pbf"])
    assert result.exit_code == 2 and "--roads: the VROOM input has matrices" in result.output
    result = runner.invoke(app, ["check", "--format", "vroom", problem, problem, "--matrix", "m.json"])
    assert result.exit_code == 2 and "--matrix: a VROOM input gives its own matrices" in result.output
