"""Putting one new order into a live plan at a chosen insertion, and checking that the plan still holds."""

from __future__ import annotations

from dataclasses import replace

from geo.matrix import LegProvider
from routing.errors import Conflict
from routing.model import Order
from routing.plan import Route
from routing.timing import time_route
from scheduling.eta import next_free
from scheduling.extend import add_orders
from scheduling.insertion import ALONE, HEAD, Insertion
from scheduling.live import LivePlan, day_refs, with_route

__all__ = ["joined_reloads", "place_order", "with_later_trips"]


def joined_reloads(reloads: list[int], slot: int, joins: int, count: int) -> list[int]:
    """The positions where trips start (``reloads``, in a day of ``count`` stops) once a stop is put before
    stop ``slot``, joining as ``joins`` (the trip before it, the head of the trip at ``slot``, or alone).

    >>> joined_reloads([2], 2, 0, 4), joined_reloads([2], 2, 1, 4), joined_reloads([2], 2, 2, 4)
    ([3], [2], [2, 3])
    """
    kept = {r if r < slot or (r == slot and joins == HEAD) else r + 1 for r in reloads}
    if joins == ALONE:
        kept |= {p for p in (slot, slot + 1) if 0 < p < count}
    return sorted(kept)


def with_later_trips(first: Route | None, kept: int, later: Route) -> Route:
    """A courier's route: the first ``kept`` stops of ``first`` (the trip under way) as they are, then
    ``later``'s trips; ``later`` alone when nothing is kept."""
    if first is None or kept == 0:
        return later
    stops = (*first.stops[:kept], *(replace(s, trip=s.trip + 1) for s in later.stops))
    trips = (first.trips[0], *later.trips) if later.stops else first.trips[:1]
    distance = sum(t.distance_m for t in trips)
    return replace(later, start_s=first.start_s, distance_m=distance, stops=stops, trips=trips)


def place_order(
    live: LivePlan, provider: LegProvider, order: Order, insertion: Insertion, *, ready_s: int | None = None
) -> LivePlan:
    """Return ``live`` with ``order`` added to the problem and delivered by ``insertion.courier`` before its
    ``insertion.slot``-th stop, in the trip ``insertion.joins`` says; the basket is ready at ``ready_s`` (when
    given, the order's ``ready_s`` becomes at least that) and the courier's trips not started are re-timed from
    when it is free (:func:`scheduling.eta.next_free`).

    Raises ``Conflict`` when the re-timed day would reach the new order outside its windows, or make any other
    stop later than its window (or later than it already was): the insertion is then refused, nothing changes.
    """
    courier = insertion.courier
    if ready_s is not None:
        order = replace(order, ready_s=max(order.ready_s or ready_s, ready_s))
    old = live.routes.get(courier)
    kept, free, _ = next_free(live, courier)
    refs, reloads = day_refs(old.stops[kept:] if old is not None else ())
    before = time_route(live.problem, live.matrix, courier, refs, not_before_s=free, reloads=reloads)
    problem, matrix, plan = add_orders(live.problem, live.matrix, live.plan, [order], provider)
    new = len(problem.orders) - 1
    reloads = joined_reloads(reloads, insertion.slot - kept, insertion.joins, len(refs) + 1)
    refs.insert(insertion.slot - kept, (new, "delivery"))
    after = time_route(problem, matrix, courier, refs, not_before_s=free, reloads=reloads)
    lateness = {(s.order, s.kind): late for s, late in zip(before.route.stops, before.late_s, strict=True)}
    for stop, late in zip(after.route.stops, after.late_s, strict=True):
        allowed = 0 if stop.order == new else lateness[(stop.order, stop.kind)]
        if late > allowed:
            raise Conflict(f"order {order.id}: no longer fits courier {problem.couriers[courier].id}'s day on time")
    if after.end_late_s > before.end_late_s:
        raise Conflict(f"order {order.id}: courier {problem.couriers[courier].id} would end after the shift")
    routes = with_route(plan.routes, courier, with_later_trips(old, kept, after.route))
    return replace(live, problem=problem, matrix=matrix, plan=replace(plan, routes=routes))
