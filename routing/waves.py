"""A first multi-trip plan, wave by wave: one more trip per courier at a time, each after the courier is back.

OR-Tools' first-solution heuristics do not see the constraints that keep a courier's trips apart in time, so on a
model with several trips per courier the plan they build fails as a whole. A wave is a model with one trip per
courier, each leaving no earlier than the courier is free (back from its last trip, reloaded), where the heuristics
work; a trip's span costs one per second there, so that trips stay short and leave time for the next wave. Waves
go on while they serve more orders; the stock the earlier waves took is gone for the later ones. Breaks are left
to the full model (which may reject the plan: then the caller starts elsewhere).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from routing.deadline import Deadline
from routing.ortools_model import RoutingModel, SearchResult, Wave
from routing.params import SolveParams
from routing.partition import stock_left, with_stock
from routing.picking import site_ready_times
from routing.timing import StopRef, time_route

if TYPE_CHECKING:
    from routing.phases import Scope

__all__ = ["by_waves"]


def by_waves(scope: Scope, couriers: Sequence[int], params: SolveParams, deadline: Deadline) -> SearchResult | None:
    """Routes (with their trips in ``reloads``) of the scope's orders for ``couriers``, built wave by wave from
    OR-Tools' first solution of each wave, within ``deadline``; ``None`` if the first wave serves nothing."""
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
        able = [c for c in couriers if (limit := problem.couriers[c].trip_limit) is None or _trips(c) < limit]
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
