"""VROOM's input read as a lastmile problem, the plan written back as VROOM output, and that output checked."""

from __future__ import annotations

import copy
import itertools
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from benchmarks.instances import read_instance
from benchmarks.vroom_peer import solomon_to_vroom, with_matrices
from geo import Matrix, StraightLineProvider
from routing import InputError, Problem, SolveParams, solve
from routing.vroom_json import read_vroom, vroom_to_problem_json
from routing.vroom_output import plan_to_vroom, routes_from_vroom
from routing.vroom_spec import VroomIndex
from scheduling.check import ViolationKind, check_routes

FIXTURES = Path(__file__).resolve().parents[1] / "data" / "vroom"
PARAMS = SolveParams(time_limit_s=600, solution_limit=100, metaheuristic="GREEDY_DESCENT", ruin_iterations=2, workers=1)


@dataclass(frozen=True)
class Solved:
    data: dict[str, Any]
    problem: Problem
    matrix: Matrix
    index: VroomIndex
    output: dict[str, Any]


def solved(name: str) -> Solved:
    """The fixture ``name``, solved, with its VROOM output."""
    data = json.loads((FIXTURES / f"{name}.json").read_text())
    problem, table, index = read_vroom(data)
    legs = table or StraightLineProvider()
    matrix = legs.matrix(problem.locations(), sorted({c.profile for c in problem.couriers}))
    plan = solve(problem, matrix, params=PARAMS)
    return Solved(data, problem, matrix, index, plan_to_vroom(problem, plan, matrix, index))


def tasks_of(data: dict[str, Any]) -> set[tuple[str, int]]:
    """Every task of a VROOM input as ``(type, id)``."""
    tasks = {("job", j["id"]) for j in data.get("jobs", [])}
    for s in data.get("shipments", []):
        tasks |= {("pickup", s["pickup"]["id"]), ("delivery", s["delivery"]["id"])}
    return tasks


def steps_of(output: dict[str, Any], vehicle: int) -> list[dict[str, Any]]:
    return next(r["steps"] for r in output["routes"] if r["vehicle"] == vehicle)


@pytest.mark.parametrize("name", sorted(p.stem for p in FIXTURES.glob("*.json")))
def test_each_fixture_comes_back_as_vroom_output_that_checks_clean(name: str) -> None:
    s = solved(name)
    out = s.output
    assert out["code"] == 0 and out["summary"]["routes"] == len(out["routes"])
    served = [(st["type"], st["id"]) for r in out["routes"] for st in r["steps"] if st["type"] not in TIMELESS]
    left = [(u["type"], u["id"]) for u in out["unassigned"]]
    assert sorted(served + left) == sorted(tasks_of(s.data)) and out["summary"]["unassigned"] == len(left)
    capacity = {v["id"]: v.get("capacity", []) for v in s.data["vehicles"]}
    for route in out["routes"]:
        steps = route["steps"]
        assert steps[0]["type"] == "start" and steps[-1]["type"] == "end"
        assert all(all(x <= c for x, c in zip(st["load"], capacity[route["vehicle"]], strict=True)) for st in steps)
        travel = [st["duration"] for st in steps]
        assert travel == sorted(travel) and route["cost"] == route["duration"] == travel[-1]
    assert out["summary"]["cost"] == sum(r["cost"] for r in out["routes"])
    report = check_routes(s.problem, s.matrix, routes_from_vroom(s.problem, s.index, out))
    assert report.violations == ()


TIMELESS = ("start", "end", "break")


def test_an_asymmetric_matrix_is_read_row_to_column() -> None:
    s = solved("matrix_asymmetric")
    durations = s.data["matrices"]["car"]["durations"]
    for route in s.output["routes"]:
        at = [st["location_index"] for st in route["steps"]]
        legs = [durations[a][b] for a, b in itertools.pairwise(at)]
        assert [st["duration"] for st in route["steps"]] == [sum(legs[:k]) for k in range(len(at))]
        assert sum(legs) != sum(durations[b][a] for a, b in itertools.pairwise(at))  # the other way differs
    assert steps_of(s.output, 10)[-1]["location_index"] == 5  # end_index
    assert sum(st["type"] == "job" for st in steps_of(s.output, 10)) <= 3  # max_tasks


def test_unix_times_come_back_in_their_own_base_and_breaks_and_skills_hold() -> None:
    s = solved("breaks_skills_priorities")
    vehicles = {v["id"]: v for v in s.data["vehicles"]}
    jobs = {j["id"]: j for j in s.data["jobs"]}
    for route in s.output["routes"]:
        vehicle = vehicles[route["vehicle"]]
        start, end = vehicle["time_window"]
        steps = route["steps"]
        assert start <= steps[0]["arrival"] and steps[-1]["arrival"] <= end
        for st in steps:
            begin = st["arrival"] + st["waiting_time"]
            if st["type"] == "job":
                job = jobs[st["id"]]
                assert set(job["skills"]) <= set(vehicle["skills"])
                assert any(a <= begin <= b for a, b in job.get("time_windows", [[start, end]]))
                assert st["setup"] == job.get("setup", 0) and st["service"] == job["service"]
            if st["type"] == "break":
                brk = next(b for b in vehicle["breaks"] if b["id"] == st["id"])
                (opens, closes), *_ = brk["time_windows"]
                assert opens <= begin <= closes and st["service"] == brk["service"]
        assert sorted(st["id"] for st in steps if st["type"] == "break") == sorted(b["id"] for b in vehicle["breaks"])


def test_jobs_nobody_can_serve_are_unassigned_with_lastmiles_reasons() -> None:
    out = solved("unassigned").output
    reasons = {u["id"]: u["reason"] for u in out["unassigned"]}
    assert reasons == {2: "NO_SKILLED_COURIER", 3: "OVER_CAPACITY", 4: "WINDOW_UNREACHABLE", 5: "OVER_CAPACITY"}
    assert all(u["type"] == "job" and "location_index" in u for u in out["unassigned"])
    assert out["summary"]["distance"] == sum(r["distance"] for r in out["routes"]) > 0


def fixture(name: str) -> dict[str, Any]:
    return json.loads((FIXTURES / f"{name}.json").read_text())


def test_the_mapping_onto_lastmiles_fields() -> None:
    problem, index = vroom_to_problem_json(fixture("breaks_skills_priorities"))
    assert problem["epoch"] == "2026-01-01T00:00:00+00:00" and index.epoch_s == 1767225600
    job3 = problem["orders"][2]
    assert job3["location"] == [60.161, 24.958]  # [lon, lat] in VROOM, [lat, lon] in lastmile
    assert job3["service_s"] == 360 and job3["skills"] == ["14"] and job3["weight_g"] == 1
    assert [w["start"] for w in job3["windows"]] == ["2026-01-01T08:00:00+00:00", "2026-01-01T10:00:00+00:00"]
    second = problem["couriers"][1]
    assert second["max_trips"] == 1 and second["capacity"] == {"weight_g": 4}
    assert [b["duration_s"] for b in second["breaks"]] == [300, 600]  # in order of their windows
    assert [b for b, _ in index.vehicles[1].breaks] == [3, 2]
    shipment = problem["orders"][-1]
    assert shipment["id"] == "shipment-7" and shipment["pickup"]["location"] == [60.176, 24.927]
    assert len(problem["sites"]) == 1 and problem["sites"][0]["opening"]["start"] == "2026-01-01T08:00:00+00:00"


def test_matrices_locations_and_max_tasks() -> None:
    problem, index = vroom_to_problem_json(fixture("matrix_asymmetric"))
    assert set(problem["matrices"]) == {"car"} and "distances" not in problem["matrices"]["car"]
    assert [s["location_index"] for s in problem["sites"]] == [0, 5]
    assert problem["couriers"][0]["end_site"] == "site-1" and "end_site" not in problem["couriers"][1]
    assert problem["couriers"][0]["capacity"] == {"weight_g": 4, "items": 3}
    assert "items" not in problem["couriers"][1]["capacity"]
    assert all(o["items"] == {"task": 1} for o in problem["orders"])
    assert problem["sites"][0]["stock"] == {"task": 5}
    assert problem["orders"][1]["location"] == problem["orders"][4]["location"]  # one location_index, one point
    assert not index.distances and index.dims == 1


def test_three_amounts_and_merged_windows() -> None:
    data = fixture("doc_matrix_shape")
    data["vehicles"][0] |= {"capacity": [10, 20, 3], "max_travel_time": 3600}
    data["jobs"][0] |= {"delivery": [1, 2, 2], "time_windows": [[0, 100], [50, 200], [300, 400]]}
    data["jobs"][1] |= {"delivery": [1, 2, 0]}
    problem, index = vroom_to_problem_json(data)
    courier, (first, second) = problem["couriers"][0], problem["orders"]
    assert courier["capacity"] == {"weight_g": 10, "volume_cm3": 20, "items": 3} and courier["profile"] == "car"
    assert courier["max_duration_s"] == 3600
    assert first["items"] == {"amount-3": 2} and "items" not in second
    assert problem["sites"][0]["stock"] == {"amount-3": 2}
    assert [(w["start"][-14:-6], w["end"][-14:-6]) for w in first["windows"]] == [
        ("00:00:00", "00:03:20"),
        ("00:05:00", "00:06:40"),
    ]
    assert set(problem["matrices"]) == {"car"} and index.dims == 3


def test_profile_names_of_routing_engines_map_onto_lastmiles() -> None:
    data = fixture("jobs_coordinates")
    data["vehicles"][0]["profile"], data["vehicles"][1]["profile"] = "driving-hgv", "cycling-regular"
    problem, index = vroom_to_problem_json(data)
    assert [c["profile"] for c in problem["couriers"]] == ["car", "bike"] and "matrices" not in problem
    assert index.distances and problem["couriers"][0]["max_duration_s"] == 7200


Change = Callable[[dict[str, Any]], None]
REFUSED: list[tuple[str, Change, str]] = [
    ("breaks_skills_priorities", lambda d: d["vehicles"][1].pop("end"), "vehicles[1].end: an open route"),
    ("breaks_skills_priorities", lambda d: d["vehicles"][0].pop("start"), "vehicles[0].start: a route without"),
    ("breaks_skills_priorities", lambda d: d["jobs"][1].update(pickup=[1]), "jobs[1].pickup: amounts picked up"),
    ("breaks_skills_priorities", lambda d: d["jobs"][1].update(pickup=[0]), ""),
    ("breaks_skills_priorities", lambda d: d["jobs"][0].update(amount=[1]), "jobs[0].amount: deprecated"),
    (
        "breaks_skills_priorities",
        lambda d: d["vehicles"][0]["breaks"][0]["time_windows"].append([1767262000, 1767263000]),
        "vehicles[0].breaks[0].time_windows: several windows",
    ),
    (
        "breaks_skills_priorities",
        lambda d: d["vehicles"][0]["breaks"][0].update(time_windows=[[1767200000, 1767210000]]),
        "vehicles[0].breaks[0].time_windows[0]: outside the vehicle's time_window",
    ),
    ("breaks_skills_priorities", lambda d: d["vehicles"][0].update(profile="hovercraft"), "vehicles[0].profile"),
    ("breaks_skills_priorities", lambda d: d["vehicles"][0].update(costs={"fixed": 9}), "vehicles[0].costs: custom"),
    ("breaks_skills_priorities", lambda d: d["vehicles"][0].update(speed_factor=1.5), "vehicles[0].speed_factor"),
    ("breaks_skills_priorities", lambda d: d["vehicles"][0].update(steps=[]), "vehicles[0].steps: a route given"),
    ("breaks_skills_priorities", lambda d: d["jobs"][2].update(setup_per_type={"a": 1}), "jobs[2].setup_per_type"),
    ("breaks_skills_priorities", lambda d: d["jobs"][2].update(colour="red"), "jobs[2].colour: Extra inputs"),
    ("breaks_skills_priorities", lambda d: d["jobs"][2].update(delivery=[1, 1]), "jobs[2].delivery: 2 amounts"),
    ("breaks_skills_priorities", lambda d: d["jobs"][2].update(id=1), "jobs[2].id: repeated job id 1"),
    ("breaks_skills_priorities", lambda d: d["vehicles"][1].update(max_tasks=3), "vehicles[1].max_tasks: not supp"),
    (
        "breaks_skills_priorities",
        lambda d: d["jobs"][2].update(time_windows=[[1767254400, 1767254400 + 20 * 86400]]),
        "jobs[2].time_windows[0]: 1768982400 is more than 14 days after 1767225600",
    ),
    ("breaks_skills_priorities", lambda d: d["jobs"][2].update(time_windows=[[9, 3]]), "jobs[2].time_windows[0]: end"),
    ("matrix_asymmetric", lambda d: d["jobs"][0].pop("location_index"), "jobs[0].location_index: needed with"),
    ("matrix_asymmetric", lambda d: d["jobs"][0].update(location_index=6), "jobs[0].location_index: 6 is outside"),
    ("matrix_asymmetric", lambda d: d["matrices"]["car"]["durations"][2].pop(), "matrices.car.durations[2]: 5 ent"),
    ("matrix_asymmetric", lambda d: d["vehicles"][0].update(profile="bike"), "vehicles[0].profile: no matrices.bike"),
    ("matrix_asymmetric", lambda d: d["vehicles"][0].update(max_distance=9), "vehicles[0].max_distance: needs"),
    ("matrix_asymmetric", lambda d: d["vehicles"][1].pop("capacity"), "vehicles[1].capacity: needed"),
    ("matrix_asymmetric", lambda d: d.update(matrix=[[0]]), "matrix: give either"),
    ("shipments", lambda d: d["vehicles"][0].update(capacity=[1, 2, 3, 4]), "vehicles[0].capacity: 4 amounts"),
    ("shipments", lambda d: d["shipments"][1]["delivery"].update(id=1), "shipments[1].delivery.id: repeated"),
    ("jobs_coordinates", lambda d: d["jobs"][3].pop("location"), "jobs[3].location: needed without matrices"),
    ("jobs_coordinates", lambda d: d["jobs"][3].update(location=[24.9, 91.0]), "jobs[3].location[1]: Input should"),
]


@pytest.mark.parametrize(("name", "change", "message"), REFUSED)
def test_what_lastmile_cannot_take_is_refused_naming_the_field(name: str, change: Change, message: str) -> None:
    data = fixture(name)
    change(data)
    if not message:  # accepted: a zero pickup amount is no pickup
        read_vroom(data)
        return
    with pytest.raises(InputError) as exc:
        read_vroom(data)
    assert str(exc.value).startswith(message), str(exc.value)


def test_a_vroom_output_names_what_it_cannot_match() -> None:
    s = solved("shipments")
    for change, message in (
        (lambda o: o["routes"][0].update(vehicle=99), "routes[0].vehicle: unknown vehicle 99"),
        (lambda o: o["routes"][0]["steps"][1].update(id=999), "routes[0].steps[1].id: unknown"),
        (lambda o: o["routes"][0]["steps"][1].update(type="visit"), "routes[0].steps[1].type: must be"),
        (lambda o: o.pop("routes"), "routes: a VROOM output needs a list of routes"),
    ):
        edited = copy.deepcopy(s.output)
        change(edited)
        with pytest.raises(InputError, match=message.replace("[", r"\[").replace("]", r"\]")):
            routes_from_vroom(s.problem, s.index, edited)


def test_check_finds_what_an_edited_output_breaks() -> None:
    s = solved("breaks_skills_priorities")
    edited = copy.deepcopy(s.output)
    first, second = edited["routes"][0]["steps"], edited["routes"][1]["steps"]
    moved = next(k for k, st in enumerate(first) if st["type"] == "job" and st["id"] == 1)  # needs skill 1
    second.insert(1, first.pop(moved))
    dropped = [st for st in second if st["type"] != "break"]
    edited["routes"][1]["steps"] = dropped
    routes = routes_from_vroom(s.problem, s.index, edited)
    assert routes[1].breaks == (len(routes[1].stops) + 1,) * 2  # left out: taken after the return
    kinds = {v.kind for v in check_routes(s.problem, s.matrix, routes).violations}
    assert ViolationKind.MISSING_SKILL in kinds and ViolationKind.BREAK_MISSED in kinds


def test_pyvrooms_own_plan_checks_clean() -> None:
    vroom = pytest.importorskip("vroom")
    s = solved("matrix_asymmetric")
    path = FIXTURES / "matrix_asymmetric.json"
    theirs = vroom.Input.from_json(path).solve(exploration_level=5, nb_threads=1).to_dict()
    report = check_routes(s.problem, s.matrix, routes_from_vroom(s.problem, s.index, theirs))
    assert report.violations == () and sum(len(r.stops) for r in report.plan.routes) == 5


def test_the_peer_benchmark_gives_both_solvers_lastmiles_own_travel_times() -> None:
    data = fixture("jobs_coordinates")
    problem, _, _ = read_vroom(data)
    own = StraightLineProvider().matrix(problem.locations(), ["bike", "car"])
    given, table, _ = read_vroom(with_matrices(data))
    assert table is not None
    matrix = table.matrix(given.locations(), ["bike", "car"])
    for profile in ("bike", "car"):
        assert (matrix.duration_s[profile] == own.duration_s[profile]).all()
        assert (matrix.distance_m[profile] == own.distance_m[profile]).all()
    c101 = solomon_to_vroom(read_instance(FIXTURES.parent / "C101.txt", "vrptw/solomon"))
    problem, table, index = read_vroom(c101)
    assert len(problem.orders) == 100 and len(problem.couriers) == 25 and index.distances
