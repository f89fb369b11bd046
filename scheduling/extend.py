"""Adding orders to a problem under way (the new orders, their matrix rows and columns, the plan's nodes), and
dropping the finished ones so that a day-long live plan stays small.

Matrix nodes keep the order :meth:`routing.Problem.locations` fixes (sites, deliveries, pickups), so new
deliveries go in before the pickups, and the plan's pickup stops move along by the number of new orders.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import replace

import numpy as np

from geo.matrix import LegProvider, Matrix, Point
from routing.model import Order, Problem
from routing.plan import Plan, Stop

__all__ = ["add_orders", "drop_orders"]


def _grow(old: np.ndarray, keep: np.ndarray, added: np.ndarray, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """``old`` placed at ``keep`` positions, with ``rows`` (new → all) and ``cols`` (all → new) at ``added``."""
    size = len(keep) + len(added)
    grown = np.zeros((size, size), dtype=np.int64)
    if len(keep) and keep[-1] == len(keep) - 1:  # no pickup node moves: one block
        grown[: len(keep), : len(keep)] = old
    else:
        grown[np.ix_(keep, keep)] = old
    grown[added, :] = rows
    grown[:, added] = cols
    grown[added, added] = 0
    return grown


def add_orders(
    problem: Problem, matrix: Matrix, plan: Plan, orders: Sequence[Order], provider: LegProvider
) -> tuple[Problem, Matrix, Plan]:
    """Return the problem with ``orders`` appended, its matrix with their trips (from ``provider``) and
    ``plan`` with its pickup stops renumbered. Orders with a pickup add a pickup node as well."""
    grown = replace(problem, orders=(*problem.orders, *orders))
    old_size, first_new = matrix.size, len(problem.sites) + len(problem.orders)
    new_pickups = sum(1 for o in orders if o.pickup is not None)
    keep = np.array([n if n < first_new else n + len(orders) for n in range(old_size)], dtype=np.int64)
    added = np.array(
        [
            *range(first_new, first_new + len(orders)),
            *range(old_size + len(orders), old_size + len(orders) + new_pickups),
        ],
        dtype=np.int64,
    )
    points: list[Point] = grown.locations()
    new_points = [points[n] for n in added]
    distances, durations = {}, {}
    for profile in matrix.profiles:
        out_m, out_s = provider.legs(new_points, points, profile)
        in_m, in_s = provider.legs(points, new_points, profile)
        distances[profile] = _grow(matrix.distance_m[profile], keep, added, out_m, in_m)
        durations[profile] = _grow(matrix.duration_s[profile], keep, added, out_s, in_s)
    if not any(s.node >= first_new for r in plan.routes for s in r.stops):
        return grown, Matrix(distances, durations), plan  # no pickup stop moves
    routes = tuple(replace(r, stops=tuple(_renumbered(s, keep, first_new) for s in r.stops)) for r in plan.routes)
    return grown, Matrix(distances, durations), replace(plan, routes=routes)


def _renumbered(stop: Stop, keep: np.ndarray, first_new: int) -> Stop:
    """``stop`` at its node's new number (only pickup nodes, from ``first_new`` on, move)."""
    return stop if stop.node < first_new else replace(stop, node=int(keep[stop.node]))


def drop_orders(problem: Problem, matrix: Matrix, plan: Plan, gone: Collection[int]) -> tuple[Problem, Matrix, Plan]:
    """Return the problem without orders ``gone`` (indices; none may be on a route), its matrix without their
    nodes, and ``plan`` renumbered to match; orders of ``gone`` in ``plan.unassigned`` are dropped from it."""
    on_routes = {o for r in plan.routes for o in r.orders} & set(gone)
    if on_routes:
        raise ValueError(f"orders {sorted(on_routes)[:5]} are still on a route")
    kept = [o for o in range(len(problem.orders)) if o not in gone]
    renumber = {o: k for k, o in enumerate(kept)}
    pickups = [o for o in problem.pickup_orders if o not in gone]
    nodes = [*range(len(problem.sites)), *(problem.delivery_node(o) for o in kept)]
    nodes += [problem.pickup_node[o] for o in pickups]
    new_node = {old: new for new, old in enumerate(nodes)}
    index = np.array(nodes, dtype=np.int64)
    smaller = Matrix(
        {p: a[np.ix_(index, index)] for p, a in matrix.distance_m.items()},
        {p: a[np.ix_(index, index)] for p, a in matrix.duration_s.items()},
    )
    routes = tuple(
        replace(r, stops=tuple(replace(s, order=renumber[s.order], node=new_node[s.node]) for s in r.stops))
        for r in plan.routes
    )
    unassigned = tuple(replace(u, order=renumber[u.order]) for u in plan.unassigned if u.order not in gone)
    trimmed = replace(problem, orders=tuple(problem.orders[o] for o in kept))
    return trimmed, smaller, replace(plan, routes=routes, unassigned=unassigned)
