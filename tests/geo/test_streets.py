"""Street lines for the tracking page's backdrop: a hand-made graph chained from junction to junction, thinned,
picked by box; the box widened to the sketch's shape; and the Helsinki road graph's lines."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from geo import RoadGraphProvider, StreetLines, box_around
from geo.streets import M_PER_DEG_LAT

PBF = Path(__file__).resolve().parents[2] / "data" / "helsinki.osm.pbf"
STEP = 0.001  # degrees of longitude between the nodes: about 55 m at latitude 60


# 0 – 1 – 2 – 3 with a branch 2 – 4 (both directions of 0 – 1 – 2 given), and a triangle 5 – 6 – 7 apart
LAT = [60.0, 60.0, 60.0, 60.0, 60.0 + STEP, 60.01, 60.01, 60.01 + STEP]
LON = [0, STEP, 2 * STEP, 3 * STEP, 2 * STEP, 0.0, STEP, 0.0]
EDGES = [(0, 1), (1, 0), (1, 2), (2, 1), (2, 3), (2, 4), (5, 6), (6, 7), (7, 5)]


def _graph() -> StreetLines:
    a, b = np.array(EDGES).T
    return StreetLines.from_graph(np.array(LAT), np.array(LON), a, b)


def _as_nodes(lines: list[list[tuple[float, float]]]) -> list[set[int]]:
    """Each line as the set of the graph's nodes it passes."""
    where = {(round(la, 5), round(lo, 5)): k for k, (la, lo) in enumerate(zip(LAT, LON, strict=True))}
    return [{where[p] for p in line} for line in lines]


def test_edges_are_chained_from_junction_to_junction_and_rings_closed() -> None:
    streets = _graph()
    lines = streets.within(-90, -180, 90, 180, limit=100)
    assert sorted(map(sorted, _as_nodes(lines))) == [[0, 1, 2], [2, 3], [2, 4], [5, 6, 7]]
    ring = next(line for line in lines if len(line) == 4)
    assert ring[0] == ring[-1]
    east, north = STEP * 111_320 * np.cos(np.radians(np.mean(LAT))), STEP * M_PER_DEG_LAT  # metres of one step
    triangle = east + np.hypot(east, north) + north
    assert sorted(streets.length_m) == pytest.approx(sorted([2 * east, east, north, triangle]))


def test_lines_are_picked_by_box_longest_first() -> None:
    streets = _graph()
    east = streets.within(59.99, 2.5 * STEP, 60.005, 4 * STEP, limit=100)
    assert _as_nodes(east) == [{2, 3}]
    (longest,) = streets.within(-90, -180, 90, 180, limit=1)
    assert len(longest) == 4  # the triangle: about 56 + 124 + 111 m
    assert streets.within(10, 10, 11, 11, limit=100) == []


def test_points_closer_than_a_few_metres_are_thinned() -> None:
    lon = np.arange(101) * 1e-5  # 101 nodes half a metre apart: a 55 m street
    streets = StreetLines.from_graph(np.full(101, 60.0), lon, np.arange(100), np.arange(1, 101))
    (line,) = streets.within(-90, -180, 90, 180, limit=10)
    assert line[0] == (60.0, 0.0) and line[-1] == (60.0, 0.001) and 5 <= len(line) <= 10


def test_the_box_gets_the_margin_and_the_shape() -> None:
    south, west, north, east = box_around([(60.0, 25.0)], margin_m=100, aspect=2)
    assert (north - south) * M_PER_DEG_LAT == pytest.approx(200)
    assert (east - west) * 111_320 * np.cos(np.radians(60)) == pytest.approx(400)
    tall = box_around([(60.0, 25.0), (60.02, 25.0)], margin_m=0, aspect=2)
    assert (tall[2] - tall[0]) == pytest.approx(0.02) and (tall[1] + tall[3]) / 2 == pytest.approx(25.0)


def test_the_helsinki_road_graph_has_street_lines() -> None:
    streets = RoadGraphProvider(PBF).streets()
    lines = streets.within(60.168, 24.940, 60.172, 24.946, limit=50)
    assert len(lines) == 50 and all(len(line) >= 2 for line in lines)
    assert all(60.16 < p[0] < 60.18 and 24.93 < p[1] < 24.96 for line in lines for p in line)
