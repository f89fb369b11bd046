"""The trip map: straight lines through the places reached, or along the Helsinki streets over a backdrop."""

from __future__ import annotations

from pathlib import Path

from geo import RoadGraphProvider
from routing.model import Window
from simulations.log import CourierLog, DayLog, OrderLog, TripLog
from simulations.plots import _trip_lines, plot_map

PBF = Path(__file__).resolve().parents[2] / "data" / "helsinki.osm.pbf"
HOUR = 3600
SITE, DOORS = (60.1688, 24.9372), ((60.1712, 24.9466), (60.1662, 24.9425))


def _day() -> DayLog:
    orders = [
        OrderLog("a", 8 * HOUR, "kamppi", DOORS[0], status="delivered"),
        OrderLog("b", 8 * HOUR, "kamppi", DOORS[1], status="delivered"),
        OrderLog("c", 9 * HOUR, "kluuvi", (60.1740, 24.9480), status="refused", reason="FLEET_FULL"),
    ]
    trips = [TripLog("k1", "s", 8 * HOUR, 9 * HOUR, 3000, ("a", "b"), (SITE, *DOORS, SITE))]
    couriers = [CourierLog("k1", "s", "bike", Window(8 * HOUR, 16 * HOUR))]
    return DayLog("helsinki", 0, None, orders, trips, couriers, {"s": "store"})


def test_trips_follow_the_streets_through_every_place_reached() -> None:
    day = _day()
    assert _trip_lines(day, None) == [list(day.trips[0].path)]
    (line,) = _trip_lines(day, RoadGraphProvider(PBF))
    assert len(line) > len(day.trips[0].path)
    at = [line.index(place) for place in day.trips[0].path[:-1]] + [len(line) - 1]
    assert at == sorted(at) and at[0] == 0 and line[-1] == SITE


def test_the_map_is_drawn_with_and_without_streets(tmp_path: Path) -> None:
    plain, streets = tmp_path / "plain.png", tmp_path / "streets.png"
    plot_map(_day(), plain)
    plot_map(_day(), streets, RoadGraphProvider(PBF))
    assert plain.stat().st_size > 0 and streets.stat().st_size > plain.stat().st_size  # the backdrop adds lines
