"""Ready times from a site's picking capacity: baskets picked earliest-window-first by parallel pickers.

An order without its own ``ready_s`` served from a site with ``picking`` is ready when a picker has finished its
basket. Each order has a home: the nearest site with picking that holds its items (and may serve it: forced site,
zone). A site's pickers take its home orders' baskets first, then the others', each group in order of the order's
earliest window start (the baskets for early trips first), each the next free picker, from ``Picking.start_s``.
The solver plans with the schedule of every order the site could serve (an order served away from home is picked
after the site's own); the plan is re-timed with the schedule of the orders it actually serves there, in the same
order, which finishes each of them no later (independent jobs on identical pickers, fewer of them).
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Iterable, Mapping, Sequence

from geo.zones import points_in_zone, zone_polygon
from routing.model import Problem

__all__ = ["home_sites", "pick_schedule", "ready_at", "site_ready_times"]


def pick_schedule(problem: Problem, site: int, orders: Iterable[int]) -> dict[int, int]:
    """When each of ``orders`` is picked at ``site`` (seconds): home orders first, earliest window first.

    Orders with their own ``ready_s`` or a pickup are not picked here; a site without ``picking`` picks nothing.
    """
    picking = problem.sites[site].picking
    if picking is None:
        return {}
    todo = [o for o in set(orders) if problem.orders[o].ready_s is None and problem.orders[o].pickup is None]
    homes = home_sites(problem, todo)
    todo.sort(key=lambda o: (homes[o] != site, min(w.start_s for w in problem.orders[o].windows), o))
    free = [picking.start_s] * picking.pickers
    ready: dict[int, int] = {}
    for o in todo:
        start = heapq.heappop(free)
        done = start + picking.order_s + picking.item_s * problem.orders[o].item_count
        ready[o] = done
        heapq.heappush(free, done)
    return ready


def home_sites(problem: Problem, orders: Iterable[int]) -> dict[int, int | None]:
    """Each order's home: the nearest site (straight line) with picking that holds its items, is its forced site
    if it has one, and has it in its zone; ``None`` when there is none."""
    picking = [s for s, site in enumerate(problem.sites) if site.picking is not None]
    zones = {s: zone_polygon(zone) for s in picking if (zone := problem.sites[s].zone) is not None}
    homes: dict[int, int | None] = {}
    for o in orders:
        order = problem.orders[o]
        able = [
            s
            for s in picking
            if (order.site is None or order.site == s)
            and all(problem.sites[s].stock.get(item, 0) >= qty for item, qty in order.items.items())
            and (s not in zones or points_in_zone(zones[s], [order.location])[0])
        ]
        homes[o] = min(able, key=lambda s: (math.dist(problem.sites[s].location, order.location), s), default=None)
    return homes


def site_ready_times(problem: Problem, allowed: Mapping[int, Sequence[int]]) -> dict[int, dict[int, int]]:
    """Per site with picking, the ready time of every order some courier of that site is ``allowed`` to serve."""
    candidates: dict[int, set[int]] = {}
    for o, couriers in allowed.items():
        for c in couriers:
            candidates.setdefault(problem.couriers[c].site, set()).add(o)
    return {
        site: pick_schedule(problem, site, orders)
        for site, orders in candidates.items()
        if problem.sites[site].picking is not None
    }


def ready_at(problem: Problem, order: int, picked: Mapping[int, int] | None) -> int | None:
    """An order's ready time: its own ``ready_s``, else its time in ``picked`` (the site's schedule), else none."""
    own = problem.orders[order].ready_s
    if own is not None:
        return own
    return None if picked is None else picked.get(order)
