"""A new basket that makes a route wait must not make its earlier stops late; finished orders can be dropped."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np

from geo import StraightLineProvider
from routing import Capacity, Courier, Order, Problem, Site, Window
from routing.model import Pickup
from routing.plan import Plan, SolveStats
from routing.timing import time_route
from scheduling import Demand, LivePlan, PromiseDesk, PromisePolicy
from scheduling.extend import add_orders, drop_orders

HOUR = 3600
SITE = (60.170, 24.940)


def _one_courier_with_a_tight_stop(max_trips: int | None = None) -> SimpleNamespace:
    """One bike; order ``tight`` must be reached by 08:15 and the route leaves at 08:00 (now)."""
    site = Site("store", "store", SITE, Window(0, 20 * HOUR), {"milk": 10})
    bike = Courier("bike", 0, Window(8 * HOUR, 12 * HOUR), "bike", Capacity(30_000), max_trips=max_trips)
    tight = Order("tight", (60.175, 24.940), (Window(8 * HOUR, 8 * HOUR + 900),), {"milk": 1}, service_s=60)
    problem = Problem((site,), (bike,), (tight,), "tight")
    provider = StraightLineProvider()
    matrix = provider.matrix(problem.locations(), ["bike"])
    route = time_route(problem, matrix, 0, [(0, "delivery")], not_before_s=8 * HOUR).route
    live = LivePlan(problem, matrix, Plan((route,), (), SolveStats(0, 0, 0, "")), 8 * HOUR, {})
    return SimpleNamespace(live=live, provider=provider)


def test_a_basket_that_would_delay_the_departure_past_an_earlier_window_gets_no_slot_in_that_trip() -> None:
    near = (60.1745, 24.9405)  # on the way: cheap to add, but its basket is ready only after 20 minutes of picking
    one_trip = _one_courier_with_a_tight_stop(max_trips=1)
    slow = PromiseDesk(one_trip.live, one_trip.provider, PromisePolicy(prep_s=1200))
    assert slow.offer(Demand({"milk": 1}), near, 8 * HOUR).slots == ()
    world = _one_courier_with_a_tight_stop()
    slow = PromiseDesk(world.live, world.provider, PromisePolicy(prep_s=1200))
    offer = slow.offer(Demand({"milk": 1}), near, 8 * HOUR)
    after = slow.confirm(offer.id, 0, "near", 8 * HOUR)
    stops = after.plan.routes[0].stops
    assert [(after.problem.orders[s.order].id, s.trip) for s in stops] == [("tight", 0), ("near", 1)]
    assert stops[0].start_s <= 8 * HOUR + 900 and after.plan.routes[0].trips[1].depart_s >= 8 * HOUR + 1200
    quick = PromiseDesk(world.live, world.provider, PromisePolicy(prep_s=60))
    offer = quick.offer(Demand({"milk": 1}), near, 8 * HOUR)
    assert offer.slots
    after = quick.confirm(offer.id, 0, "near", 8 * HOUR)
    tight = next(s for s in after.plan.routes[0].stops if s.order == 0)
    assert tight.start_s <= 8 * HOUR + 900


def test_dropping_added_orders_gives_back_the_same_problem_matrix_and_plan() -> None:
    world = _one_courier_with_a_tight_stop()
    live = world.live
    extra = [Order(f"x{k}", (60.171 + k / 1000, 24.941), (Window(9 * HOUR, 10 * HOUR),)) for k in range(3)]
    problem, matrix, plan = add_orders(live.problem, live.matrix, live.plan, extra, world.provider)
    assert matrix.size == live.matrix.size + 3
    back, smaller, same = drop_orders(problem, matrix, plan, {1, 2, 3})
    assert back == live.problem and same == live.plan
    assert np.array_equal(smaller.duration_s["bike"], live.matrix.duration_s["bike"])
    kept, _, renumbered = drop_orders(problem, matrix, plan, {1, 3})
    assert [o.id for o in kept.orders] == ["tight", "x1"] and renumbered.routes[0].stops[0].order == 0


def test_adding_an_order_moves_the_pickup_stops_with_their_matrix_rows() -> None:
    site = Site("store", "store", SITE, Window(0, 20 * HOUR), {"milk": 10})
    bike = Courier("bike", 0, Window(8 * HOUR, 12 * HOUR), "bike", Capacity(30_000))
    meal = Order(
        "meal", (60.175, 24.94), (Window(8 * HOUR, 11 * HOUR),), pickup=Pickup((60.172, 24.95), (Window(0, 20 * HOUR),))
    )
    milk = Order("milk", (60.168, 24.93), (Window(8 * HOUR, 11 * HOUR),), {"milk": 1})
    problem = Problem((site,), (bike,), (meal, milk))
    provider = StraightLineProvider()
    matrix = provider.matrix(problem.locations(), ["bike"])
    route = time_route(problem, matrix, 0, [(0, "pickup"), (0, "delivery"), (1, "delivery")]).route
    plan = Plan((route,), (), SolveStats(0, 0, 0, ""))
    new = Order("new", (60.171, 24.935), (Window(8 * HOUR, 11 * HOUR),), {"milk": 1})
    grown, bigger, moved = add_orders(problem, matrix, plan, [new], provider)
    nodes = [s.node for s in moved.routes[0].stops]
    assert nodes == [grown.pickup_node[0], grown.delivery_node(0), grown.delivery_node(1)] == [4, 1, 2]
    old_pickup, new_pickup = problem.pickup_node[0], grown.pickup_node[0]
    assert bigger.duration_s["bike"][new_pickup, 1] == matrix.duration_s["bike"][old_pickup, 1]
    assert moved.routes[0].stops[1] is plan.routes[0].stops[1]  # a delivery stop is kept as it was
