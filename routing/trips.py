"""How many trips each courier's day is modelled with: its limit, or an estimate when it has none.

Every trip is a vehicle of the OR-Tools model, so slots cost search time: a courier without ``max_trips`` gets twice
what its share of the load needs (at least ``MIN_SLOTS``), but no more than its shift holds of round trips to its
median order, nor than the orders it may serve. A courier ending at another site makes one trip.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np

from geo.matrix import Matrix
from routing.model import Problem

__all__ = ["MIN_SLOTS", "trip_slots"]

MIN_SLOTS = 3  # a courier without a trip limit gets at least this many trips (when it has the orders)


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
        wanted = min(max(MIN_SLOTS, 2 * by_load), _by_time(problem, matrix, c, served))
        slots[c] = max(1, min(limit or len(served), len(served), wanted))
    return slots


def _by_time(problem: Problem, matrix: Matrix, c: int, served: Sequence[int]) -> int:
    """Round trips to the courier's median order (there and back, its service, the site's reload) in its shift."""
    courier, site = problem.couriers[c], problem.sites[problem.couriers[c].site]
    nodes = [problem.delivery_node(o) for o in served]
    dur = matrix.duration_s[courier.profile]
    legs = np.median(dur[courier.site, nodes] + dur[nodes, courier.site])
    service = float(np.median([problem.orders[o].service_s for o in served]))
    round_trip = max(1.0, float(legs) + service + site.reload_s)
    return math.ceil((courier.shift.end_s - courier.shift.start_s) / round_trip)
