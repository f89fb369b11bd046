"""Who could have served a refused order: couriers idle at a site that holds the basket and covers the address."""

from __future__ import annotations

from geo.matrix import Point
from scheduling import Demand, PromiseDesk

__all__ = ["IDLE_AHEAD_S", "idle_able"]

IDLE_AHEAD_S = 30 * 60
"""A courier is idle when it has no trip planned to leave within this long."""


def idle_able(desk: PromiseDesk, demand: Demand, location: Point, now_s: int) -> int:
    """How many couriers could have taken ``demand`` at ``location`` at ``now_s`` and were idle: on shift, at
    their site, no trip planned to leave within :data:`IDLE_AHEAD_S`, the skills and a capacity the basket fits,
    at a site with the basket's stock (after the plan and the offers held) whose zone covers the address."""
    view, live = desk.view, desk.live
    _, covering = view.sites_for(demand, location, desk.holds.held(now_s, items=list(demand.items)))
    count = 0
    for c, courier in enumerate(live.problem.couriers):
        route = live.routes.get(c)
        if not courier.shift.start_s <= now_s < courier.shift.end_s or live.state(c).departed:
            continue
        if route is not None and route.stops and route.start_s < now_s + IDLE_AHEAD_S:
            continue
        if courier.site in covering and demand.skills <= courier.skills and demand.fits(courier.capacity):
            count += 1
    return count
