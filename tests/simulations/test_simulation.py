"""A small simulated day, really run: repeatable, nothing lost, couriers in one place at a time, shifts kept."""

from __future__ import annotations

import itertools
from collections import defaultdict
from pathlib import Path

import pytest

from simulations.engine import simulate_day
from simulations.kpis import day_kpis
from simulations.log import DayLog
from simulations.report import write_report
from simulations.scenario import load_scenario
from simulations.world import World, build_world

SMALL = Path(__file__).parents[1] / "data" / "sim_small.toml"


@pytest.fixture(scope="module")
def world() -> World:
    return build_world(load_scenario(SMALL))


@pytest.fixture(scope="module")
def day(world: World) -> DayLog:
    return simulate_day(world)


def _fingerprint(log: DayLog) -> list[tuple[object, ...]]:
    orders = [(o.id, o.status, o.reason, o.promised, o.courier, o.arrival_s, tuple(o.etas)) for o in log.orders]
    trips = [(t.courier, t.start_s, t.end_s, t.distance_m, t.orders) for t in log.trips]
    return [*orders, *trips]


def test_the_same_seed_gives_the_same_day(world: World, day: DayLog) -> None:
    again = simulate_day(build_world(load_scenario(SMALL)))
    assert _fingerprint(again) == _fingerprint(day)
    assert day.replans > 0  # the re-plan path ran, and stays repeatable on its solution limit


def test_every_order_ends_delivered_failed_or_refused(world: World, day: DayLog) -> None:
    _assert_whole(world, day)


def _assert_whole(world: World, day: DayLog) -> None:
    assert [o.id for o in day.orders] == [a.id for a in world.arrivals]
    assert {o.status for o in day.orders} <= {"delivered", "failed", "refused"}
    assert sum(o.status == "delivered" for o in day.orders) > len(day.orders) // 2
    on_trips = [oid for t in day.trips for oid in t.orders]
    assert len(on_trips) == len(set(on_trips))
    reached = {o.id for o in day.orders if o.arrival_s is not None}
    assert reached == set(on_trips)
    for o in day.orders:
        assert (o.status == "refused") == (o.promised is None)
        assert o.reason is not None or o.status == "delivered"


def test_couriers_are_never_in_two_places(day: DayLog) -> None:
    _assert_in_one_place(day)


def _assert_in_one_place(day: DayLog) -> None:
    by_courier = defaultdict(list)
    for trip in day.trips:
        by_courier[trip.courier].append(trip)
    arrival = {o.id: o.arrival_s for o in day.orders}
    for trips in by_courier.values():
        trips.sort(key=lambda t: t.start_s)
        for before, after in itertools.pairwise(trips):
            assert before.end_s <= after.start_s
        for trip in trips:
            times = [arrival[oid] for oid in trip.orders]
            assert all(trip.start_s <= t <= trip.end_s for t in times if t is not None)


@pytest.mark.parametrize("policy", ["lazy", "look-ahead"])
def test_every_dispatch_policy_keeps_the_day_whole(policy: str) -> None:
    scenario = load_scenario(SMALL)
    dispatch = scenario.dispatch.model_copy(update={"policy": policy})
    world = build_world(scenario.model_copy(update={"dispatch": dispatch}))
    day = simulate_day(world)
    assert day.dispatch == policy
    _assert_whole(world, day)
    _assert_in_one_place(day)
    assert all(
        o.departed_s is not None and o.placed_s <= o.departed_s <= o.arrival_s for o in day.orders if o.arrival_s
    )


def test_trips_start_within_the_shift(day: DayLog) -> None:
    shift = {c.id: c.shift for c in day.couriers}
    assert day.trips
    for trip in day.trips:
        assert shift[trip.courier].start_s <= trip.start_s <= shift[trip.courier].end_s


def test_kpis_follow_from_the_log(day: DayLog) -> None:
    kpis = day_kpis(day)
    assert kpis.orders == len(day.orders) == kpis.accepted + kpis.refused
    assert kpis.delivered + kpis.failed == kpis.accepted
    assert 0 < kpis.on_time_rate <= 1 and 0 < kpis.forward_share < 1
    assert kpis.eta_mae_min[2] <= kpis.eta_mae_min[30]


def test_the_report_is_written(day: DayLog, tmp_path: Path) -> None:
    other = simulate_day(build_world(load_scenario(SMALL).model_copy(update={"name": "other", "seed": 4})))
    written = write_report([day, other], tmp_path)
    assert all(p.exists() and p.stat().st_size > 0 for p in written)
    markdown = (tmp_path / "report.md").read_text()
    assert "| on time (by the end of the promised window) |" in markdown and "**other** against **small**" in markdown
    assert (tmp_path / "report.html").read_text().count("<img") == 6
