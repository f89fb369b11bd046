"""``lastmile bench``'s runner: one row per instance and seed, the CSV written only when the set is done."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest
from rich.console import Console

from benchmarks.runner import COLUMNS, run_bench, run_instance
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
