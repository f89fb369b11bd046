"""A courier back at its site after a trip: the trip leaves the live plan so the courier can take another.

The live plan knows one route per courier. When a courier is back, its route is done: the route and its orders
leave the plan (the items it carried leave the site's stock), and the courier's shift restarts from now, so
promises, insertions and re-plans can give it a new trip. Dropping finished orders also keeps the live plan's
problem and matrix as small as the work still open, however long the day.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import replace

from routing.model import Window
from scheduling.extend import drop_orders
from scheduling.live import LivePlan

__all__ = ["retire_trip"]


def retire_trip(live: LivePlan, courier: int, now_s: int) -> LivePlan:
    """``live`` without ``courier``'s finished route and its orders, the courier free again from ``now_s``."""
    problem = live.problem
    route = live.routes[courier]
    left = Counter(dict(problem.sites[route.site].stock))
    for o in route.orders:
        left.subtract(problem.orders[o].items)
    sites = list(problem.sites)
    sites[route.site] = replace(sites[route.site], stock=dict(+left))
    couriers = list(problem.couriers)
    shift = couriers[courier].shift
    couriers[courier] = replace(
        couriers[courier], shift=Window(min(max(shift.start_s, now_s), shift.end_s), shift.end_s)
    )
    plan = replace(live.plan, routes=tuple(r for r in live.plan.routes if r.courier != courier))
    smaller = replace(problem, sites=tuple(sites), couriers=tuple(couriers))
    smaller, matrix, plan = drop_orders(smaller, live.matrix, plan, set(route.orders))
    states = {c: s for c, s in live.states.items() if c != courier}
    return LivePlan(smaller, matrix, plan, max(live.now_s, now_s), states)
