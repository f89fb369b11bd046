"""The GeoJSON of a plan on the Helsinki streets: each trip's line follows them from stop to stop, its legs carry
the matrix's figures; without a path provider the lines stay straight."""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any

import pytest

from geo import RoadGraphProvider
from routing import Plan, Problem, SolveParams, parse_problem, solve
from routing.plan_json import plan_to_geojson

DATA = Path(__file__).resolve().parents[2] / "data"


@pytest.fixture(scope="module")
def solved() -> tuple[Problem, Plan, RoadGraphProvider]:
    data = json.loads((DATA / "sample_problem.json").read_text())
    data["orders"] = data["orders"][:20]
    problem = parse_problem(data)
    roads = RoadGraphProvider(DATA / "helsinki.osm.pbf")
    matrix = roads.matrix(problem.locations(), sorted({c.profile for c in problem.couriers}))
    plan = solve(problem, matrix, params=SolveParams(time_limit_s=600, solution_limit=50))
    return problem, plan, roads


def _lines(collection: dict[str, Any]) -> list[dict[str, Any]]:
    return [f for f in collection["features"] if f["geometry"]["type"] == "LineString"]


def test_trips_follow_the_streets_from_stop_to_stop(solved: tuple[Problem, Plan, RoadGraphProvider]) -> None:
    problem, plan, roads = solved
    straight = _lines(plan_to_geojson(problem, plan))
    streets = _lines(plan_to_geojson(problem, plan, roads))
    assert len(streets) == len(straight) == plan.summary.trips > 0
    where = {s.id: s.location for s in problem.sites} | {o.id: o.location for o in problem.orders}
    for plain, street in zip(straight, streets, strict=True):
        line, properties = street["geometry"]["coordinates"], street["properties"]
        assert "legs" not in plain["properties"]
        assert line[0] == plain["geometry"]["coordinates"][0] and line[-1] == plain["geometry"]["coordinates"][-1]
        assert len(line) > len(plain["geometry"]["coordinates"])  # the streets bend between the stops
        legs = properties["legs"]
        assert len(legs) == properties["stops"] + 1
        assert sum(leg["distance_m"] for leg in legs) == properties["distance_m"]
        stops = [[where[legs[0]["from"]][1], where[legs[0]["from"]][0]]]
        stops += [[where[leg["to"]][1], where[leg["to"]][0]] for leg in legs]
        assert stops == plain["geometry"]["coordinates"]  # from / to name the stops the straight line joins
        assert all(leg["to"] == after["from"] for leg, after in itertools.pairwise(legs))
        assert all(p in line for p in stops)  # the street line passes every stop exactly
