"""Ready times from a site's picking capacity: baskets picked earliest-window-first by parallel pickers.

An order without its own ``ready_s`` served from a site with ``picking`` is ready when a picker has finished its
basket. Pickers take baskets in order of the order's earliest window start (the baskets for early trips first),
each the next free picker, from ``Picking.start_s``. The solver plans with the schedule of every order the site
could serve; the plan is re-timed with the schedule of the orders it actually serves there, in the same order,
which finishes each of them no later (independent jobs on identical pickers, fewer of them).
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Mapping, Sequence

from routing.model import Problem

__all__ = ["pick_schedule", "ready_at", "site_ready_times"]


def pick_schedule(problem: Problem, site: int, orders: Iterable[int]) -> dict[int, int]:
    """When each of ``orders`` is picked at ``site`` (seconds), taken earliest window first by its pickers.

    Orders with their own ``ready_s`` or a pickup are not picked here; a site without ``picking`` picks nothing.
    """
    picking = problem.sites[site].picking
    if picking is None:
        return {}
    todo = sorted(
        (o for o in set(orders) if problem.orders[o].ready_s is None and problem.orders[o].pickup is None),
        key=lambda o: (min(w.start_s for w in problem.orders[o].windows), o),
    )
    free = [picking.start_s] * picking.pickers
    ready: dict[int, int] = {}
    for o in todo:
        start = heapq.heappop(free)
        done = start + picking.order_s + picking.item_s * problem.orders[o].item_count
        ready[o] = done
        heapq.heappush(free, done)
    return ready


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
