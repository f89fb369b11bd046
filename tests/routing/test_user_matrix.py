"""The user's own travel matrices: in the problem or in a --matrix file, validated naming the field, and solving
exactly as the provider whose numbers they hold."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from geo import Matrix, MatrixTable, StraightLineProvider
from geo.table import NO_ROUTE_S
from routing import InputError, Problem, SolveParams, solve
from routing.problem_json import problem_to_json, read_problem
from routing.user_matrix import load_matrix_file

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "sample_problem.json"
PARAMS = SolveParams(time_limit_s=60, solution_limit=50, metaheuristic="GREEDY_DESCENT", ruin_iterations=5)


def _small() -> dict[str, Any]:
    """The sample problem cut to its first 25 orders, as JSON."""
    data = json.loads(SAMPLE.read_text())
    data["orders"] = data["orders"][:25]
    return data


def _with_matrices(data: dict[str, Any], matrix: Matrix, distances: bool = True) -> dict[str, Any]:
    own = {
        p: {
            "durations": matrix.duration_s[p].tolist(),
            **({"distances": matrix.distance_m[p].tolist()} if distances else {}),
        }
        for p in matrix.profiles
    }
    return {**data, "matrices": own}


def _provider_matrix(problem: Problem) -> Matrix:
    return StraightLineProvider().matrix(problem.locations(), sorted({c.profile for c in problem.couriers}))


def _routes(problem: Problem, matrix: Matrix) -> list[tuple[int, tuple[int, ...], int]]:
    plan = solve(problem, matrix, params=PARAMS)
    return [(r.courier, r.orders, r.distance_m) for r in plan.routes]


def test_a_problem_with_its_own_matrices_solves_as_with_the_provider_they_came_from() -> None:
    problem, none = read_problem(_small())
    assert none is None
    given = _provider_matrix(problem)
    again, table = read_problem(_with_matrices(_small(), given))
    assert table is not None and again == problem
    cut = table.matrix(problem.locations(), given.profiles)
    for p in given.profiles:
        assert np.array_equal(cut.duration_s[p], given.duration_s[p])
        assert np.array_equal(cut.distance_m[p], given.distance_m[p])
    assert _routes(problem, cut) == _routes(problem, given)


def test_rows_placed_by_location_index_are_read_in_that_order() -> None:
    problem, _ = read_problem(_small())
    given = _provider_matrix(problem)
    n = given.size
    order = np.random.default_rng(0).permutation(n)  # row k of the file is node order[k]
    where = np.argsort(order)  # node j is row where[j]
    shuffled = Matrix(
        {p: a[np.ix_(order, order)] for p, a in given.distance_m.items()},
        {p: a[np.ix_(order, order)] for p, a in given.duration_s.items()},
    )
    data = _with_matrices(_small(), shuffled)
    nodes = [*data["sites"], *data["orders"]]
    for j, node in enumerate(nodes):
        node["location_index"] = int(where[j])
    _, table = read_problem(data)
    assert table is not None
    cut = table.matrix(problem.locations(), given.profiles)
    assert all(np.array_equal(cut.duration_s[p], given.duration_s[p]) for p in given.profiles)


def _line(durations: list[list[int | None]]) -> dict[str, Any]:
    """A site and two orders on a line, one bike, with the given bike durations."""
    day = {"start": "2026-11-23T08:00:00+02:00", "end": "2026-11-23T12:00:00+02:00"}
    return {
        "sites": [{"id": "s", "kind": "store", "location": [60.0, 24.0], "opening": day}],
        "couriers": [
            {"id": "c", "site": "s", "shift": day, "profile": "bike", "capacity": {"weight_g": 10_000}, "max_trips": 1}
        ],
        "orders": [
            {"id": f"o{k}", "location": [60.0, 24.0 + 0.01 * k], "windows": [day], "weight_g": 100} for k in (1, 2)
        ],
        "matrices": {"bike": {"durations": durations}},
    }


def test_an_asymmetric_matrix_sets_the_direction_of_the_route() -> None:
    # one-way streets: s -> o2 -> o1 -> s costs 100 + 100 + 100; the other way round 100 + 900 + 900
    durations = [[0, 900, 100], [100, 0, 900], [900, 100, 0]]
    problem, table = read_problem(_line(durations))  # type: ignore[arg-type]
    assert table is not None
    matrix = table.matrix(problem.locations(), ["bike"])
    assert matrix.distance_m["bike"][0, 2] == round(100 * 15 / 3.6)  # no distances given: duration at bike speed
    plan = solve(problem, matrix, params=PARAMS)
    (route,) = plan.routes
    assert [problem.orders[o].id for o in route.orders] == ["o2", "o1"]
    assert route.distance_m == 3 * round(100 * 15 / 3.6)


def test_null_is_no_route_and_a_node_no_courier_can_reach_is_refused() -> None:
    _, table = read_problem(_line([[0, None, 100], [100, 0, 900], [900, 100, 0]]))  # o1 through o2
    assert table is not None and table.table.duration_s["bike"][0, 1] == NO_ROUTE_S
    with pytest.raises(InputError, match=r"^matrices: orders\[0\] \(o1\) cannot be reached from any courier's site"):
        read_problem(_line([[0, None, 100], [100, 0, 900], [900, None, 0]]))  # nothing leads to o1


def _bike(d: dict[str, Any]) -> Any:
    return d["matrices"]["bike"]


def _nodes(d: dict[str, Any]) -> list[dict[str, Any]]:
    return [*d["sites"], *d["orders"]]


WRONG: dict[str, tuple[Any, str]] = {
    "too few rows": (lambda d: _bike(d)["durations"].pop(), r"^matrices\.bike\.durations\[0\]: 3 values in a matrix"),
    "not square": (lambda d: _bike(d)["durations"][1].pop(), r"^matrices\.bike\.durations\[1\]: 2 values"),
    "negative": (
        lambda d: _bike(d)["durations"][1].__setitem__(2, -5),
        r"^matrices\.bike\.durations\[1\]\[2\]: negative",
    ),
    "NaN": (
        lambda d: _bike(d)["durations"][2].__setitem__(0, float("nan")),
        r"^matrices\.bike\.durations\[2\]\[0\]: Input should be a finite number",
    ),
    "a string": (lambda d: _bike(d)["durations"][2].__setitem__(0, "9"), r"durations\[2\]\[0\]: .*valid number"),
    "missing profile": (
        lambda d: d["matrices"].__setitem__("car", d["matrices"].pop("bike")),
        r"^matrices: no 'bike' matrix, which couriers\[0\] \(c\) rides",
    ),
    "unknown profile": (
        lambda d: d["matrices"].__setitem__("van", {}),
        r"^matrices\.van: Input should be 'bike', 'car' or 'foot'",
    ),
    "distances of another size": (
        lambda d: _bike(d).__setitem__("distances", [[0, 1], [1, 0]]),
        r"^matrices\.bike\.distances: 2 rows, but there are 3",
    ),
    "some location_index": (
        lambda d: d["orders"][0].__setitem__("location_index", 1),
        r"^sites\[0\]\.location_index: missing, while orders\[0\] has one",
    ),
    "one index, two places": (
        lambda d: [n.setdefault("location_index", 0) for n in _nodes(d)],
        r"^orders\[0\]\.location: not that of sites\[0\], which has the same location_index 0",
    ),
    "index past the end": (
        lambda d: [n.setdefault("location_index", k + 1) for k, n in enumerate(_nodes(d))],
        r"^orders\[1\]\.location_index: 3, but the matrices have 3 locations",
    ),
}


@pytest.mark.parametrize("case", sorted(WRONG))
def test_a_wrong_matrix_is_refused_naming_the_field(case: str) -> None:
    change, message = WRONG[case]
    data = _line([[0, 900, 100], [100, 0, 900], [900, 100, 0]])
    change(data)
    with pytest.raises(InputError, match=message):
        read_problem(data)


def test_a_matrix_file_in_json_or_npz_gives_the_same_table(tmp_path: Path) -> None:
    problem, _ = read_problem(_small())
    given = _provider_matrix(problem)
    as_json = tmp_path / "m.json"
    as_json.write_text(json.dumps({"matrices": _with_matrices({}, given)["matrices"]}))
    as_npz = tmp_path / "m.npz"
    locations = np.array(problem.locations())[::-1]  # rows in reverse node order, placed by their locations
    reverse = slice(None, None, -1)
    arrays: dict[str, Any] = {f"{p}_durations": given.duration_s[p][reverse, reverse] for p in given.profiles}
    arrays |= {f"{p}_distances": given.distance_m[p][reverse, reverse] for p in given.profiles}
    np.savez(as_npz, locations=locations, **arrays)
    for path in (as_json, as_npz):
        cut = load_matrix_file(path, problem).matrix(problem.locations(), given.profiles)
        assert all(np.array_equal(cut.distance_m[p], given.distance_m[p]) for p in given.profiles), path


def test_a_wrong_matrix_file_is_refused_naming_it(tmp_path: Path) -> None:
    problem, _ = read_problem(_small())
    bad = tmp_path / "m.npz"
    np.savez(bad, bike_durations=np.zeros((3, 3)))
    with pytest.raises(InputError, match=r"^--matrix\.bike\.durations: 3 rows, but there are"):
        load_matrix_file(bad, problem)
    np.savez(bad, lorry_durations=np.zeros((3, 3)))
    with pytest.raises(InputError, match=r"^--matrix: unknown array 'lorry_durations'"):
        load_matrix_file(bad, problem)


def test_a_point_the_matrix_does_not_hold_is_an_input_error() -> None:
    table = MatrixTable([(60.0, 24.0), None], Matrix.from_arrays({"car": [[0, 1], [1, 0]]}, {"car": [[0, 1], [1, 0]]}))
    with pytest.raises(InputError, match=r"^location 61.0, 24.0: not one of the travel matrix's locations"):
        table.legs([(60.0, 24.0)], [(61.0, 24.0)], "car")
    with pytest.raises(InputError, match=r"^profile: the travel matrix has no 'bike' profile"):
        table.legs([(60.0, 24.0)], [(60.0, 24.0)], "bike")


def test_the_problem_written_back_has_no_matrices() -> None:
    problem, _ = read_problem(_with_matrices(_small(), _provider_matrix(read_problem(_small())[0])))
    assert "matrices" not in problem_to_json(problem)
