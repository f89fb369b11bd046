"""How many trips each courier's day is modelled with: its limit, or an estimate when it has none.

Every trip is a vehicle of the OR-Tools model, and slots cost far more search than they give: a courier without
``max_trips`` gets twice what its share of the load needs (at least ``MIN_SLOTS``), but no more than the full trips
its working day holds (at least ``MIN_DAY_SLOTS``), nor than the orders it may serve. A full trip carries as many
median baskets as the courier's capacity takes: out to its median order and back, a hop to the nearest other order
between two baskets, each basket's service and the site's reload. A courier ending at another site makes one trip.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np

from geo.matrix import Matrix
from routing.model import Problem

__all__ = ["MIN_DAY_SLOTS", "MIN_SLOTS", "trip_slots"]

MIN_SLOTS = 3  # a courier without a trip limit gets at least this many trips for its load (when it has the orders)
MIN_DAY_SLOTS = 2  # ... and at least this many however few full trips its day holds
_HOP_SAMPLE = 64  # orders whose nearest neighbour is looked up for the hop between two baskets


def trip_slots(
    problem: Problem,
    matrix: Matrix,
    couriers: Sequence[int],
    orders: Sequence[int],
    allowed: Mapping[int, Sequence[int]],
) -> dict[int, int]:
    """Trips per courier of ``couriers`` for a model of ``orders`` (``allowed``: the couriers of each)."""
    if all(problem.couriers[c].trip_limit == 1 for c in couriers):
        return dict.fromkeys(couriers, 1)
    mine: dict[int, list[int]] = {c: [] for c in couriers}
    for o in orders:
        for c in allowed[o]:
            if c in mine:
                mine[c].append(o)
    share: dict[int, int] = {}
    for o in orders:
        able = [c for c in allowed[o] if c in mine]
        for c in able:
            share[c] = share.get(c, 0) + math.ceil(problem.orders[o].weight_g / len(able))
    slots: dict[int, int] = {}
    for c, served in mine.items():
        courier = problem.couriers[c]
        limit = courier.trip_limit
        if limit == 1 or len(served) <= 1:
            slots[c] = 1
            continue
        by_load = math.ceil(share.get(c, 0) / max(1, courier.capacity.weight_g))
        wanted = min(max(MIN_SLOTS, 2 * by_load), max(MIN_DAY_SLOTS, _full_trips(problem, matrix, c, served)))
        slots[c] = max(1, min(limit or len(served), len(served), wanted))
    return slots


def _full_trips(problem: Problem, matrix: Matrix, c: int, served: Sequence[int]) -> int:
    """Full trips (the module docstring's) that fit, whole, in the courier's shift or its ``max_duration_s``."""
    courier, site = problem.couriers[c], problem.sites[problem.couriers[c].site]
    nodes = np.asarray([problem.delivery_node(o) for o in served])
    dur = matrix.duration_s[courier.profile]
    legs = float(np.median(dur[courier.site, nodes] + dur[nodes, courier.site]))
    sample = nodes[:: max(1, len(nodes) // _HOP_SAMPLE)]
    near = dur[np.ix_(sample, nodes)].astype(float)
    near[near == 0] = np.inf  # the order itself (and any at the same place)
    hop = float(np.median(near.min(axis=1))) if np.isfinite(near).any() else 0.0
    baskets = min(len(served), _baskets(problem, c, served))
    service = float(np.median([problem.orders[o].service_s for o in served]))
    trip = max(1.0, legs + (baskets - 1) * hop + baskets * service + site.reload_s)
    day = courier.shift.end_s - courier.shift.start_s
    if courier.max_duration_s is not None:
        day = min(day, courier.max_duration_s)
    return math.floor(day / trip)


def _baskets(problem: Problem, c: int, served: Sequence[int]) -> int:
    """How many median baskets of ``served`` the courier's capacity takes on one trip (at least one)."""
    capacity = problem.couriers[c].capacity
    orders = [problem.orders[o] for o in served]
    sizes = (
        (capacity.weight_g, [o.weight_g for o in orders]),
        (capacity.volume_cm3, [o.volume_cm3 for o in orders]),
        (capacity.items, [o.item_count for o in orders]),
    )
    fits = [limit / max(1.0, float(np.median(size))) for limit, size in sizes if limit is not None]
    return max(1, math.floor(min(fits)))
