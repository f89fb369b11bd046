"""Distances against geopy, the straight-line provider, the Helsinki road graph with its cache, and zones."""

from __future__ import annotations

import itertools
from pathlib import Path

import networkx as nx
import numpy as np
import pytest
from geopy.distance import great_circle

import geo.roads
from geo import (
    RoadGraphProvider,
    StraightLineProvider,
    haversine_m,
    haversine_matrix_m,
    load_road_graph,
    points_in_zone,
    zone_polygon,
)

PBF = Path(__file__).resolve().parents[2] / "data" / "helsinki.osm.pbf"
rng = np.random.default_rng(3)
CITY = np.column_stack([rng.uniform(60.1655, 60.1780, 20), rng.uniform(24.9365, 24.9520, 20)]).tolist()


def test_haversine_matches_geopy_great_circle() -> None:
    points = np.column_stack([rng.uniform(-80, 80, 200), rng.uniform(-179, 179, 200)])
    ours = haversine_m(points[:-1, 0], points[:-1, 1], points[1:, 0], points[1:, 1])
    theirs = [great_circle(tuple(a), tuple(b), radius=6371.0088).m for a, b in itertools.pairwise(points)]
    assert np.allclose(ours, theirs, rtol=1e-9)


def test_haversine_matrix_is_symmetric_with_zero_diagonal() -> None:
    m = haversine_matrix_m(CITY)
    assert np.allclose(m, m.T) and not np.diag(m).any() and (m[~np.eye(len(CITY), dtype=bool)] > 0).all()


def test_straight_line_provider_uses_detour_and_speed() -> None:
    m = StraightLineProvider(detour_factor=1.5).matrix([(60.0, 24.0), (60.01, 24.0)], ["foot", "car"])
    metres = great_circle((60.0, 24.0), (60.01, 24.0), radius=6371.0088).m * 1.5
    assert m.distance_m["foot"][0, 1] == round(metres)
    assert m.duration_s["foot"][0, 1] == round(metres / (5 / 3.6))
    assert m.duration_s["car"][0, 1] == round(metres / (25 / 3.6))
    with pytest.raises(ValueError, match="unknown vehicle profile 'rocket'"):
        StraightLineProvider().matrix([(60.0, 24.0)], ["rocket"])


@pytest.fixture(scope="module")
def provider() -> RoadGraphProvider:
    return RoadGraphProvider(PBF)


@pytest.mark.parametrize("profile", ["car", "bike", "foot"])
def test_road_graph_is_strongly_connected_with_lengths(profile: str) -> None:
    graph = load_road_graph(PBF, profile)
    assert graph.number_of_nodes() > 1000 and nx.is_strongly_connected(graph)
    for a, b, data in list(graph.edges(data=True))[:200]:
        straight = haversine_m(
            graph.nodes[a]["lat"], graph.nodes[a]["lon"], graph.nodes[b]["lat"], graph.nodes[b]["lon"]
        )
        assert data["length_m"] == pytest.approx(float(straight)) and data["travel_s"] > 0


def test_walkers_have_more_streets_than_cars() -> None:
    assert load_road_graph(PBF, "foot").number_of_nodes() > load_road_graph(PBF, "car").number_of_nodes()


def test_road_matrix_is_no_shorter_than_the_crow_flies(provider: RoadGraphProvider) -> None:
    m = provider.matrix(CITY, ["car", "bike"])
    crow = haversine_matrix_m(CITY)
    for profile in ("car", "bike"):
        distance, duration = m.distance_m[profile], m.duration_s[profile]
        assert not np.diag(distance).any() and not np.diag(duration).any()
        assert (distance >= np.floor(crow) - 1).all()
    off = ~np.eye(len(CITY), dtype=bool)
    car_kph = 3.6 * m.distance_m["car"][off] / m.duration_s["car"][off]
    assert 5 < np.median(car_kph) < 50


def test_road_matrix_cache_is_reused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first = RoadGraphProvider(PBF, cache_dir=tmp_path).matrix(CITY, ["bike"])
    assert len(list(tmp_path.glob("*.npz"))) == 1

    def no_dijkstra(*args: object, **kwargs: object) -> None:
        raise AssertionError("the cached matrix should have been used")

    monkeypatch.setattr(geo.roads, "dijkstra", no_dijkstra)
    again = RoadGraphProvider(PBF, cache_dir=tmp_path).matrix(CITY, ["bike"])
    assert (again.duration_s["bike"] == first.duration_s["bike"]).all()


def test_zones() -> None:
    zone = zone_polygon([(60.16, 24.93), (60.16, 24.95), (60.18, 24.95), (60.18, 24.93)])
    assert points_in_zone(zone, [(60.17, 24.94), (60.19, 24.94), (60.17, 24.96)]).tolist() == [True, False, False]
    with pytest.raises(ValueError, match="at least 3 vertices"):
        zone_polygon([(0, 0), (1, 1)])
    with pytest.raises(ValueError, match="invalid polygon"):
        zone_polygon([(0, 0), (1, 1), (0, 1), (1, 0)])


def test_legs_agree_with_the_matrix_both_ways(provider: RoadGraphProvider) -> None:
    points = [(60.1688, 24.9372), (60.1712, 24.9466), (60.1662, 24.9425), (60.1760, 24.9500)]
    for legs in (provider, StraightLineProvider()):
        full = legs.matrix(points, ["bike"])
        out_m, out_s = legs.legs(points[:1], points, "bike")
        in_m, in_s = legs.legs(points, points[:1], "bike")
        assert out_m[0].tolist() == full.distance_m["bike"][0].tolist()
        assert out_s[0].tolist() == full.duration_s["bike"][0].tolist()
        assert in_m[:, 0].tolist() == full.distance_m["bike"][:, 0].tolist()
        assert in_s[:, 0].tolist() == full.duration_s["bike"][:, 0].tolist()
