"""Re-planning a live plan: new orders go in at once; re-optimising never moves a locked stop or a load."""

from __future__ import annotations

from dataclasses import replace
from types import SimpleNamespace

from routing import Order, Reason, SolveParams, Window
from scheduling import CourierState, LivePlan, live_at
from scheduling.check import check_routes
from scheduling.replan import insert_orders, reoptimise

from .conftest import HOUR, STORE
from .test_promise import edited

PARAMS = SolveParams(time_limit_s=600, solution_limit=100, metaheuristic="GREEDY_DESCENT", ruin_iterations=3, workers=1)


def under_way(morning: SimpleNamespace) -> LivePlan:
    """09:15, one courier two stops in and driving to its third; the other courier has left too."""
    live = live_at(morning.problem, morning.matrix, morning.plan, int(9.25 * HOUR))
    busy = max(live.routes.values(), key=lambda r: len(r.stops)).courier
    return replace(live, states={**live.states, busy: CourierState(done=2, departed=True)})


def test_new_orders_are_inserted_or_kept_with_a_reason(morning: SimpleNamespace) -> None:
    live = live_at(morning.problem, morning.matrix, morning.plan, 8 * HOUR - 600)
    fits = Order("new-1", (STORE[0] + 0.003, STORE[1]), (Window(9 * HOUR, 10 * HOUR),), {"milk": 1}, weight_g=1_000)
    too_late = Order("new-2", (STORE[0] + 0.003, STORE[1]), (Window(0, 600),), {"milk": 1}, weight_g=1_000)
    sold_out = Order("new-3", STORE, (Window(9 * HOUR, 10 * HOUR),), {"caviar": 1}, weight_g=100)
    new, left_out = insert_orders(live, morning.provider, [fits, too_late, sold_out])
    ids = [new.problem.orders[u.order].id for u in left_out]
    assert ids == ["new-2", "new-3"] and left_out[1].reason is Reason.NO_STOCK
    assert {u.order for u in new.plan.unassigned} == {u.order for u in left_out}
    served = {new.problem.orders[o].id for r in new.plan.routes for o in r.orders}
    assert "new-1" in served and len(served) == morning.plan.summary.orders_served + 1
    assert check_routes(new.problem, new.matrix, edited(new)).ok


def test_reoptimising_keeps_locked_stops_and_loads_with_their_courier(morning: SimpleNamespace) -> None:
    live = under_way(morning)
    extra = [Order(f"late-{k}", (STORE[0] - 0.004 * k, STORE[1]), (Window(10 * HOUR, 11 * HOUR),)) for k in (1, 2)]
    live, _ = insert_orders(live, morning.provider, extra)
    new, changes = reoptimise(live, PARAMS, seed=0)
    under_way_couriers = [c for c in live.routes if live.locked(c) > 0]
    assert len(under_way_couriers) == 2
    for courier in under_way_couriers:
        locked, route, after = live.locked(courier), live.routes[courier], new.routes[courier]
        assert [s.order for s in after.stops[:locked]] == [s.order for s in route.stops[:locked]]
        assert after.stops[: locked - 1] == route.stops[: locked - 1]  # done stops keep even their times
        assert set(after.orders) >= set(route.orders)  # what it carries stays on board
    served = [o for r in new.plan.routes for o in r.orders]
    assert len(served) == len(set(served))
    assert set(served) | {u.order for u in new.plan.unassigned} == set(range(len(live.problem.orders)))
    for courier, change in changes.items():
        assert change.before != change.after and change.courier == live.problem.couriers[courier].id
    unchanged = set(range(len(live.problem.couriers))) - set(changes)
    for courier in unchanged:
        old, now = live.routes.get(courier), new.routes.get(courier)
        assert (old.orders if old else ()) == (now.orders if now else ())
