"""generate-history → forecast → preposition from the command line, and a bad history file."""

from __future__ import annotations

import csv
import json
from collections import Counter
from pathlib import Path

from typer.testing import CliRunner

from cli.app import app

runner = CliRunner()


def test_history_to_stocking_plan(tmp_path: Path) -> None:
    history = tmp_path / "h.csv"
    made = runner.invoke(app, ["generate-history", "-o", str(history), "--items", "60", "--days", "56"])
    assert made.exit_code == 0, made.output
    sites = history.with_suffix(".sites.json")
    forecast, plot = tmp_path / "f.csv", tmp_path / "f.png"
    args = ["forecast", str(history), "--horizon", "7d", "-o", str(forecast), "--sites", str(sites)]
    result = runner.invoke(
        app, [*args, "--promotions", str(history.with_suffix(".promotions.csv")), "--plot", str(plot)]
    )
    assert result.exit_code == 0, result.output
    assert "smoothed_seasonal" in result.output and plot.stat().st_size > 10_000
    rows = list(csv.DictReader(forecast.open()))
    assert {r["area"] for r in rows} == {
        s["id"] for s in json.loads(sites.read_text())["sites"] if s["id"].startswith("fw")
    }
    assert len({r["date"] for r in rows}) == 7
    stocking, stocked, fill = tmp_path / "s.csv", tmp_path / "stocked.json", tmp_path / "fill.png"
    outputs = ["-o", str(stocking), "--sites-out", str(stocked), "--plot", str(fill)]
    result = runner.invoke(
        app, ["preposition", str(forecast), "--sites", str(sites), "--history", str(history), *outputs]
    )
    assert result.exit_code == 0, result.output
    capacity = {s["id"]: s.get("capacity_units") for s in json.loads(sites.read_text())["sites"]}
    held: Counter[str] = Counter()
    for row in csv.DictReader(stocking.open()):
        held[row["site"]] += int(row["hold"])
        assert int(row["transfer"]) == int(row["hold"]) - int(row["current"]) and row["from_site"].startswith("store")
    assert held and all(units <= capacity[site] for site, units in held.items())
    new = {s["id"]: s["stock"] for s in json.loads(stocked.read_text())["sites"]}
    assert all(sum(new[site].values()) == units for site, units in held.items())
    assert fill.stat().st_size > 10_000


def test_a_bad_history_line_is_named(tmp_path: Path) -> None:
    history = tmp_path / "h.csv"
    history.write_text("timestamp,order_id,item_id,quantity,lat,lon\n2026-06-01T10:00:00+02:00,o1,a,two,60.1,24.9\n")
    result = runner.invoke(app, ["forecast", str(history), "-o", str(tmp_path / "f.csv")])
    assert result.exit_code == 2
    assert "line 2, quantity" in result.output and "Traceback" not in result.output
    assert not (tmp_path / "f.csv").exists()
