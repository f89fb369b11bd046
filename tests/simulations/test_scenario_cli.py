"""Scenario files: a wrong field is named, and the CLI answers bad input with a message and exit 2."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.app import app
from routing.errors import InputError
from simulations.scenario import load_scenario, parse_scenario

SMALL = Path(__file__).parents[1] / "data" / "sim_small.toml"
SHIPPED = sorted((Path(__file__).parents[2] / "data" / "scenarios").glob("*.toml"))


def _small() -> dict[str, object]:
    return tomllib.loads(SMALL.read_text())


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_shipped_scenarios_are_valid(path: Path) -> None:
    assert load_scenario(path).sites


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d["sites"][1].update(capacity_units=-5), "sites[1].capacity_units: Input should be greater than 0"),
        (lambda d: d["couriers"][0].update(site="nowhere"), "couriers[0].site: no site named 'nowhere'"),
        (lambda d: d["couriers"][0].update(shift=["14:00", "09:00"]), "couriers[0].shift"),
        (lambda d: d["demand"].update(start="9h"), "demand.start: Value error, '9h' is not a clock time HH:MM"),
        (lambda d: d["sites"][1].pop("area"), "sites[1]: stock = 'preposition' needs area and capacity_units"),
        (lambda d: d.update(colour="red"), "colour: Extra inputs are not permitted"),
        (lambda d: d["couriers"][0].update(count=True), "couriers[0].count: Input should be a valid integer"),
        (lambda d: d["sites"][1].update(capacity_units=10**30), "sites[1].capacity_units: Input should be less than"),
        (lambda d: d["dispatch"].update(replan_time_limit_s=1e9), "dispatch.replan_time_limit_s: Input should be less"),
    ],
)
def test_a_wrong_field_is_named(change, message: str) -> None:
    data = _small()
    change(data)
    with pytest.raises(InputError) as error:
        parse_scenario(data, SMALL.parent)
    assert message.replace("Value error, ", "") in str(error.value)


def test_cli_bad_scenario_is_a_message_and_exit_2(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text(SMALL.read_text().replace("count = 2", "count = 0", 1))
    result = CliRunner().invoke(app, ["simulate", str(bad), "-o", str(tmp_path / "r")])
    assert result.exit_code == 2
    assert "couriers[0].count: Input should be greater than or equal to 1" in result.output
    assert not (tmp_path / "r").exists()
    missing = CliRunner().invoke(app, ["simulate", str(tmp_path / "none.toml")])
    assert missing.exit_code == 2 and "cannot read" in missing.output


def test_cli_simulate_writes_the_report(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["simulate", str(SMALL), "--seeds", "3", "--workers", "1", "-o", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "report.md").exists() and (tmp_path / "map_1.png").exists()
    assert "acceptance rate" in result.output
