"""A courier's trips in a live plan: leaving the site on the next trip, and coming back from one.

A trip that is over leaves the live plan: its orders leave the problem (the items it carried leave the site's
stock) and the courier's next trip becomes the first of its route, re-timed from the end of its reload. This
keeps the live plan's problem and matrix as small as the work still open, however long the day.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import replace

from geo.matrix import Matrix
from routing.errors import Conflict
from routing.model import Problem
from routing.plan import Plan
from routing.timing import time_route
from scheduling.extend import drop_orders
from scheduling.live import LivePlan, day_refs, with_route

__all__ = ["finish_trip", "live_at", "start_trip"]


def start_trip(live: LivePlan, courier: int, now_s: int) -> LivePlan:
    """``live`` with ``courier`` leaving its site at ``now_s`` on its route's first trip, the day re-timed from
    then; the same plan when it has already left.

    Raises ``Conflict`` when the courier has no trip to start.
    """
    route = live.routes.get(courier)
    state = live.state(courier)
    if state.departed:
        return live
    if route is None or not route.stops:
        raise Conflict(f"courier {live.problem.couriers[courier].id}: no trip to start")
    refs, reloads = day_refs(route.stops)
    timed = time_route(live.problem, live.matrix, courier, refs, depart_s=now_s, reloads=reloads).route
    here = live.locations[route.site]
    states = {**live.states, courier: replace(state, departed=True, position=here, ping_s=now_s)}
    later = live.at(now_s)
    return replace(later, plan=replace(live.plan, routes=with_route(live.plan.routes, courier, timed)), states=states)


def finish_trip(live: LivePlan, courier: int, now_s: int) -> LivePlan:
    """``live`` with ``courier`` back at its site at ``now_s`` from the trip under way: the trip and its orders
    leave the plan, the courier reloads (the site's ``reload_s``) and its next trip, if any, is re-timed to
    leave no earlier than that.

    Raises ``Conflict`` when the courier is not on a trip or some stop of it is not done.
    """
    route = live.routes.get(courier)
    state = live.state(courier)
    name = live.problem.couriers[courier].id
    if route is None or not state.departed:
        raise Conflict(f"courier {name}: not on a trip")
    end = live.first_trip_end(courier)
    if state.done < end:
        raise Conflict(f"courier {name}: {end - state.done} stops of its trip are not done")
    problem = live.problem
    finished, rest = route.stops[:end], route.stops[end:]
    left = Counter(dict(problem.sites[route.site].stock))
    for stop in finished:
        if stop.kind == "delivery" and problem.orders[stop.order].pickup is None:
            left.subtract(problem.orders[stop.order].items)
    sites = list(problem.sites)
    sites[route.site] = replace(sites[route.site], stock=dict(+left))
    shorter = replace(
        live.plan, routes=with_route(live.plan.routes, courier, replace(route, stops=rest) if rest else None)
    )
    smaller, matrix, plan = drop_orders(
        replace(problem, sites=tuple(sites)), live.matrix, shorter, {s.order for s in finished}
    )
    free = now_s + problem.sites[route.site].reload_s
    if rest:
        kept = next(r for r in plan.routes if r.courier == courier)
        refs, reloads = day_refs(kept.stops)
        timed = time_route(smaller, matrix, courier, refs, not_before_s=free, reloads=reloads).route
        plan = replace(plan, routes=tuple(timed if r.courier == courier else r for r in plan.routes))
    back = replace(state, done=0, departed=False, position=live.locations[route.site], ping_s=now_s)
    states = {**live.states, courier: replace(back, trips_done=state.trips_done + 1, free_s=free)}
    return replace(live, problem=smaller, matrix=matrix, plan=plan, now_s=max(live.now_s, now_s), states=states)


def live_at(problem: Problem, matrix: Matrix, plan: Plan, now_s: int) -> LivePlan:
    """The live plan as if every route had run exactly as planned until ``now_s``: the trips back by then are over
    (:func:`finish_trip`), a courier has left on its next trip when that trip's start is past, and the stops whose
    departure is past are done."""
    live = LivePlan(problem, matrix, plan, now_s)
    for route in plan.routes:
        c = route.courier
        for trip in route.trips:
            if trip.back_s > now_s or not live.first_trip_end(c):
                break
            done = replace(live.state(c), done=live.first_trip_end(c), departed=True)
            live = finish_trip(replace(live, states={**live.states, c: done}), c, trip.back_s)
        current = live.routes.get(c)
        if current is not None:
            trip_end = live.first_trip_end(c)
            done_now = sum(1 for s in current.stops[:trip_end] if s.departure_s <= now_s)
            state = replace(live.state(c), done=done_now, departed=current.start_s <= now_s)
            live = replace(live, states={**live.states, c: state})
    return live
