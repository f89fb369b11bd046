"""A live plan in trips: promises on a courier's next trip while it is out, ETAs across trips, the trip under way
locked by re-plans, trip start and end, and the dispatch policies."""

from __future__ import annotations

from dataclasses import replace
from types import SimpleNamespace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from geo import StraightLineProvider
from routing import Capacity, Conflict, Courier, Order, Problem, Site, SolveParams, Window, solve
from routing.plan import Plan, SolveStats
from routing.plan_json import EditedRoute
from routing.timing import time_route
from scheduling import Demand, LivePlan, PromiseDesk, courier_eta, live_at
from scheduling.check import check_routes
from scheduling.dispatch import Greedy, Lazy, LookAhead, departure_bounds
from scheduling.live import day_refs
from scheduling.replan import reoptimise
from scheduling.trips import finish_trip, start_trip

from .conftest import HOUR, STORE, city

PARAMS = SolveParams(time_limit_s=600, solution_limit=100, metaheuristic="GREEDY_DESCENT", ruin_iterations=3, workers=1)
MILK = Demand({"milk": 1}, weight_g=2_000, service_s=120)
NEAR = (STORE[0] + 0.004, STORE[1] + 0.006)


@pytest.fixture(scope="module")
def in_trips() -> SimpleNamespace:
    """The test city with bikes that carry three baskets and make as many trips as they like, solved."""
    base = city()
    couriers = tuple(replace(c, max_trips=None, capacity=Capacity(6_000)) for c in base.couriers)
    problem = replace(base, couriers=couriers)
    provider = StraightLineProvider()
    matrix = provider.matrix(problem.locations(), ["bike"])
    plan = solve(problem, matrix, params=PARAMS, seed=0)
    assert max(len(r.trips) for r in plan.routes) >= 2
    return SimpleNamespace(problem=problem, matrix=matrix, plan=plan, provider=provider)


def _edited(live: LivePlan) -> list[EditedRoute]:
    out = []
    for r in live.plan.routes:
        refs, reloads = day_refs(r.stops)
        out.append(EditedRoute(r.courier, r.site, tuple(refs), tuple(reloads)))
    return out


def _one_bike(shift_end_s: int = 12 * HOUR) -> LivePlan:
    """One bike at the store on a 20-minute trip that left at 08:00: one stop, back about 08:20."""
    site = Site("store", "store", STORE, Window(0, 20 * HOUR), {"milk": 10})
    bike = Courier("bike", 0, Window(8 * HOUR, shift_end_s), "bike", Capacity(6_000))
    far = Order("far", (STORE[0] + 0.02, STORE[1]), (Window(8 * HOUR, 9 * HOUR),), {"milk": 1}, weight_g=2_000)
    problem = Problem((site,), (bike,), (far,), "one")
    matrix = StraightLineProvider().matrix(problem.locations(), ["bike"])
    route = time_route(problem, matrix, 0, [(0, "delivery")], depart_s=8 * HOUR).route
    live = LivePlan(problem, matrix, Plan((route,), (), SolveStats(0, 0, 0, "")), 8 * HOUR)
    return start_trip(live, 0, 8 * HOUR)


def test_a_courier_out_on_a_trip_is_offered_for_its_next_one() -> None:
    live = _one_bike()
    back = courier_eta(live, 0).backs[0]
    desk = PromiseDesk(live, StraightLineProvider())
    offer = desk.offer(MILK, NEAR, live.now_s)
    assert offer.slots and {s.courier for s in offer.slots} == {0}
    assert offer.slots[0].arrival_s > back  # after it is back and has reloaded
    after = desk.confirm(offer.id, 0, "next", live.now_s)
    stops = after.plan.routes[0].stops
    assert [(after.problem.orders[s.order].id, s.trip) for s in stops] == [("far", 0), ("next", 1)]
    assert stops[0] == live.plan.routes[0].stops[0]  # the trip under way is not re-timed
    assert after.plan.routes[0].trips[1].depart_s >= back


def test_no_slot_when_the_courier_is_back_too_late_for_another_trip() -> None:
    live = _one_bike()
    back = courier_eta(live, 0).backs[0]
    short = _one_bike(shift_end_s=back + 300)  # no time left for a trip of its own after this one
    assert PromiseDesk(live, StraightLineProvider()).offer(MILK, NEAR, live.now_s).slots
    offer = PromiseDesk(short, StraightLineProvider()).offer(MILK, NEAR, short.now_s)
    assert offer.slots == () and offer.reason is not None


def test_a_delay_on_the_first_trip_moves_the_next_trips_etas(in_trips: SimpleNamespace) -> None:
    route = max(in_trips.plan.routes, key=lambda r: len(r.trips))
    live = start_trip(
        live_at(in_trips.problem, in_trips.matrix, in_trips.plan, route.start_s), route.courier, route.start_s
    )
    on_plan = courier_eta(live, route.courier)
    stuck = replace(live.states[route.courier], position=in_trips.problem.sites[route.site].location)
    delay = 1800
    late = replace(
        live, now_s=route.start_s + delay, states={route.courier: replace(stuck, ping_s=route.start_s + delay)}
    )
    delayed = courier_eta(late, route.courier)
    second = [k for k, s in enumerate(live.remaining(route.courier)) if s.trip == 1]
    assert second and len(delayed.backs) == len(on_plan.backs) == len(route.trips)
    for k in second:
        assert delayed.stops[k].arrival_s > on_plan.stops[k].arrival_s
    assert delayed.backs[0] > on_plan.backs[0] and delayed.backs[1] > on_plan.backs[1]
    assert delayed.end_s >= on_plan.end_s  # a later trip planned to leave later may absorb it


def test_a_replan_never_moves_the_trip_under_way(in_trips: SimpleNamespace) -> None:
    route = max(in_trips.plan.routes, key=lambda r: len(r.trips))
    live = live_at(in_trips.problem, in_trips.matrix, in_trips.plan, route.start_s)
    live = start_trip(live, route.courier, route.start_s)
    live = replace(live, states={**live.states, route.courier: replace(live.states[route.courier], done=1)})
    first = live.first_trip_end(route.courier)
    new, _ = reoptimise(live, PARAMS, seed=1)
    after = new.routes[route.courier]
    assert after.stops[0] == route.stops[0]  # done
    assert {s.order for s in after.stops[:first]} == {s.order for s in route.stops[:first]}
    assert all(s.trip == 0 for s in after.stops[:first]) and all(s.trip > 0 for s in after.stops[first:])
    served = [o for r in new.plan.routes for o in r.orders]
    assert len(served) == len(set(served))
    assert set(served) | {u.order for u in new.plan.unassigned} == set(range(len(live.problem.orders)))
    assert check_routes(new.problem, new.matrix, _edited(new)).ok


def test_a_trip_ends_only_when_its_stops_are_done_and_its_orders_leave_the_plan(in_trips: SimpleNamespace) -> None:
    route = max(in_trips.plan.routes, key=lambda r: len(r.trips))
    live = start_trip(
        live_at(in_trips.problem, in_trips.matrix, in_trips.plan, route.start_s), route.courier, route.start_s
    )
    with pytest.raises(Conflict, match="not done"):
        finish_trip(live, route.courier, route.trips[0].back_s)
    first = live.first_trip_end(route.courier)
    done = replace(live, states={route.courier: replace(live.states[route.courier], done=first)})
    back_s = route.trips[0].back_s + 600
    home = finish_trip(done, route.courier, back_s)
    gone = {in_trips.problem.orders[s.order].id for s in route.stops[:first]}
    assert not gone & {o.id for o in home.problem.orders}
    assert len(home.problem.orders) == len(in_trips.problem.orders) - first
    state = home.state(route.courier)
    assert (state.trips_done, state.departed, state.done) == (1, False, 0)
    reload_s = in_trips.problem.sites[route.site].reload_s
    assert home.routes[route.courier].start_s >= back_s + reload_s
    milk = in_trips.problem.sites[route.site].stock["milk"] - first
    assert home.problem.sites[route.site].stock["milk"] == milk
    with pytest.raises(Conflict, match="not on a trip"):
        finish_trip(home, route.courier, back_s)


def test_dispatch_policies_leave_when_ready_latest_or_after_a_likely_order() -> None:
    site = Site("store", "store", STORE, Window(0, 20 * HOUR), {"milk": 10})
    bike = Courier("bike", 0, Window(8 * HOUR, 12 * HOUR), "bike", Capacity(6_000))
    later = Order("later", NEAR, (Window(9 * HOUR, 10 * HOUR),), {"milk": 1}, weight_g=2_000, service_s=120)
    problem = Problem((site,), (bike,), (later,), "one")
    matrix = StraightLineProvider().matrix(problem.locations(), ["bike"])
    route = time_route(problem, matrix, 0, [(0, "delivery")]).route
    live = LivePlan(problem, matrix, Plan((route,), (), SolveStats(0, 0, 0, "")), 8 * HOUR)
    ready, latest = departure_bounds(live, 0, 2.0)
    assert Greedy().departure_s(live, 0) == ready == 8 * HOUR
    assert Lazy().departure_s(live, 0) == latest and 9 * HOUR < latest < 10 * HOUR
    left_late = courier_eta(start_trip(live.at(latest), 0, latest), 0).stops[0]
    assert left_late.late_s == 0 and left_late.arrival_s < 10 * HOUR
    busy, quiet = LookAhead(lambda site, t: 1 / 60), LookAhead(lambda site, t: 0.0)
    assert busy.departure_s(live, 0) == ready + busy.step_s and quiet.departure_s(live, 0) == ready
    assert LookAhead(lambda site, t: 1 / 60, basket_g=5_000).departure_s(live, 0) == ready  # no room for one more
    assert busy.departure_s(live.at(latest - 60), 0) == latest - 60  # waiting longer would break the promise


def _run_as_planned(live: LivePlan, now_s: int) -> LivePlan:
    """``live`` at ``now_s`` with every courier having driven as planned: stops done when their departure is past,
    trips ended when they are back, next trips started when due."""
    moved = True
    while moved:
        moved = False
        for c, route in list(live.routes.items()):
            state, end = live.state(c), live.first_trip_end(c)
            if not state.departed and route.start_s <= now_s:
                live, moved = start_trip(live.at(now_s), c, route.start_s), True
            elif state.departed:
                done = sum(1 for s in route.stops[:end] if s.departure_s <= now_s)
                if done == end and route.trips[0].back_s <= now_s:
                    live = replace(live, states={**live.states, c: replace(state, done=end)})
                    live, moved = finish_trip(live, c, route.trips[0].back_s), True
                elif done != state.done:
                    live = replace(live, states={**live.states, c: replace(state, done=done, done_s=now_s)})
    return live.at(now_s)


offers = st.lists(
    st.tuples(st.floats(-0.012, 0.012), st.floats(-0.02, 0.02), st.integers(0, 20), st.integers(0, 9)),
    min_size=1,
    max_size=8,
)


@settings(max_examples=60, deadline=None)
@given(offers)
def test_every_confirmed_promise_is_kept_by_the_trips_right_after(
    in_trips: SimpleNamespace, stream: list[tuple[float, float, int, int]]
) -> None:
    live = live_at(in_trips.problem, in_trips.matrix, in_trips.plan, 8 * HOUR + 600)
    for c in list(live.routes)[:2]:  # two couriers out on their first trip
        if not live.state(c).departed:
            live = start_trip(live, c, live.now_s)
    desk = PromiseDesk(live, in_trips.provider)
    now = live.now_s
    for k, (dlat, dlon, minutes, choice) in enumerate(stream):
        now += minutes * 60
        live = _run_as_planned(live, now)
        desk.use(live)
        offer = desk.offer(MILK, (STORE[0] + dlat, STORE[1] + dlon), now)
        if not offer.slots:
            continue
        slot = offer.slots[choice % len(offer.slots)]
        live = desk.confirm(offer.id, choice % len(offer.slots), f"web-{k}", now)
        report = check_routes(live.problem, live.matrix, _edited(live))
        assert report.ok, report.violations
        new = next(o for o, order in enumerate(live.problem.orders) if order.id == f"web-{k}")
        route = next(r for r in live.plan.routes if new in r.orders)
        stop = next(s for s in route.stops if s.order == new)
        assert slot.window.start_s <= stop.start_s <= slot.window.end_s
        assert route.trips[stop.trip].depart_s >= now + desk.policy.prep_s  # the basket is ready when it leaves
        assert stop.trip > 0 or not live.state(route.courier).departed  # never into the trip under way


def test_live_at_ends_the_trips_back_by_then(in_trips: SimpleNamespace) -> None:
    route = max(in_trips.plan.routes, key=lambda r: len(r.trips))
    second = route.trips[1]
    live = live_at(in_trips.problem, in_trips.matrix, in_trips.plan, second.depart_s + 1)
    first = sum(1 for s in route.stops if s.trip == 0)
    now = live.routes[route.courier]
    assert [s.trip for s in now.stops][:1] == [0] and len(now.stops) == len(route.stops) - first
    gone = {in_trips.problem.orders[s.order].id for s in route.stops[:first]}
    assert not gone & {o.id for o in live.problem.orders}
    state = live.state(route.courier)
    assert (state.trips_done, state.departed) == (1, now.start_s <= second.depart_s + 1)
