"""Putting one new order into a live plan at a chosen insertion, and checking that the plan still holds."""

from __future__ import annotations

from dataclasses import replace

from geo.matrix import LegProvider
from routing.errors import Conflict
from routing.model import Order
from routing.timing import StopRef, time_route
from scheduling.extend import add_orders
from scheduling.insertion import Insertion
from scheduling.live import LivePlan

__all__ = ["place_order"]


def place_order(
    live: LivePlan, provider: LegProvider, order: Order, insertion: Insertion, *, ready_s: int | None = None
) -> LivePlan:
    """Return ``live`` with ``order`` added to the problem and delivered by ``insertion.courier`` before its
    ``insertion.slot``-th stop, the route re-timed to leave no earlier than ``ready_s`` (default: now).

    Raises ``Conflict`` when the re-timed route would reach the new order outside its windows, or make any other
    stop later than its window (or later than it already was): the insertion is then refused, nothing changes.
    """
    courier = insertion.courier
    leave = live.now_s if ready_s is None else ready_s
    old = live.routes.get(courier)
    refs: list[StopRef] = [(s.order, s.kind) for s in old.stops] if old is not None else []
    start = old.start_s if old is not None else None
    before = time_route(live.problem, live.matrix, courier, refs, depart_s=start)
    problem, matrix, plan = add_orders(live.problem, live.matrix, live.plan, [order], provider)
    new = len(problem.orders) - 1
    refs.insert(insertion.slot, (new, "delivery"))
    after = time_route(problem, matrix, courier, refs, not_before_s=leave)
    lateness = {(s.order, s.kind): late for s, late in zip(before.route.stops, before.late_s, strict=True)}
    for stop, late in zip(after.route.stops, after.late_s, strict=True):
        allowed = 0 if stop.order == new else lateness[(stop.order, stop.kind)]
        if late > allowed:
            raise Conflict(f"order {order.id}: no longer fits courier {problem.couriers[courier].id}'s route on time")
    if after.end_late_s > before.end_late_s:
        raise Conflict(f"order {order.id}: courier {problem.couriers[courier].id} would end after the shift")
    routes = [r for r in plan.routes if r.courier != courier]
    routes = sorted([*routes, after.route], key=lambda r: r.courier)
    return replace(live, problem=problem, matrix=matrix, plan=replace(plan, routes=tuple(routes)))
