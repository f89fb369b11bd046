"""A simulated day on a user's matrix: promises, ETAs, trips and re-plans all run from the table, and the day is
the same as on the provider whose numbers the table holds."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from geo import MatrixTable, haversine_m
from routing import InputError, Plan, SolveStats
from scheduling import Demand, PromiseDesk, live_at
from simulations.engine import simulate_day
from simulations.scenario import load_scenario
from simulations.world import build_world

from .test_simulation import _fingerprint

SMALL = Path(__file__).parents[1] / "data" / "sim_small.toml"


def test_a_day_on_the_table_of_the_grid_city_is_the_day_on_the_grid_city() -> None:
    world = build_world(load_scenario(SMALL))
    points = [*world.problem.locations(), *(a.location for a in world.arrivals)]
    profiles = sorted({c.profile for c in world.problem.couriers})
    table = MatrixTable(points, world.provider.matrix(points, profiles))
    on_table = simulate_day(replace(world, provider=table))
    assert on_table.replans > 0 and any(o.promised for o in on_table.orders)
    assert _fingerprint(on_table) == _fingerprint(simulate_day(world))


def test_a_promise_for_an_address_the_table_does_not_hold_names_it() -> None:
    world = build_world(load_scenario(SMALL))
    points, profiles = world.problem.locations(), sorted({c.profile for c in world.problem.couriers})
    table = MatrixTable(points, world.provider.matrix(points, profiles))
    empty = Plan((), (), SolveStats(0.0, 0, 0, "EMPTY"))
    desk = PromiseDesk(live_at(world.problem, table.matrix(points, profiles), empty, 9 * 3600), table)
    with pytest.raises(InputError, match=r"^location 61\.0, 25\.0: not one of the travel matrix's locations"):
        desk.offer(Demand({}, 1000), (61.0, 25.0), 9 * 3600)


def test_a_scenario_on_a_matrix_file_sends_each_order_to_its_nearest_location(tmp_path: Path) -> None:
    grid = build_world(load_scenario(SMALL))
    lats, lons = np.meshgrid(np.linspace(60.158, 60.188, 12), np.linspace(24.925, 24.955, 12))
    places = [*grid.problem.locations(), *zip(lats.ravel().tolist(), lons.ravel().tolist(), strict=True)]
    matrix = grid.provider.matrix(places, ["bike"])
    np.savez(tmp_path / "city.npz", locations=np.array(places), bike_durations=matrix.duration_s["bike"])
    text = SMALL.read_text().replace('network = "grid"', 'network = "matrix"\nmatrix = "city.npz"')
    (tmp_path / "on_matrix.toml").write_text(text)
    world = build_world(load_scenario(tmp_path / "on_matrix.toml"))
    assert isinstance(world.provider, MatrixTable)
    assert {a.location for a in world.arrivals} <= set(places)
    for arrival, original in zip(world.arrivals, grid.arrivals, strict=True):
        moved = haversine_m(*original.location, *arrival.location)
        assert moved <= min(haversine_m(*original.location, *p) for p in places) + 1e-6
    day = simulate_day(world)
    assert sum(o.status == "delivered" for o in day.orders) > len(day.orders) // 2


def test_a_scenario_matrix_without_a_site_names_it(tmp_path: Path) -> None:
    places = [(60.17, 24.93), (60.18, 24.94)]
    np.savez(tmp_path / "city.npz", locations=np.array(places), bike_durations=np.array([[0, 60], [60, 0]]))
    text = SMALL.read_text().replace('network = "grid"', 'network = "matrix"\nmatrix = "city.npz"')
    (tmp_path / "on_matrix.toml").write_text(text)
    with pytest.raises(InputError, match=r"^sites\[0\]\.location: not one of city\.matrix's locations"):
        build_world(load_scenario(tmp_path / "on_matrix.toml"))
