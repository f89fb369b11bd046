"""Multi-trip days on street problems: reloads, ready times, picking, breaks and working limits, each as the
solver plans it and as the plan checker re-times it."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from types import SimpleNamespace

from routing import Capacity, Problem, Reason, SolveParams, Window, solve
from routing.deadline import Deadline
from routing.eligibility import eligibility
from routing.model import Break, Picking
from routing.ortools_model import SearchResult
from routing.phases import Scope
from routing.picking import home_sites, pick_schedule
from routing.plan import Plan
from routing.plan_json import EditedRoute
from routing.solve import _penalties
from routing.timing import StopRef, time_route, time_route_fitting_breaks
from routing.trips import MIN_DAY_SLOTS, trip_slots
from routing.waves import by_waves, on_time_days
from scheduling.check import ViolationKind, check_routes

from .conftest import edited_routes

PARAMS = SolveParams(time_limit_s=60, solution_limit=200, metaheuristic="GREEDY_DESCENT")
HOUR = 3600


def trip_loads(problem: Problem, plan: Plan) -> list[int]:
    """Grams each trip of the plan carries out of the site, recomputed from its stops."""
    loads: Counter[tuple[int, int]] = Counter()
    for route in plan.routes:
        for stop in route.stops:
            loads[(route.courier, stop.trip)] += problem.orders[stop.order].weight_g
    return list(loads.values())


def test_one_courier_makes_three_trips_when_one_cannot_carry_all(street: SimpleNamespace) -> None:
    site = street.site(reload_s=120)
    orders = tuple(street.order(f"o{k}", 1.0 + k % 3, weight_g=1_000) for k in range(6))
    problem = Problem((site,), (street.courier(capacity=Capacity(2_000)),), orders)
    plan = solve(problem, street.matrix(problem), params=PARAMS)
    assert plan.is_complete() and plan.summary.routes == 1
    route = plan.routes[0]
    assert len(route.trips) >= 3 and plan.summary.trips == len(route.trips)
    assert max(trip_loads(problem, plan)) <= 2_000
    for before, after in zip(route.trips, route.trips[1:], strict=False):
        assert after.depart_s >= before.back_s + 120  # reloading at the site between trips
    assert check_routes(problem, street.matrix(problem), edited_routes(plan)).ok


def test_ready_time_puts_an_order_on_a_later_trip(street: SimpleNamespace) -> None:
    late = street.order("late", 1.0, ready_s=HOUR)
    orders = (street.order("early", 2.0, 0, 1_000), late)
    problem = Problem((street.site(),), (street.courier(),), orders)
    plan = solve(problem, street.matrix(problem), params=PARAMS)
    assert plan.is_complete()
    (route,) = plan.routes
    trip_of = {s.order: s.trip for s in route.stops}
    assert trip_of[0] != trip_of[1]  # waiting for "late" would miss "early"'s window
    assert route.trips[trip_of[1]].depart_s >= HOUR


def test_ready_too_late_for_every_window_is_explained(street: SimpleNamespace) -> None:
    orders = (street.order("o", 1.0, 0, HOUR, ready_s=2 * HOUR),)
    problem = Problem((street.site(),), (street.courier(),), orders)
    plan = solve(problem, street.matrix(problem), params=PARAMS)
    assert [u.reason for u in plan.unassigned] == [Reason.NOT_READY_IN_TIME]


def test_picking_capacity_delays_the_second_trip(street: SimpleNamespace) -> None:
    site = street.site(picking=Picking(pickers=1, start_s=0, order_s=600))
    orders = tuple(street.order(f"o{k}", 1.0, 0, 4 * HOUR) for k in range(4))
    courier = street.courier(capacity=Capacity(2_000))
    problem = Problem((site,), (courier,), orders)
    plan = solve(problem, street.matrix(problem), params=PARAMS)
    assert plan.is_complete()
    trips = plan.routes[0].trips
    assert len(trips) == 2
    assert trips[0].depart_s >= 1_200 and trips[1].depart_s >= 2_400  # two baskets picked per trip, 600 s each


def test_stock_is_shared_across_trips(street: SimpleNamespace) -> None:
    site = street.site(stock={"milk": 3})
    orders = tuple(street.order(f"o{k}", 1.0 + k) for k in range(5))
    problem = Problem((site,), (street.courier(capacity=Capacity(1_000)),), orders)
    plan = solve(problem, street.matrix(problem), params=PARAMS)
    assert plan.summary.orders_served == 3
    assert {u.reason for u in plan.unassigned} == {Reason.NO_STOCK}


def test_break_is_taken_inside_its_window(street: SimpleNamespace) -> None:
    brk = Break(Window(1_000, 1_200), 900)
    courier = street.courier(breaks=(brk,))
    orders = tuple(street.order(f"o{k}", 1.0 + k, 0, 4 * HOUR, service_s=300) for k in range(4))
    problem = Problem((street.site(),), (courier,), orders)
    plan = solve(problem, street.matrix(problem), params=PARAMS)
    assert plan.is_complete()
    ((start, end),) = plan.routes[0].breaks
    assert 1_000 <= start <= 1_200 and end - start == 900
    for stop in plan.routes[0].stops:  # no service overlaps the break
        assert stop.departure_s <= start or stop.start_s >= end


def test_a_break_is_taken_while_the_courier_waits_for_a_window_that_opens_later(street: SimpleNamespace) -> None:
    # the stop's window opens at 2 h; the break's window (30-45 min) closes long before the courier must leave, and
    # between the two stops the courier waits for the second window (from 3 h) while a second break's window opens
    breaks = (Break(Window(1_800, 2_700), 600), Break(Window(8_000, 9_000), 600))
    courier = street.courier(breaks=breaks)
    orders = (street.order("late", 1.0, 2 * HOUR, 3 * HOUR), street.order("later", 2.0, 3 * HOUR, 4 * HOUR))
    problem = Problem((street.site(),), (courier,), orders)
    timed = time_route(problem, street.matrix(problem), 0, [(0, "delivery"), (1, "delivery")])
    assert timed.on_time and not timed.missed_breaks
    (first, first_end), (second, second_end) = timed.route.breaks
    assert first >= 1_800 and first_end <= timed.route.start_s  # at the site, before the departure
    assert 8_000 <= second <= 9_000 and timed.route.stops[0].departure_s <= second
    assert second_end <= timed.route.stops[1].arrival_s - 100  # before the 1 km leg to the second stop
    assert [s.start_s for s in timed.route.stops] == [2 * HOUR, 3 * HOUR]  # neither break delays a stop


def test_a_wait_after_a_break_on_the_way_goes_before_the_break_when_the_trip_leaves_late(
    street: SimpleNamespace,
) -> None:
    # o1 at 1 km any time, then a break (window 1,000-5,000 s) on the way to o2 at 2 km, whose window opens at 1 h
    courier = street.courier(breaks=(Break(Window(1_000, 5_000), 600),))
    orders = (street.order("o1", 1.0), street.order("o2", 2.0, HOUR, 2 * HOUR))
    problem = Problem((street.site(),), (courier,), orders)
    stops: list[StopRef] = [(0, "delivery"), (1, "delivery")]
    timed = time_route(problem, street.matrix(problem), 0, stops, breaks=[1], leave_late=True)
    assert timed.on_time and not timed.missed_breaks
    first, second = timed.route.stops
    ((start, end),) = timed.route.breaks
    assert second.arrival_s == second.start_s == HOUR  # no wait at o2's door: the break starts later instead
    assert first.departure_s <= start <= 5_000 and end == start + 600 and end + 100 == second.arrival_s
    assert first.start_s == 100  # the stop before the break keeps its time


def test_max_duration_leaves_an_order_out_with_its_reason(street: SimpleNamespace) -> None:
    courier = street.courier(max_duration_s=1_000)
    orders = (street.order("near", 1.0), street.order("far", 8.0))  # 1,600 s there and back
    problem = Problem((street.site(),), (courier,), orders)
    plan = solve(problem, street.matrix(problem), params=PARAMS)
    assert [r.orders for r in plan.routes] == [(0,)]
    assert [(u.order, u.reason) for u in plan.unassigned] == [(1, Reason.OVER_WORKING_TIME)]


def test_a_day_whose_second_trip_waits_for_its_basket_leaves_late_enough_to_stay_within_working_time(
    street: SimpleNamespace,
) -> None:
    # trip 1 (200 s there and back) could leave at 0, trip 2's basket is ready at 3 h: leaving trip 1 at 0 and
    # waiting at the site works 3 h 4 min; leaving it late enough, 2 h 0 min and a bit (the limit is 2 h 10 min)
    courier = street.courier(max_duration_s=2 * HOUR + 600)
    orders = (street.order("now", 1.0), street.order("later", 1.0, ready_s=3 * HOUR))
    problem = Problem((street.site(reload_s=60),), (courier,), orders)
    matrix = street.matrix(problem)
    timed = time_route(problem, matrix, 0, [(0, "delivery"), (1, "delivery")], reloads=(1,))
    assert timed.on_time, timed
    first, second = timed.route.trips
    assert second.depart_s >= 3 * HOUR and timed.route.end_s - timed.route.start_s <= courier.max_duration_s
    assert first.back_s <= second.depart_s - 60
    assert check_routes(problem, matrix, [EditedRoute(0, 0, ((0, "delivery"), (1, "delivery")), (1,))]).ok


def test_max_distance_holds_over_all_trips(street: SimpleNamespace) -> None:
    courier = street.courier(capacity=Capacity(1_000), max_distance_m=7_000)
    orders = tuple(street.order(f"o{k}", 1.0 + k) for k in range(3))  # 2, 4 and 6 km round trips
    problem = Problem((street.site(),), (courier,), orders)
    plan = solve(problem, street.matrix(problem), params=PARAMS)
    assert plan.summary.distance_m <= 7_000 and plan.summary.orders_served == 2


def test_zero_fixed_costs_minimise_distance_alone(street: SimpleNamespace) -> None:
    couriers = tuple(street.courier(f"c{k}", max_trips=1, capacity=Capacity(2_000)) for k in range(3))
    orders = (street.order("a", -3.0), street.order("b", 3.0))
    problem = Problem((street.site(),), couriers, orders)
    plan = solve(problem, street.matrix(problem), params=PARAMS)
    assert plan.summary.distance_m == 12_000  # one route out and back each way costs the same as two


def test_exact_costs_at_seed_0_on_a_small_multi_trip_problem(street: SimpleNamespace) -> None:
    site = street.site(reload_s=60)
    couriers = (street.courier("a", capacity=Capacity(2_000)), street.courier("b", capacity=Capacity(2_000)))
    orders = tuple(street.order(f"o{k}", (-1) ** k * (1.0 + k), 0, 3 * HOUR) for k in range(6))
    problem = Problem((site,), couriers, orders)
    plan = solve(problem, street.matrix(problem), params=PARAMS, seed=0)
    assert plan.is_complete()
    # the optimum: 3 + 5 (10 km), 4 + 6 (12 km), and 1 with 2 on the way (6 km, the same as apart)
    assert (plan.summary.distance_m, plan.summary.trips, plan.summary.routes) == (28_000, 3, 2)


def test_checker_finds_each_new_violation_in_a_hand_edited_plan(street: SimpleNamespace) -> None:
    courier = street.courier(
        capacity=Capacity(1_500), max_trips=2, max_duration_s=1_500, breaks=(Break(Window(100, 150), 600),)
    )
    orders = (
        street.order("a", 1.0),
        street.order("b", 2.0),
        street.order("c", 3.0, 0, 1_500, ready_s=1_700),
        street.order("d", 4.0),
    )
    problem = Problem((street.site(),), (courier,), orders)
    matrix = street.matrix(problem)
    stops: tuple[StopRef, ...] = ((0, "delivery"), (1, "delivery"), (3, "delivery"), (2, "delivery"))
    report = check_routes(problem, matrix, [EditedRoute(0, 0, stops, (1, 3))])
    kinds = {v.kind for v in report.violations}
    assert {
        ViolationKind.TRIP_OVER_CAPACITY,
        ViolationKind.TOO_MANY_TRIPS,
        ViolationKind.NOT_READY,
        ViolationKind.BREAK_MISSED,
        ViolationKind.OVER_DURATION,
    } <= kinds
    ok = check_routes(problem, matrix, [EditedRoute(0, 0, ((0, "delivery"), (1, "delivery")), ())])
    assert ViolationKind.OVER_DISTANCE not in {v.kind for v in ok.violations}
    far = replace(courier, max_distance_m=1_000)
    problem = replace(problem, couriers=(far,))
    assert ViolationKind.OVER_DISTANCE in {
        v.kind for v in check_routes(problem, matrix, [EditedRoute(0, 0, stops[:1], ())]).violations
    }


def test_leaving_late_moves_the_wait_from_the_door_to_the_site(street: SimpleNamespace) -> None:
    orders = (street.order("any", 1.0), street.order("later", 2.0, 2_000, 3_000))
    problem = Problem((street.site(),), (street.courier(),), orders)
    stops: tuple[StopRef, ...] = ((0, "delivery"), (1, "delivery"))
    early = time_route(problem, street.matrix(problem), 0, stops).route
    late = time_route(problem, street.matrix(problem), 0, stops, leave_late=True).route
    assert [(s.arrival_s, s.start_s) for s in early.stops] == [(100, 100), (200, 2_000)]
    assert [(s.arrival_s, s.start_s) for s in late.stops] == [(1_900, 1_900), (2_000, 2_000)]
    assert late.end_s == early.end_s and late.start_s == 1_800


def test_each_store_picks_its_own_orders_first(street: SimpleNamespace) -> None:
    picking = Picking(pickers=1, start_s=0, order_s=600)
    sites = (street.site("west", -5.0, picking=picking), street.site("east", 5.0, picking=picking))
    orders = (street.order("e1", 4.0, 2_000, 9_000), street.order("w1", -4.0, 3_000, 9_000), street.order("e0", 6.0))
    problem = Problem(sites, (street.courier("a", 0), street.courier("b", 1)), orders)
    assert home_sites(problem, range(3)) == {0: 1, 1: 0, 2: 1}
    # at the east store its own two baskets go first, earliest window first; the west one after them
    assert pick_schedule(problem, 1, range(3)) == {2: 600, 0: 1_200, 1: 1_800}
    assert pick_schedule(problem, 0, range(3)) == {1: 600, 2: 1_200, 0: 1_800}


def test_waves_build_a_first_plan_of_several_trips(street: SimpleNamespace) -> None:
    orders = tuple(street.order(f"o{k}", 1.0 + k) for k in range(4))
    problem = Problem((street.site(reload_s=60),), (street.courier(capacity=Capacity(2_000)),), orders)
    matrix = street.matrix(problem)
    able = eligibility(problem, matrix)
    penalty = _penalties(problem, matrix, PARAMS)
    scope = Scope.whole(problem, matrix, able, penalty)
    start = by_waves(scope, [0], PARAMS, Deadline(60), scope.model([0]).courier_slots)
    assert start is not None and start.served() == 4 and len(start.reloads[0]) == 1  # two trips of two
    timed = time_route(problem, matrix, 0, start.routes[0], reloads=start.reloads[0])
    assert timed.on_time and timed.route.trips[1].depart_s >= timed.route.trips[0].back_s + 60
    # no more trips than the full model has slots for (else it could not read the plan)
    one = by_waves(scope, [0], PARAMS, Deadline(60), {0: 1})
    assert one is not None and one.served() == 2 and not one.reloads


def test_trip_slots_are_the_full_trips_a_working_day_holds(street: SimpleNamespace) -> None:
    # twenty 1 kg baskets at 5.0 and 5.1 km, two a trip: 1,010 s out and back, a 10 s hop, a 90 s reload
    orders = tuple(street.order(f"o{k}", 5.0 + 0.1 * (k % 2)) for k in range(20))
    site = street.site(reload_s=90)

    def slots(**courier: object) -> int:
        problem = Problem((site,), (street.courier(capacity=Capacity(2_000), **courier),), orders)
        allowed = {o: [0] for o in range(len(orders))}
        return trip_slots(problem, street.matrix(problem), [0], range(len(orders)), allowed)[0]

    assert slots(shift=Window(0, HOUR)) == 3  # 3,600 s / 1,110 s a trip
    assert slots(shift=Window(0, 8 * HOUR)) == 20  # the day holds 25, the load needs 10: twice that
    assert slots(max_duration_s=2_500) == 2
    assert slots(max_duration_s=1_000) == MIN_DAY_SLOTS  # not even one full trip: still room to reload
    assert slots(max_duration_s=2_500, max_trips=1) == 1


def test_a_day_that_cannot_hold_its_break_is_cut_back_to_one_that_can(street: SimpleNamespace) -> None:
    # two trips to 5 km, each 1,000 s; the break must start by 1,300 s and lasts until 3,000 s at the earliest,
    # too late for "second", which must be served by 3,000 s
    courier = street.courier(breaks=(Break(Window(1_200, 1_300), 1_800),))
    orders = (street.order("first", 5.0, 0, 3_000), street.order("second", 5.0, 0, 3_000))
    problem = Problem((street.site(),), (courier,), orders)
    matrix = street.matrix(problem)
    scope = Scope.whole(problem, matrix, eligibility(problem, matrix), _penalties(problem, matrix, PARAMS))
    stops: list[StopRef] = [(0, "delivery"), (1, "delivery")]
    assert not time_route(problem, matrix, 0, stops, reloads=(1,)).on_time
    cut = on_time_days(scope, SearchResult({0: stops}, 0, 1, "WAVES", {0: (1,)}))
    assert cut.routes == {0: [(0, "delivery")]} and cut.reloads == {}
    kept = on_time_days(scope, SearchResult({0: stops[:1]}, 0, 1, "WAVES"))
    assert kept.routes == {0: stops[:1]}


def test_a_long_wait_at_a_door_is_shared_with_the_stops_before_it(street: SimpleNamespace) -> None:
    # "pinned" must be served by 100 s, "later" not before 2,000 s: 1,700 s of waiting after "pinned" either way
    orders = (street.order("pinned", 1.0, 0, 100), street.order("any", 2.0), street.order("later", 3.0, 2_000))
    problem = Problem((street.site(),), (street.courier(),), orders)
    stops: list[StopRef] = [(0, "delivery"), (1, "delivery"), (2, "delivery")]
    matrix = street.matrix(problem)
    alone = time_route(problem, matrix, 0, stops, leave_late=True).route
    shared = time_route(problem, matrix, 0, stops, max_wait_s=900).route
    even = time_route(problem, matrix, 0, stops, max_wait_s=600).route
    assert [s.start_s - s.arrival_s for s in alone.stops] == [0, 0, 1_700]
    assert [s.start_s - s.arrival_s for s in shared.stops] == [0, 800, 900]
    assert [s.start_s - s.arrival_s for s in even.stops] == [0, 850, 850]  # 600 each cannot be: as even as it gets
    assert alone.end_s == shared.end_s == even.end_s and alone.start_s == shared.start_s == 0


def test_the_solver_keeps_every_wait_within_max_wait_even_for_a_courier_with_a_break(
    street: SimpleNamespace,
) -> None:
    # serving "later" after "pinned" in one trip means 1,700 s at a door; the break comes after both
    courier = street.courier(max_trips=1, breaks=(Break(Window(3_000, 8 * HOUR), 900),))
    orders = (street.order("pinned", 1.0, 0, 100), street.order("later", 2.0, 1_900))
    problem = Problem((street.site(),), (courier,), orders)
    plan = solve(problem, street.matrix(problem), params=replace(PARAMS, max_wait_s=900))
    assert plan.summary.orders_served == 1
    for route in plan.routes:
        assert all(s.start_s - s.arrival_s <= 900 for s in route.stops[1:])


def test_a_break_the_search_put_one_stop_off_moves_to_where_the_day_is_on_time(street: SimpleNamespace) -> None:
    # a break on the way to "tight" cannot start before 1,000 s, when "tight" must be served by 400 s
    courier = street.courier(breaks=(Break(Window(1_000, 5_000), 600),))
    orders = (street.order("any", 1.0), street.order("tight", 2.0, 0, 400))
    problem = Problem((street.site(),), (courier,), orders)
    stops: list[StopRef] = [(0, "delivery"), (1, "delivery")]
    matrix = street.matrix(problem)
    assert not time_route(problem, matrix, 0, stops, breaks=[1]).on_time
    fitted = time_route_fitting_breaks(problem, matrix, 0, stops, [1])
    assert fitted.on_time and not fitted.missed_breaks
    ((start, _),) = fitted.route.breaks
    assert start >= fitted.route.stops[1].departure_s  # after "tight"
