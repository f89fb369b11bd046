"""Street paths on the Helsinki road graph: from stop to stop exactly, the matrix's figures, the fastest way; and
the Douglas–Peucker simplification that thins them."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from geo import Leg, PathProvider, RoadGraphProvider, StraightLineProvider, load_road_graph
from geo.haversine import haversine_m
from geo.matrix import Point
from geo.paths import joined_path, legs_by_profile, simplify_path
from geo.profiles import speed_kph

PBF = Path(__file__).resolve().parents[2] / "data" / "helsinki.osm.pbf"
rng = np.random.default_rng(26)
POINTS: list[Point] = [
    (float(lat), float(lon))
    for lat, lon in zip(rng.uniform(60.1655, 60.1780, 12), rng.uniform(24.9365, 24.9520, 12), strict=True)
]
PAIRS = [(POINTS[a], POINTS[b]) for a, b in rng.permutation(list(itertools.permutations(range(12), 2)))[:30]]


def _length_m(path: tuple[Point, ...] | list[Point]) -> float:
    a = np.array(path)
    return float(haversine_m(a[:-1, 0], a[:-1, 1], a[1:, 0], a[1:, 1]).sum())


@pytest.fixture(scope="module")
def roads() -> RoadGraphProvider:
    return RoadGraphProvider(PBF)


@pytest.mark.parametrize("profile", ["bike", "car"])
def test_a_leg_runs_from_stop_to_stop_with_the_matrix_figures(roads: RoadGraphProvider, profile: str) -> None:
    matrix = roads.matrix(POINTS, [profile])
    legs = roads.paths(PAIRS, profile)
    full = roads.paths(PAIRS, profile, tolerance_m=0)
    for (origin, destination), leg, whole in zip(PAIRS, legs, full, strict=True):
        a, b = POINTS.index(origin), POINTS.index(destination)
        assert leg.path[0] == whole.path[0] == origin and leg.path[-1] == whole.path[-1] == destination
        assert (leg.distance_m, leg.duration_s) == (matrix.distance_m[profile][a, b], matrix.duration_s[profile][a, b])
        # the matrix distance is the drawn path's length, to the rounding of metres and of each edge to decimetres
        edges = len(whole.path) - 3
        assert _length_m(whole.path) == pytest.approx(leg.distance_m, abs=0.5 + 0.05 * edges)
        assert 2 <= len(leg.path) < len(whole.path)
        assert _length_m(whole.path) - 10 <= _length_m(leg.path) <= _length_m(whole.path) + 1e-6


@pytest.mark.parametrize("profile", ["bike", "car"])
def test_the_path_is_the_fastest_one(roads: RoadGraphProvider, profile: str) -> None:
    graph = load_road_graph(PBF, profile)
    node_at = {(data["lat"], data["lon"]): n for n, data in graph.nodes(data=True)}
    for leg in roads.paths(PAIRS[:12], profile, tolerance_m=0):
        nodes = [node_at[p] for p in leg.path[1:-1]]
        travel_s = sum(graph.edges[u, v]["travel_s"] for u, v in itertools.pairwise(nodes))
        walk_m = _length_m(leg.path[:2]) + _length_m(leg.path[-2:])
        assert travel_s + walk_m / (speed_kph(profile) / 3.6) == pytest.approx(leg.duration_s, abs=1)


def test_a_leg_to_the_same_point_stays_there(roads: RoadGraphProvider) -> None:
    here = POINTS[0]
    assert roads.paths([(here, here)], "bike") == [Leg((here, here), 0, 0)]
    assert roads.paths([], "bike") == []


def test_legs_are_asked_once_per_profile_and_joined() -> None:
    class Counting:
        def __init__(self) -> None:
            self.calls: list[tuple[str, int]] = []

        def paths(self, pairs: Sequence[tuple[Point, Point]], profile: str) -> list[Leg]:
            self.calls.append((profile, len(pairs)))
            return [Leg((a, b), 1, 1) for a, b in pairs]

    counting = Counting()
    a, b, c = POINTS[:3]
    legs = legs_by_profile(counting, [("bike", a, b), ("bike", b, c), ("car", a, b), ("bike", a, b)])
    assert sorted(counting.calls) == [("bike", 2), ("car", 1)]
    assert joined_path([legs[("bike", a, b)], legs[("bike", b, c)]]) == [a, b, c]
    assert isinstance(counting, PathProvider) and isinstance(RoadGraphProvider(PBF), PathProvider)
    assert not isinstance(StraightLineProvider(), PathProvider)


def test_simplification_keeps_the_ends_and_the_corners() -> None:
    step = 1e-4  # degrees: about 11 m of latitude, 5.5 m of longitude at 60 degrees north
    east = [(60.0 + (k % 2) * 1e-6, 25.0 + k * step) for k in range(10)]  # a street with 11 cm wiggles
    north = [(60.0 + k * step, 25.0 + 9 * step) for k in range(1, 10)]
    line = np.array(east + north)
    kept = simplify_path(line)
    assert kept.tolist() == [list(east[0]), list(east[-1]), list(north[-1])]
    assert simplify_path(line, tolerance_m=0) is line
    assert len(simplify_path(line, tolerance_m=0.01)) > len(kept)  # the wiggles count at a centimetre
