"""A first multi-trip plan, wave by wave: one more trip per courier at a time, each after the courier is back.

OR-Tools' first-solution heuristics do not see the constraints that keep a courier's trips apart in time, so on a
model with several trips per courier the plan they build fails as a whole. A wave is a model with one trip per
courier, each leaving no earlier than the courier is free (back from its last trip, reloaded), where the heuristics
work; a trip's span costs one per second there, so that trips stay short and leave time for the next wave. Waves
go on while they serve more orders; the stock the earlier waves took is gone for the later ones. Breaks are left
to the full model, which reads a plan only if every courier's day in it holds its breaks: :func:`on_time_days`
cuts the days back until they do.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from routing.deadline import Deadline
from routing.ortools_model import RoutingModel, SearchResult, Wave
from routing.params import SolveParams
from routing.partition import stock_left, with_stock
from routing.picking import site_ready_times
from routing.timing import StopRef, split_trips, time_route

if TYPE_CHECKING:
    from routing.phases import Scope

__all__ = ["by_waves", "on_time_days"]


def by_waves(
    scope: Scope, couriers: Sequence[int], params: SolveParams, deadline: Deadline, slots: Mapping[int, int]
) -> SearchResult | None:
    """Routes (with their trips in ``reloads``) of the scope's orders for ``couriers``, built wave by wave from
    OR-Tools' first solution of each wave, within ``deadline``, at most ``slots[c]`` trips for courier ``c`` (the
    full model's, so that it can read the plan); ``None`` if the first wave serves nothing."""
    problem, matrix, orders, allowed = scope.problem, scope.matrix, scope.orders, scope.allowed
    routes: dict[int, list[StopRef]] = {}
    reloads: dict[int, list[int]] = {}
    free: dict[int, int] = {}
    departs: dict[int, int] = {}
    picked = site_ready_times(problem, {o: allowed[o] for o in orders})
    left = list(orders)
    first = replace(params, solution_limit=1)

    def _trips(c: int) -> int:
        return 1 + len(reloads.get(c, ())) if c in routes else 0

    def _span(c: int) -> int:
        """Half the shift for a courier's first trip (so that the waves after it have time), else the shift."""
        courier = problem.couriers[c]
        shift = courier.shift.end_s - courier.shift.start_s
        return shift // 2 if c not in routes and courier.trip_limit != 1 else shift

    def _until(c: int) -> int:
        """The end of the courier's working time, counted from its first departure, once it has one."""
        courier = problem.couriers[c]
        if c not in routes or courier.max_duration_s is None:
            return courier.shift.end_s
        return departs[c] + courier.max_duration_s

    solutions = 0
    while left and deadline.remaining() > 0:
        able = [c for c in couriers if _trips(c) < slots[c]]
        if not able:
            break
        sites = {problem.couriers[c].site for c in couriers}
        used = stock_left(problem, sites, routes, list(routes))
        stock = {s: {item: max(0, q) for item, q in items.items()} for s, items in used.items()}
        wave = Wave(free, orders, {c: _span(c) for c in able}, {c: _until(c) for c in able})
        model = RoutingModel(
            with_stock(problem, stock),
            matrix,
            able,
            left,
            allowed,
            scope.penalty,
            max_wait_s=scope.max_wait_s,
            wave=wave,
        )
        found = model.search(first, deadline.remaining())
        if found is None or not found.routes:
            break
        solutions += found.solutions
        for c, stops in found.routes.items():
            if c in routes:
                reloads.setdefault(c, []).append(len(routes[c]))
            site = problem.couriers[c].site
            trip = time_route(problem, matrix, c, stops, not_before_s=free.get(c, 0), ready=picked.get(site)).route
            free[c] = trip.end_s + problem.sites[site].reload_s
            departs.setdefault(c, trip.start_s)
            routes.setdefault(c, []).extend(stops)
        served = {o for stops in found.routes.values() for o, _ in stops}
        left = [o for o in left if o not in served]
    if not routes:
        return None
    return SearchResult(routes, 0, solutions, "WAVES", {c: tuple(r) for c, r in reloads.items()})


def on_time_days(scope: Scope, start: SearchResult) -> SearchResult:
    """``start`` with each courier's day cut back, its last order first, until it is on time with its breaks (taken
    where they first fit) and the scope's longest wait at a door: one day that cannot hold them makes the full model
    reject the whole plan, and its local search puts the orders cut back in again."""
    problem, matrix = scope.problem, scope.matrix
    picked = site_ready_times(problem, {o: scope.allowed[o] for o in scope.orders})
    routes: dict[int, list[StopRef]] = {}
    reloads: dict[int, tuple[int, ...]] = {}
    for c, stops in start.routes.items():
        trips = split_trips(stops, start.reloads.get(c, ()))
        ready = picked.get(problem.couriers[c].site)
        while trips:
            day, starts = _joined(trips)
            if time_route(problem, matrix, c, day, reloads=starts, ready=ready, max_wait_s=scope.max_wait_s).on_time:
                routes[c], reloads[c] = day, starts
                break
            last = trips[-1][-1][0]
            trips = [kept for trip in trips if (kept := [s for s in trip if s[0] != last])]
    return replace(start, routes=routes, reloads={c: r for c, r in reloads.items() if r})


def _joined(trips: Sequence[Sequence[StopRef]]) -> tuple[list[StopRef], tuple[int, ...]]:
    """A day's stops and where each of its trips after the first starts (the inverse of :func:`split_trips`)."""
    return [s for trip in trips for s in trip], tuple(itertools.accumulate(len(trip) for trip in trips[:-1]))
