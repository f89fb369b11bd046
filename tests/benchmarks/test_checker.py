"""The independent checker, on hand-made instances and on the known optimal C101 solution."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import numpy as np
import pytest

from benchmarks.checker import check_routes
from benchmarks.instances import Instance, read_instance

DATA = Path(__file__).resolve().parents[1] / "data"


def tiny(
    kind: Literal["vrptw", "pdptw"] = "vrptw",
    demand: tuple[int, ...] = (0, 3, 4),
    capacity: int = 10,
    due: tuple[float, ...] = (100, 50, 50),
    ready: tuple[float, ...] = (0, 0, 0),
    pairs: tuple[int, int] | None = None,
) -> Instance:
    """Depot at (0, 0), node 1 at (3, 4), node 2 at (6, 8); service 1 everywhere but the depot."""
    n = len(demand)
    pickup_of, delivery_of = np.zeros(n, np.int64), np.zeros(n, np.int64)
    if pairs:
        pickup, delivery = pairs
        pickup_of[delivery], delivery_of[pickup] = pickup, delivery
    return Instance(
        "test",
        "tiny",
        kind,
        2,
        capacity,
        np.array([0.0, 3, 6]),
        np.array([0.0, 4, 8]),
        np.array(demand),
        np.array(ready, float),
        np.array(due, float),
        np.array([0.0, 1, 1]),
        pickup_of,
        delivery_of,
    )


def test_feasible_route_and_its_exact_length() -> None:
    result = check_routes(tiny(), [[1, 2]])
    assert result.feasible and result.vehicles == 1
    assert result.distance == pytest.approx(5 + 5 + 10)


def test_waiting_for_a_window_is_allowed_and_counts_in_time() -> None:
    assert check_routes(tiny(ready=(0, 30, 0), due=(100, 50, 36)), [[1, 2]]).feasible  # waits 25, serves 31-32
    assert check_routes(tiny(ready=(0, 30, 0), due=(100, 50, 35)), [[1, 2]]).violations == (
        "route 0: node 2 starts at 36.0000 after due 35.0",
    )


def test_late_arrival_and_late_return_are_found() -> None:
    late = check_routes(tiny(due=(100, 4, 50)), [[1, 2]])
    assert not late.feasible and "node 1 starts at 5.0000 after due 4.0" in late.violations[0]
    back = check_routes(tiny(due=(15, 50, 50)), [[1, 2]])
    assert any("back at the depot" in v for v in back.violations)


def test_capacity() -> None:
    assert "demand above capacity 5" in check_routes(tiny(capacity=5), [[1, 2]]).violations[0]
    assert check_routes(tiny(capacity=5), [[1], [2]]).feasible


def test_pickup_and_delivery_order_and_load() -> None:
    pd = tiny("pdptw", demand=(0, 3, -3), pairs=(1, 2))
    assert check_routes(pd, [[1, 2]]).feasible
    assert any("before (or without) its pickup" in v for v in check_routes(pd, [[2, 1]]).violations)
    assert any("without) its pickup" in v for v in check_routes(pd, [[1], [2]]).violations)
    heavy = tiny("pdptw", demand=(0, 12, -12), pairs=(1, 2))
    assert any("load 12" in v for v in check_routes(heavy, [[1, 2]]).violations)


def test_missing_duplicated_and_unknown_customers() -> None:
    assert "1 customers not visited" in check_routes(tiny(), [[1]]).violations[0]
    assert any("more than once" in v for v in check_routes(tiny(), [[1, 2], [1]]).violations)
    assert any("unknown node 7" in v for v in check_routes(tiny(), [[1, 2, 7]]).violations)


def test_known_optimal_c101_solution() -> None:
    routes = [
        [5, 3, 7, 8, 10, 11, 9, 6, 4, 2, 1, 75],
        [13, 17, 18, 19, 15, 16, 14, 12],
        [20, 24, 25, 27, 29, 30, 28, 26, 23, 22, 21],
        [32, 33, 31, 35, 37, 38, 39, 36, 34],
        [43, 42, 41, 40, 44, 46, 45, 48, 51, 50, 52, 49, 47],
        [57, 55, 54, 53, 56, 58, 60, 59],
        [67, 65, 63, 62, 74, 72, 61, 64, 68, 66, 69],
        [81, 78, 76, 71, 70, 73, 77, 79, 80],
        [90, 87, 86, 83, 82, 84, 85, 88, 89, 91],
        [98, 96, 95, 94, 92, 93, 97, 100, 99],
    ]
    result = check_routes(read_instance(DATA / "C101.txt", "vrptw/solomon"), routes)
    assert result.feasible, result.violations
    assert result.vehicles == 10 and result.distance == pytest.approx(828.94, abs=0.005)
