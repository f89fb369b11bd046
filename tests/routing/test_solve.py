"""The solver on small street problems: every order served or explained, constraints respected."""

from __future__ import annotations

from dataclasses import replace
from types import SimpleNamespace

from routing import Capacity, Order, Pickup, Problem, Reason, SolveParams, Window, solve

# Stopped by counts, not by time: a local optimum per search, a few ruin-and-recreate rounds.
PARAMS = SolveParams(time_limit_s=60, solution_limit=50, metaheuristic="GREEDY_DESCENT", ruin_iterations=5)
HOUR = 3600


def test_serves_every_order_on_one_route(street: SimpleNamespace) -> None:
    orders = tuple(street.order(f"o{k}", k + 1.0, 0, 150 * (k + 1)) for k in range(4))  # only outwards in time
    problem = Problem((street.site(),), (street.courier(),), orders)
    plan = solve(problem, street.matrix(problem), params=PARAMS)
    assert plan.is_complete()
    assert [r.orders for r in plan.routes] == [(0, 1, 2, 3)]  # out along the street in order
    route = plan.routes[0]
    assert route.distance_m == 8_000  # 4 km out and back
    assert [s.arrival_s for s in route.stops] == [100, 200, 300, 400]
    assert [s.load_g for s in route.stops] == [3_000, 2_000, 1_000, 0]


def test_fixed_cost_keeps_the_fleet_small(street: SimpleNamespace) -> None:
    couriers = tuple(street.courier(f"c{k}", fixed_cost=100_000) for k in range(3))
    problem = Problem((street.site(),), couriers, tuple(street.order(f"o{k}", k + 1.0) for k in range(6)))
    plan = solve(problem, street.matrix(problem), params=PARAMS)
    assert plan.summary.routes == 1 and plan.is_complete()


def test_time_windows_force_the_visiting_order(street: SimpleNamespace) -> None:
    far_first = street.order("far", 3.0, 0, 400)
    near_later = street.order("near", 1.0, 1_000, 2_000)
    problem = Problem((street.site(),), (street.courier(),), (near_later, far_first))
    plan = solve(problem, street.matrix(problem), params=PARAMS)
    assert plan.routes[0].orders == (1, 0)
    assert plan.routes[0].stops[1].start_s == 1_000  # waits for the window


def test_second_window_used_when_first_is_missed(street: SimpleNamespace) -> None:
    o = Order("o", (0.0, 5.0), (Window(0, 100), Window(2_000, 2_500)), items={"milk": 1}, weight_g=10)
    problem = Problem((street.site(),), (street.courier(),), (o,))
    plan = solve(problem, street.matrix(problem), params=PARAMS)
    assert plan.routes[0].stops[0].start_s == 2_000


def test_capacity_splits_routes(street: SimpleNamespace) -> None:
    couriers = tuple(street.courier(f"c{k}", capacity=Capacity(2_500), max_trips=1) for k in range(2))
    problem = Problem((street.site(),), couriers, tuple(street.order(f"o{k}", k + 1.0) for k in range(4)))
    plan = solve(problem, street.matrix(problem), params=PARAMS)
    assert plan.is_complete() and plan.summary.routes == 2
    assert all(sum(problem.orders[o].weight_g for o in r.orders) <= 2_500 for r in plan.routes)


def test_last_unit_of_stock_is_not_sold_twice(street: SimpleNamespace) -> None:
    sites = (street.site("near", 0.0, {"milk": 1}), street.site("far", 10.0, {"milk": 5}))
    couriers = (street.courier("a", 0), street.courier("b", 1))
    problem = Problem(sites, couriers, (street.order("o1", 1.0), street.order("o2", 2.0)))
    plan = solve(problem, street.matrix(problem), params=PARAMS)
    assert plan.is_complete()
    from_near = [len(r.orders) for r in plan.routes if problem.sites[r.site].id == "near"]
    assert sum(from_near) <= 1


def test_stock_used_up_is_reported_as_no_stock(street: SimpleNamespace) -> None:
    problem = Problem(
        (street.site("s", 0.0, {"milk": 1}),), (street.courier(),), (street.order("o1", 1.0), street.order("o2", 2.0))
    )
    plan = solve(problem, street.matrix(problem), params=PARAMS)
    assert plan.summary.orders_served == 1
    assert [u.reason for u in plan.unassigned] == [Reason.NO_STOCK]


def test_pickup_before_delivery_within_ride_time(street: SimpleNamespace) -> None:
    orders = tuple(
        Order(
            f"p{k}",
            (0.0, 6.0 - k),
            (Window(0, 8 * HOUR),),
            weight_g=500,
            pickup=Pickup((0.0, 1.0 + k), (Window(0, 8 * HOUR),), max_ride_s=900),
        )
        for k in range(3)
    )
    problem = Problem((street.site(),), (street.courier(capacity=Capacity(1_000)),), orders)
    plan = solve(problem, street.matrix(problem), params=PARAMS)
    assert plan.is_complete()
    stops = plan.routes[0].stops
    for k in range(3):
        pickup = next(s for s in stops if s.order == k and s.kind == "pickup")
        drop = next(s for s in stops if s.order == k and s.kind == "delivery")
        assert pickup.departure_s <= drop.arrival_s and drop.start_s - pickup.start_s <= 900
    assert max(s.load_g for s in stops) <= 1_000


def test_a_plan_comes_back_without_couriers(street: SimpleNamespace) -> None:
    problem = Problem((street.site(),), (), (street.order("o", 1.0),))
    plan = solve(problem, street.matrix(problem), params=PARAMS)
    assert plan.routes == () and [u.reason for u in plan.unassigned] == [Reason.NO_COURIER_ON_SHIFT]


def test_stock_orders_and_pickups_share_one_load(street: SimpleNamespace) -> None:
    """The van leaves with the stock order aboard; the pickup fits only once that has been delivered."""
    stock = street.order("stock", 1.0, weight_g=600)
    pd = Order(
        "pd", (0.0, 3.0), (Window(0, 8 * HOUR),), weight_g=600, pickup=Pickup((0.0, 2.0), (Window(0, 8 * HOUR),))
    )
    problem = Problem((street.site(),), (street.courier(capacity=Capacity(1_000)),), (stock, pd))
    plan = solve(problem, street.matrix(problem), params=PARAMS)
    assert plan.is_complete()
    assert [(s.order, s.kind, s.load_g) for s in plan.routes[0].stops] == [
        (0, "delivery", 0),
        (1, "pickup", 600),
        (1, "delivery", 0),
    ]


def test_parallel_workers_return_the_best_plan(street: SimpleNamespace) -> None:
    couriers = tuple(
        street.courier(f"c{k}", capacity=Capacity(3_000), fixed_cost=10_000, max_trips=1) for k in range(4)
    )
    problem = Problem((street.site(),), couriers, tuple(street.order(f"o{k}", k + 1.0) for k in range(8)))
    alone = solve(problem, street.matrix(problem), params=PARAMS)
    together = solve(problem, street.matrix(problem), params=replace(PARAMS, workers=3, decompose_parts=3))
    assert together.is_complete() and together.summary.routes == 3
    assert (together.summary.routes, together.stats.objective) <= (alone.summary.routes, alone.stats.objective)
