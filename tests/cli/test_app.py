"""The command line: a real solve writes plan and GeoJSON; bad input gives one line and a non-zero exit."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from cli.app import app

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "data" / "sample_problem.json"
runner = CliRunner()


def small_problem(tmp_path: Path, orders: int = 12) -> Path:
    data = json.loads(SAMPLE.read_text())
    data["orders"] = data["orders"][:orders]
    path = tmp_path / "small.json"
    path.write_text(json.dumps(data))
    return path


def test_solve_writes_plan_and_geojson(tmp_path: Path) -> None:
    out, geo = tmp_path / "plan.json", tmp_path / "routes.geojson"
    result = runner.invoke(
        app, ["solve", str(small_problem(tmp_path)), "-o", str(out), "--geojson", str(geo), "--time-limit", "3"]
    )
    assert result.exit_code == 0, result.output
    plan = json.loads(out.read_text())
    served = {s["order"] for r in plan["routes"] for s in r["stops"]}
    left = {u["order"] for u in plan["unassigned"]}
    assert served | left == {o["id"] for o in json.loads(SAMPLE.read_text())["orders"][:12]}
    assert not served & left
    assert plan["routes"][0]["start"].endswith("+02:00")
    features = json.loads(geo.read_text())["features"]
    assert sum(f["geometry"]["type"] == "LineString" for f in features) == sum(len(r["trips"]) for r in plan["routes"])


def test_malformed_json_exits_2_with_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    out = tmp_path / "plan.json"
    result = runner.invoke(app, ["solve", str(bad), "-o", str(out)])
    assert result.exit_code == 2
    assert "error:" in result.output and "not valid JSON" in result.output and "Traceback" not in result.output
    assert not out.exists()


def test_invalid_field_exits_2_naming_it(tmp_path: Path) -> None:
    data = json.loads(SAMPLE.read_text())
    data["couriers"][0]["capacity"]["weight_g"] = "heavy"
    path = tmp_path / "p.json"
    path.write_text(json.dumps(data))
    result = runner.invoke(app, ["solve", str(path), "-o", str(tmp_path / "plan.json")])
    assert result.exit_code == 2
    assert "couriers[0].capacity.weight_g" in result.output


def test_missing_file_exits_2(tmp_path: Path) -> None:
    result = runner.invoke(app, ["solve", str(tmp_path / "none.json")])
    assert result.exit_code == 2 and "cannot read" in result.output


def test_bench_unknown_set_exits_2(tmp_path: Path) -> None:
    (tmp_path / "vrptw" / "solomon").mkdir(parents=True)
    (tmp_path / "vrptw" / "solomon" / "C101.txt").write_text("")
    result = runner.invoke(app, ["bench", "vrptw/nope", "--data-dir", str(tmp_path)])
    assert result.exit_code == 2 and "no folder 'vrptw/nope'" in result.output


def test_schema_prints_json() -> None:
    result = runner.invoke(app, ["schema"])
    assert result.exit_code == 0 and json.loads(result.output)["title"] == "ProblemSpec"


def test_warm_compiles_both_searches_and_a_solve_then_says_nothing_of_them(tmp_path: Path) -> None:
    result = runner.invoke(app, ["warm"])
    assert result.exit_code == 0, result.output
    assert "routing.fastls" in result.output and "routing.tripls" in result.output
    assert result.output.count("ready in") == 2
    solved = runner.invoke(app, ["solve", str(small_problem(tmp_path)), "-o", str(tmp_path / "p.json")])
    assert solved.exit_code == 0 and "not compiled yet" not in solved.output
