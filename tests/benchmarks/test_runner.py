"""``lastmile bench``'s runner: one row per instance and seed, the CSV written only when the set is done."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest
from rich.console import Console

from benchmarks.checker import check_routes
from benchmarks.convert import instance_to_problem
from benchmarks.instances import read_instance
from benchmarks.pyvrp_peer import solve_pyvrp
from benchmarks.runner import COLUMNS, BenchRow, peer_ratio, run_bench, run_instance
from routing import InputError, SolveParams

DATA = Path(__file__).resolve().parents[1] / "data"
# Ends on counts; the time limit is only a guard. Seeds 0 and 1 give different R101 plans with these limits.
PARAMS = SolveParams(
    time_limit_s=600, solution_limit=500, metaheuristic="GREEDY_DESCENT", ruin_iterations=15, workers=1
)


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "data" / "vrptw" / "solomon"
    folder.mkdir(parents=True)
    shutil.copy(DATA / "R101.txt", folder / "R101.txt")
    bks = "set,instance,vehicles,distance,source\nvrptw/solomon,R101,19,1650.8,t\n"
    (tmp_path / "data" / "bks.csv").write_text(bks)
    return tmp_path / "data"


def test_repeat_solves_each_instance_once_per_seed(data_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.csv"
    rows = run_bench("vrptw/solomon", None, PARAMS, data_dir, out, 0, Console(quiet=True), repeat=2)
    with out.open() as fh:
        written = list(csv.DictReader(fh))
    assert tuple(written[0]) == COLUMNS
    assert [(r["instance"], r["seed"]) for r in written] == [("R101", "0"), ("R101", "1")]
    alone = [run_instance(data_dir / "vrptw/solomon/R101.txt", "vrptw/solomon", PARAMS, s, {}) for s in (0, 1)]
    assert [r.distance for r in rows] == [r.distance for r in alone]
    assert alone[0].distance != alone[1].distance
    assert all(r["feasible"] == "true" and r["bks_vehicles"] == "19" for r in written)
    assert "requirements-dev.lock" in (tmp_path / "out.csv.packages.md").read_text()  # the package set beside


def test_repeat_below_one_is_refused_before_anything_is_written(data_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.csv"
    with pytest.raises(InputError, match="--repeat"):
        run_bench("vrptw/solomon", None, PARAMS, data_dir, out, 0, Console(quiet=True), repeat=0)
    assert list(tmp_path.glob("out.csv*")) == []


def _row(solver: str, instance: str, distance: float, vehicles: int, feasible: bool = True) -> BenchRow:
    return BenchRow("vrptw/solomon", instance, 0, vehicles, distance, 19, 1650.8, feasible, 1.0, solver)


def test_the_peer_ratio_counts_only_runs_both_solved_feasibly() -> None:
    rows = [
        _row("lastmile", "A", 110.0, 11),
        _row("pyvrp", "A", 100.0, 10),
        _row("lastmile", "B", 220.0, 20),
        _row("pyvrp", "B", 200.0, 20),
        _row("lastmile", "C", 1.0, 1),
        _row("pyvrp", "C", 999.0, 1, feasible=False),
    ]
    line = peer_ratio(rows, "pyvrp")
    assert line.startswith("lastmile / pyvrp over 2 runs both solved feasibly: distance ratio 1.1000, +0.50 routes")


@pytest.mark.parametrize(
    ("peer", "set_name", "message"),
    [("vroom", "vrptw/solomon", "unknown peer 'vroom'"), ("pyvrp", "pdptw/li_lim_100", "the VRPTW sets only")],
)
def test_a_peer_that_cannot_run_is_refused_before_anything_is_written(
    data_dir: Path, tmp_path: Path, peer: str, set_name: str, message: str
) -> None:
    out = tmp_path / "out.csv"
    with pytest.raises(InputError, match=f"^--peer: .*{message}"):
        run_bench(set_name, None, PARAMS, data_dir, out, 0, Console(quiet=True), peer=peer)
    assert list(tmp_path.glob("out.csv*")) == []


def test_pyvrp_on_the_same_problem_passes_the_independent_checker() -> None:
    pytest.importorskip("pyvrp")
    instance = read_instance(DATA / "R101.txt", "vrptw/solomon")
    problem, matrix, nodes = instance_to_problem(instance)
    days = solve_pyvrp(problem, matrix, nodes, 600.0, 0, reloads=False, iterations=200)
    assert all(len(day) == 1 for day in days)  # one trip each: the classic model
    check = check_routes(instance, [day[0] for day in days])
    assert check.feasible, check.violations
    assert check.vehicles <= len(problem.couriers)
