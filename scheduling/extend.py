"""Adding orders to a problem under way: the new orders, their matrix rows and columns, and the plan's nodes.

Matrix nodes keep the order :meth:`routing.Problem.locations` fixes (sites, deliveries, pickups), so new
deliveries go in before the pickups, and the plan's pickup stops move along by the number of new orders.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from geo.matrix import LegProvider, Matrix, Point
from routing.model import Order, Problem
from routing.plan import Plan

__all__ = ["add_orders"]


def _grow(old: np.ndarray, keep: np.ndarray, added: np.ndarray, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """``old`` placed at ``keep`` positions, with ``rows`` (new → all) and ``cols`` (all → new) at ``added``."""
    size = len(keep) + len(added)
    grown = np.zeros((size, size), dtype=np.int64)
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
    routes = tuple(replace(r, stops=tuple(replace(s, node=int(keep[s.node])) for s in r.stops)) for r in plan.routes)
    return grown, Matrix(distances, durations), replace(plan, routes=routes)
