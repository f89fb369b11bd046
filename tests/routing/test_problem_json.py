"""The JSON edge: validation messages name the field, and a problem survives a round trip."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from routing import InputError, Problem, load_problem, parse_problem, problem_json_schema, problem_to_spec
from routing.limits import MAX_FIXED_COST, MAX_PRIORITY, worst_objective
from routing.model import Capacity, Courier, Window
from routing.problem_json import ProblemSpec, order_to_json, problem_to_json

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "data" / "sample_problem.json"


@pytest.fixture(scope="module")
def sample() -> dict[str, Any]:
    return json.loads(SAMPLE.read_text())


def error_of(data: dict[str, Any]) -> str:
    with pytest.raises(InputError) as exc:
        parse_problem(data)
    return str(exc.value)


def test_sample_loads_as_described() -> None:
    problem = load_problem(SAMPLE)
    kinds = sorted(s.kind for s in problem.sites)
    assert kinds == ["forward_warehouse", "forward_warehouse", "store", "store"]
    assert len(problem.couriers) == 12 and {c.profile for c in problem.couriers} == {"bike", "car"}
    assert len(problem.orders) == 150
    assert all(w.end_s - w.start_s == 3600 for o in problem.orders for w in o.windows)
    assert problem.epoch is not None and problem.epoch.utcoffset() is not None


def test_round_trip_keeps_the_problem(sample: dict[str, Any]) -> None:
    problem = parse_problem(sample)
    again = parse_problem(json.loads(problem_to_spec(problem).model_dump_json()))
    assert again == problem


def test_plain_json_form_round_trips_zones_pickups_and_skills(sample: dict[str, Any]) -> None:
    data = copy.deepcopy(sample)
    data["sites"][0]["zone"] = [[60.16, 24.93], [60.18, 24.93], [60.18, 24.96]]
    data["orders"][0]["skills"] = ["chilled"]
    data["orders"][0].pop("items", None)
    data["orders"][0]["pickup"] = {
        "location": [60.17, 24.94],
        "windows": [{"start": "2026-11-23T09:00:00+02:00", "end": "2026-11-23T10:00:00+02:00"}],
        "max_ride_s": 1800,
    }
    problem = parse_problem(data)
    text = json.dumps(problem_to_json(problem))
    assert parse_problem(json.loads(text)) == problem
    assert problem_to_spec(problem) == ProblemSpec.model_validate_json(text)
    assert order_to_json(problem, problem.orders[0]) == problem_to_json(problem)["orders"][0]
    assert "null" not in text


def test_window_end_before_start_names_the_field(sample: dict[str, Any]) -> None:
    data = copy.deepcopy(sample)
    window = data["orders"][17]["windows"][0]
    window["start"], window["end"] = "2026-11-23T10:00:00+02:00", "2026-11-23T09:00:00+02:00"
    assert error_of(data) == "orders[17].windows[0]: end 09:00 before start 10:00"


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        (("couriers", 3, "site"), "store-x", "couriers[3].site: unknown site 'store-x'"),
        (("orders", 2, "location"), [95.0, 24.9], "orders[2].location[0]: Input should be less than or equal to 90"),
        (("orders", 0, "weight_g"), -5, "orders[0].weight_g: Input should be greater than or equal to 0"),
        (("couriers", 1, "profile"), "rocket", "couriers[1].profile: Input should be 'bike', 'car' or 'foot'"),
        (("sites", 0, "kind"), "mall", "sites[0].kind: Input should be 'store' or 'forward_warehouse'"),
        (("orders", 4, "windows"), [], "orders[4].windows: List should have at least 1 item after validation, not 0"),
        (("orders", 5, "colour"), "red", "orders[5].colour: Extra inputs are not permitted"),
        (
            ("orders", 6, "windows", 0, "start"),
            "2026-11-23T09:00:00",
            "orders[6].windows[0].start: Input should have timezone info",
        ),
    ],
)
def test_bad_fields_are_named(sample: dict[str, Any], path: tuple[Any, ...], value: Any, message: str) -> None:
    data = copy.deepcopy(sample)
    target = data
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    assert error_of(data) == message


def test_repeated_id_is_rejected(sample: dict[str, Any]) -> None:
    data = copy.deepcopy(sample)
    data["orders"][9]["id"] = data["orders"][3]["id"]
    assert error_of(data) == f"orders: repeated id {data['orders'][3]['id']!r}"


def test_domain_objects_validate_on_construction() -> None:
    with pytest.raises(InputError, match="profile: must be one of bike, car, foot"):
        Courier("c", 0, Window(0, 10), "rocket", Capacity(1))
    with pytest.raises(InputError, match="end 5 s before start 10 s"):
        Window(10, 5)
    with pytest.raises(InputError, match=r"couriers\[0\].site: no site with index 3"):
        Problem((load_problem(SAMPLE).sites[0],), (Courier("c", 3, Window(0, 10), "bike", Capacity(1)),), ())


def test_missing_file_and_bad_json(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="cannot read"):
        load_problem(tmp_path / "nope.json")
    bad = tmp_path / "bad.json"
    bad.write_text('{"sites": [}')
    with pytest.raises(InputError, match=r"not valid JSON \(line 1, column 12"):
        load_problem(bad)


def test_schema_file_is_generated_from_the_models() -> None:
    schema = json.loads((ROOT / "docs" / "problem.schema.json").read_text())
    assert schema == problem_json_schema()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d["orders"][3].update(weight_g=10**30), "orders[3].weight_g: Input should be less than or equal"),
        (lambda d: d["orders"][3].update(priority=MAX_PRIORITY + 1), "orders[3].priority: Input should be less"),
        (lambda d: d["orders"][3].update(weight_g=True), "orders[3].weight_g: Input should be a valid integer"),
        (lambda d: d["orders"][3].update(location=["60.1", 24.9]), "orders[3].location[0]: Input should be a valid"),
        (lambda d: d["orders"][3].update(id="a/b"), "orders[3].id: String should match pattern"),
        (lambda d: d["sites"][0]["stock"].update({"bad item": 1}), "sites[0].stock.bad item"),
        (lambda d: d["couriers"][2].update(fixed_cost=MAX_FIXED_COST + 1), "couriers[2].fixed_cost"),
        (
            lambda d: d["sites"][1].update(zone=[[60.16, 24.93], [60.18, 24.95], [60.16, 24.95], [60.18, 24.93]]),
            "sites[1]: zone: invalid polygon (Self-intersection",
        ),
        (
            lambda d: d["orders"][5]["windows"][0].update(start="0001-01-01T10:00:00+00:00"),
            "orders[5].windows[0]: end: a window is at most 28 days long",
        ),
        (
            lambda d: d["orders"][5].update(
                windows=[{"start": "9999-12-31T10:00:00+00:00", "end": "9999-12-31T11:00:00+00:00"}]
            ),
            "orders[5].windows[0].start: more than 14 days from the epoch",
        ),
        (
            lambda d: (
                d.pop("epoch")
                and d["orders"][5].update(
                    windows=[{"start": "0001-01-01T10:00:00+00:00", "end": "0001-01-01T11:00:00+00:00"}]
                )
            ),
            "orders[5].windows[0].start: more than 14 days from the problem's median window start",
        ),
    ],
)
def test_values_beyond_the_solver_s_bounds_are_refused_naming_the_field(
    sample: dict[str, Any], change: Any, message: str
) -> None:
    data = copy.deepcopy(sample)
    change(data)
    assert error_of(data).startswith(message)


def test_the_bounds_keep_the_objective_inside_int64() -> None:
    assert 0 < worst_objective() < 2**63
