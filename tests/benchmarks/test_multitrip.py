"""The multi-trip benchmark: its instance transform, the multi-trip checker, and lastmile's plans under that checker."""

from __future__ import annotations

import math
import random
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from benchmarks.checker import TripsCheckResult, check_trips
from benchmarks.convert import SCALE
from benchmarks.instances import Instance, read_instance
from benchmarks.multitrip import (
    RELOAD_TIME,
    Comparison,
    MultiTrip,
    check_multitrip,
    main,
    make_multitrip,
    multitrip_problem,
    report,
    solve_lastmile,
)
from routing import SolveParams

DATA = Path(__file__).resolve().parents[1] / "data"
# Ends on counts; the time limit is only a guard.
PARAMS = SolveParams(time_limit_s=60, solution_limit=200, metaheuristic="GREEDY_DESCENT", ruin_iterations=5)


def first_customers(instance: Instance, n: int) -> Instance:
    """``instance`` with only the depot and its first ``n`` customers."""
    keep = slice(0, n + 1)
    arrays = ("x", "y", "demand", "ready", "due", "service", "pickup_of", "delivery_of")
    return replace(instance, **{name: getattr(instance, name)[keep] for name in arrays})


def small_multitrip() -> MultiTrip:
    """RC201's first 25 customers for one vehicle (best-known 3 routes), its capacity cut to 100 so that it reloads."""
    instance = first_customers(read_instance(DATA / "RC201.txt", "vrptw/solomon"), 25)
    return replace(make_multitrip(instance, 3, seed=0), capacity=100)


# -- the transform ------------------------------------------------------------------------------------------------


def test_the_transform_is_deterministic_and_follows_its_rules() -> None:
    c101 = read_instance(DATA / "C101.txt", "vrptw/solomon")
    mt = make_multitrip(c101, 10, seed=0)
    again = make_multitrip(read_instance(DATA / "C101.txt", "vrptw/solomon"), 10, seed=0)
    assert replace(mt, instance=again.instance) == again
    assert (mt.fleet, mt.capacity, mt.reload_time, mt.max_duration) == (4, 100, RELOAD_TIME, 927)  # 0.75 × 1236
    offset = random.Random(0).randrange(4)
    assert sorted(mt.release) == list(range(1 + offset, 101, 4))
    for i, release in mt.release.items():
        reach = math.hypot(c101.x[i] - c101.x[0], c101.y[i] - c101.y[0])
        assert release == max(0, math.floor(min(c101.ready[i] / 2, c101.due[i] - reach)))
    assert {min(make_multitrip(c101, 10, seed=s).release) for s in range(8)} == {1, 2, 3, 4}  # the seed moves them
    alone = [check_multitrip(mt, [[[i]]]) for i in range(1, 101)]
    assert all(c.feasible for c in alone), [c.violations for c in alone if not c.feasible]


def test_the_lastmile_problem_carries_the_transform() -> None:
    mt = make_multitrip(read_instance(DATA / "C101.txt", "vrptw/solomon"), 10, seed=0)
    problem, _, nodes = multitrip_problem(mt)
    assert problem.sites[0].reload_s == RELOAD_TIME * SCALE
    assert len(problem.couriers) == 4
    assert all(
        c.max_trips is None and c.max_duration_s == 927 * SCALE and c.capacity.weight_g == 100 for c in problem.couriers
    )
    ready = {nodes[problem.delivery_node(o)]: order.ready_s for o, order in enumerate(problem.orders)}
    assert {i: r for i, r in ready.items() if r is not None} == {i: r * SCALE for i, r in mt.release.items()}


def test_a_fleet_above_the_instance_vehicles_is_refused() -> None:
    mt = make_multitrip(read_instance(DATA / "C101.txt", "vrptw/solomon"), 10, seed=0)
    with pytest.raises(ValueError, match="fleet 26"):
        multitrip_problem(replace(mt, fleet=26))


# -- the checker --------------------------------------------------------------------------------------------------


def depot_and_three(ready: tuple[float, ...] = (0, 0, 0, 0), due: tuple[float, ...] = (100, 50, 50, 40)) -> Instance:
    """Depot at (0, 0); node 1 at (3, 4), node 2 at (6, 8), node 3 at (0, 5); demands 3, 4, 5; service 1."""
    return Instance(
        "test",
        "three",
        "vrptw",
        2,
        7,
        np.array([0.0, 3, 6, 0]),
        np.array([0.0, 4, 8, 5]),
        np.array([0, 3, 4, 5]),
        np.array(ready, float),
        np.array(due, float),
        np.array([0.0, 1, 1, 1]),
        np.zeros(4, np.int64),
        np.zeros(4, np.int64),
    )


VALID = [[[1, 2], [3]]]  # back at 22, reloads until 32, serves node 3 at 37, back at 43


def check(
    routes: list[list[list[int]]],
    instance: Instance | None = None,
    *,
    reload_time: float = 10,
    release: dict[int, float] | None = None,
    max_duration: float | None = 43,
    capacity: int = 7,
    fleet: int | None = 1,
) -> tuple[bool, tuple[str, ...]]:
    result = check_trips(
        instance or depot_and_three(),
        routes,
        reload_time=reload_time,
        release=release or {},
        max_duration=max_duration,
        capacity=capacity,
        fleet=fleet,
    )
    return result.feasible, result.violations


def test_a_valid_multi_trip_day_and_its_figures() -> None:
    result = check_trips(depot_and_three(), VALID, reload_time=10, release={}, max_duration=43, capacity=7, fleet=1)
    assert result.feasible, result.violations
    assert (result.vehicles, result.trips, result.served) == (1, 2, 3)
    assert result.distance == pytest.approx(5 + 5 + 10 + 5 + 5)


def test_a_trip_over_capacity() -> None:
    assert check([[[1, 2, 3]]], max_duration=None) == (False, ("vehicle 0 trip 0: demand 12 above capacity 7",))


def test_the_reload_time_is_needed_between_trips() -> None:
    tight = depot_and_three(due=(100, 50, 50, 36))
    assert check(VALID, tight, reload_time=0)[0]
    assert check(VALID, tight) == (
        False,
        ("vehicle 0 trip 1 (leaves 32.0000): node 3 starts at 37.0000 after due 36.0",),
    )


def test_a_trip_leaves_no_earlier_than_its_release_times() -> None:
    assert check(VALID, release={3: 32})[0]  # released when the reload is done anyway
    assert check(VALID, release={3: 36}, max_duration=None) == (
        False,
        ("vehicle 0 trip 1 (leaves 36.0000): node 3 starts at 41.0000 after due 40.0",),
    )
    assert check(VALID, release={2: 30}, max_duration=None) == (  # the first trip too
        False,
        ("vehicle 0 trip 1 (leaves 62.0000): node 3 starts at 67.0000 after due 40.0",),
    )


def test_the_day_is_measured_from_the_latest_useful_departure() -> None:
    assert check(VALID, max_duration=42) == (False, ("vehicle 0: duration 43.0000 above 42",))
    late_first = depot_and_three(ready=(0, 20, 0, 0), due=(100, 50, 50, 100))
    assert check(VALID, late_first, max_duration=43)[0]  # leaves at 15 instead of waiting at node 1 from 5 to 20
    pinned_first = depot_and_three(ready=(0, 0, 0, 60), due=(100, 5, 50, 100))
    assert check(VALID, pinned_first, max_duration=66)[0]  # node 1 at 5 pins the start: the wait for node 3 counts
    assert check(VALID, pinned_first, max_duration=65) == (False, ("vehicle 0: duration 66.0000 above 65",))


def test_customers_twice_the_fleet_the_depot_and_unknown_nodes() -> None:
    assert check([[[1], [2, 1]]], max_duration=None) == (False, ("customers visited more than once: [1]",))
    assert check([[[1], [2]], [[3]]], max_duration=None) == (False, ("2 vehicles used, the fleet has 1",))
    assert check([[[1, 0, 2, 9]]], max_duration=None) == (
        False,
        ("vehicle 0 trip 0: the depot inside a trip", "vehicle 0 trip 0: unknown node 9"),
    )


def test_empty_trips_and_days_are_skipped() -> None:
    result = check_trips(
        depot_and_three(), [[], [[], [1, 2], [], [3]]], reload_time=10, release={}, max_duration=43, capacity=7
    )
    assert result.feasible and (result.vehicles, result.trips, result.served) == (1, 2, 3)


def test_check_trips_takes_vrptw_only() -> None:
    pdptw = replace(depot_and_three(), kind="pdptw")
    with pytest.raises(ValueError, match="VRPTW"):
        check_trips(pdptw, VALID, reload_time=0, release={}, max_duration=None, capacity=7)


# -- the solvers --------------------------------------------------------------------------------------------------


def test_lastmile_plan_on_a_small_instance_passes_the_checker() -> None:
    mt = small_multitrip()
    problem, matrix, nodes = multitrip_problem(mt)
    days, _ = solve_lastmile(problem, matrix, nodes, PARAMS, seed=0)
    result = check_multitrip(mt, days)
    assert result.feasible, result.violations
    assert result.served > 0 and result.trips > result.vehicles  # it reloads


def test_pyvrp_model_agrees_with_the_checker() -> None:
    pyvrp = pytest.importorskip("pyvrp")
    from benchmarks.pyvrp_peer import pyvrp_data

    mt = small_multitrip()
    data = pyvrp_data(*multitrip_problem(mt)[:2], reloads=True)
    rng = random.Random(0)
    verdicts = set()
    for _ in range(200):
        customers = rng.sample(range(1, 26), rng.randint(1, 6))
        customers.sort(key=lambda i: mt.instance.ready[i] + rng.uniform(-30, 30))
        cut = rng.randint(0, len(customers) - 1)
        day = [trip for trip in (customers[:cut], customers[cut:]) if trip]
        visits = [pyvrp.Activity(pyvrp.ActivityType.CLIENT, i - 1) for i in day[0]]
        if len(day) > 1:
            visits += [pyvrp.Activity(pyvrp.ActivityType.DEPOT, 0)]
            visits += [pyvrp.Activity(pyvrp.ActivityType.CLIENT, i - 1) for i in day[1]]
        ours = check_multitrip(mt, [day]).feasible
        assert pyvrp.Route(data, visits, 0).is_feasible() == ours, day
        verdicts.add(ours)
    assert verdicts == {True, False}


# -- the command line and the report ------------------------------------------------------------------------------


def test_a_missing_data_dir_exits_2_without_a_traceback(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--data-dir", str(tmp_path / "nowhere"), "--time-limit", "1"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "Traceback" not in err


def test_the_report_sums_up_and_averages_only_like_for_like() -> None:
    pytest.importorskip("pyvrp")

    def result(served: int, distance: float, feasible: bool = True) -> TripsCheckResult:
        return TripsCheckResult(
            feasible, 2, 3, served, distance, () if feasible else ("vehicle 0: duration 9 above 8",)
        )

    rows = [
        Comparison("a", 10, 10, 2, result(10, 101.0), result(10, 100.0)),
        Comparison("b", 10, 9, 2, result(9, 90.0), result(8, 100.0)),
        Comparison("c", 10, 10, 2, result(10, 50.0, feasible=False), result(10, 100.0)),
    ]
    text = report(rows, 3, 0)
    assert "| a | 10 (10) | 2 | 10 | 101.00 | 3 | yes | 10 | 100.00 | 3 | yes | +1.00 |" in text
    assert "| b | 10 (9) | 2 | 9 | 90.00 | 3 | yes | 8 | 100.00 | 3 | yes | (-10.00) |" in text
    assert "| c | 10 (10) | 2 | 10 | 50.00 | 3 | NO | 10 | 100.00 | 3 | yes | - |" in text
    served = "- served, on the 3 instances where PyVRP returned: lastmile 29, PyVRP 28 (lastmile serves fewer on 0)"
    assert served in text
    assert "+1.00 % over 1 instances" in text
    assert "at least as many customers: met; drives at most 2 % more on the mean: met" in text
    assert "- c lastmile violations: vehicle 0: duration 9 above 8" in text
