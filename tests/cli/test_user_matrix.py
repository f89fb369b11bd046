"""``lastmile solve/check/promise --matrix``: the user's matrix is used, and a wrong one exits 2 naming the field."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
from typer.testing import CliRunner

from cli.app import app
from geo import StraightLineProvider
from routing import load_problem

from .test_app import small_problem

runner = CliRunner()


def _matrix_file(problem_path: Path, scale: float) -> Path:
    """A .npz of the straight-line matrix of the problem's nodes, durations times ``scale``."""
    problem = load_problem(problem_path)
    matrix = StraightLineProvider().matrix(problem.locations(), ["bike", "car"])
    arrays: dict[str, Any] = {f"{p}_durations": matrix.duration_s[p] * scale for p in matrix.profiles}
    arrays |= {f"{p}_distances": matrix.distance_m[p] for p in matrix.profiles}
    path = problem_path.with_suffix(".npz")
    np.savez(path, **arrays)
    return path


def test_solve_and_check_use_the_matrix_file(tmp_path: Path) -> None:
    problem = small_problem(tmp_path, orders=8)
    slow = _matrix_file(problem, scale=300.0)  # so slow that no order can be reached within its window
    out = tmp_path / "plan.json"
    result = runner.invoke(app, ["solve", str(problem), "--matrix", str(slow), "-o", str(out), "--time-limit", "3"])
    assert result.exit_code == 0, result.output
    plan = json.loads(out.read_text())
    assert not plan["routes"] and {u["reason"] for u in plan["unassigned"]} <= {"WINDOW_UNREACHABLE", "NO_STOCK"}
    normal = _matrix_file(problem, scale=1.0)
    result = runner.invoke(app, ["solve", str(problem), "--matrix", str(normal), "-o", str(out), "--time-limit", "3"])
    assert result.exit_code == 0 and json.loads(out.read_text())["routes"], result.output
    checked = runner.invoke(app, ["check", str(problem), str(out), "--matrix", str(normal)])
    assert checked.exit_code == 0 and "plan is valid" in checked.output, checked.output
    late = runner.invoke(app, ["check", str(problem), str(out), "--matrix", str(_matrix_file(problem, 300.0))])
    assert late.exit_code == 1, late.output


def test_a_wrong_or_doubled_matrix_exits_2_naming_it(tmp_path: Path) -> None:
    problem = small_problem(tmp_path, orders=8)
    bad = tmp_path / "bad.npz"
    np.savez(bad, bike_durations=-np.ones((3, 3)))
    result = runner.invoke(app, ["solve", str(problem), "--matrix", str(bad), "--time-limit", "3"])
    assert result.exit_code == 2 and "--matrix.bike.durations: 3 rows" in result.output, result.output
    good = _matrix_file(problem, 1.0)
    both = runner.invoke(app, ["solve", str(problem), "--matrix", str(good), "--roads", str(good), "--time-limit", "3"])
    assert both.exit_code == 2 and "--roads: the travel times come from the user's matrix" in both.output
