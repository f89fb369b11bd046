"""Re-planning a live plan: new orders inserted at once, and the rest of the day re-optimised around locks.

Locks: the stops done and the stop a courier is driving to never move, and a courier that has left its site
keeps every order it carries (items are loaded at the site; a pickup done is on board). The re-optimisation is
one :func:`routing.solve` on a sub-problem: each courier under way starts from the stop it is driving to (a
site of its own, open from the moment it can leave that stop) with its load forced to it; couriers still at
their site, the orders they were given and the orders left out are planned afresh with the stock not yet loaded.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from geo.matrix import LegProvider, Matrix
from routing.errors import Conflict
from routing.model import Courier, Order, Problem, Site, Window
from routing.params import SolveParams
from routing.plan import Plan, Reason, Route, Stop, Unassigned
from routing.solve import solve
from routing.timing import StopRef, time_route
from routing.trips import one_trip_each
from scheduling.candidates import Demand, PlanView
from scheduling.eta import courier_eta
from scheduling.extend import add_orders
from scheduling.insertion import NewPoint
from scheduling.live import LivePlan
from scheduling.place import place_order

__all__ = ["RouteChange", "insert_orders", "reoptimise"]


@dataclass(frozen=True)
class RouteChange:
    """A courier whose stops still to come changed: ``(order id, kind)`` before and after."""

    courier: str
    before: tuple[tuple[str, str], ...]
    after: tuple[tuple[str, str], ...]


def _insert_one(live: LivePlan, provider: LegProvider, order: Order, prep_s: int) -> tuple[LivePlan, Reason | None]:
    view = PlanView(live)
    demand = Demand(order.items, order.weight_g, order.volume_cm3, order.skills, order.service_s, order.site)
    mask, reason = view.couriers_for(demand, order.location)
    if reason is not None:
        return live, reason
    point = NewPoint.at(order.location, live.locations, provider, view.index.profiles)
    ready = live.now_s + prep_s
    found = [view.index.cheapest(point, w, order.service_s, mask, ready) for w in order.windows]
    options = sorted((f for f in found if f is not None), key=lambda f: f.detour_m)
    for option in options:
        try:
            return place_order(live, provider, order, option, ready_s=ready), None
        except Conflict:
            continue
    return live, Reason.FLEET_FULL


def insert_orders(
    live: LivePlan, provider: LegProvider, orders: Sequence[Order], *, prep_s: int = 600
) -> tuple[LivePlan, tuple[Unassigned, ...]]:
    """Add ``orders`` to the live plan, each at its cheapest feasible place in a route not started yet, whose
    courier then leaves no earlier than ``prep_s`` from now (picking and packing).

    Orders that fit nowhere (and pickup-and-delivery orders, which only :func:`reoptimise` places) are kept in
    the plan as unassigned, with the reason, and returned; none is lost.
    """
    left_out: list[Unassigned] = []
    for order in orders:
        reason: Reason | None = Reason.FLEET_FULL
        if order.pickup is None:
            live, reason = _insert_one(live, provider, order, prep_s)
        if reason is not None:
            problem, matrix, plan = add_orders(live.problem, live.matrix, live.plan, [order], provider)
            missing = Unassigned(len(problem.orders) - 1, reason)
            left_out.append(missing)
            live = replace(
                live, problem=problem, matrix=matrix, plan=replace(plan, unassigned=(*plan.unassigned, missing))
            )
    return live, tuple(left_out)


@dataclass
class _SubProblem:
    """The part of a live plan still free to change, as a problem of its own, and how to map it back."""

    problem: Problem
    matrix: Matrix
    couriers: list[int]
    orders: list[int]
    forced: dict[int, list[int]]
    anchor: dict[int, Stop]


def _build(live: LivePlan) -> _SubProblem:
    problem, now = live.problem, live.now_s
    stock = [Counter(dict(s.stock)) for s in problem.sites]
    sites: list[Site] = []
    nodes = list(range(len(problem.sites)))
    couriers: list[Courier] = []
    courier_map: list[int] = []
    orders: dict[int, Order] = {}
    forced: dict[int, list[int]] = {}
    anchor: dict[int, Stop] = {}
    for c, courier in enumerate(problem.couriers):
        route, state = live.routes.get(c), live.state(c)
        if route is not None and state.departed:
            for o in route.orders:
                stock[route.site].subtract(problem.orders[o].items)
            locked = live.locked(c)
            if locked == len(route.stops):
                continue
            eta = courier_eta(live, c).stops[0]
            stop = route.stops[locked - 1]
            on_board = {s.order for s in route.stops[:locked]}
            anchor[c] = replace(stop, arrival_s=eta.arrival_s, start_s=eta.start_s, departure_s=eta.departure_s)
            ready = eta.departure_s
            site = len(problem.sites) + len(sites)
            where = live.locations[stop.node]
            sites.append(Site(f"@{courier.id}", "store", where, Window(ready, max(ready, courier.shift.end_s))))
            nodes.append(stop.node)
            couriers.append(replace(courier, site=site, end_site=courier.last_site, shift=sites[-1].opening))
            forced[c] = []
            for s in route.stops[locked:]:
                order = problem.orders[s.order]
                if s.kind == "delivery" and (order.pickup is None or s.order in on_board):
                    orders[s.order] = replace(order, items={}, pickup=None, site=site)
                    forced[c].append(s.order)
                elif s.kind == "pickup":
                    orders[s.order] = order
            courier_map.append(c)
        elif courier.shift.end_s > now and not state.departed:
            couriers.append(replace(courier, shift=Window(max(courier.shift.start_s, now), courier.shift.end_s)))
            courier_map.append(c)
            orders.update({o: problem.orders[o] for o in (route.orders if route is not None else ())})
    orders.update({u.order: problem.orders[u.order] for u in live.plan.unassigned})
    real = tuple(replace(s, stock=+stock[k]) for k, s in enumerate(problem.sites))
    order_map = sorted(orders)
    sub = Problem((*real, *sites), tuple(couriers), tuple(orders[o] for o in order_map), problem.name, problem.epoch)
    nodes += [problem.delivery_node(o) for o in order_map]
    nodes += [problem.pickup_node[order_map[k]] for k in sub.pickup_orders]
    index = np.array(nodes, dtype=np.int64)
    matrix = Matrix(
        {p: a[np.ix_(index, index)] for p, a in live.matrix.distance_m.items()},
        {p: a[np.ix_(index, index)] for p, a in live.matrix.duration_s.items()},
    )
    return _SubProblem(sub, matrix, courier_map, order_map, forced, anchor)


def _merge_route(live: LivePlan, sub: _SubProblem, k: int, refs: list[StopRef]) -> Route:
    """The full route of sub-problem courier ``k``: its locked head, then ``refs`` timed on the sub-problem."""
    c = sub.couriers[k]
    timed = time_route(sub.problem, sub.matrix, k, refs).route
    new_node = {sub.problem.delivery_node(j): live.problem.delivery_node(o) for j, o in enumerate(sub.orders)}
    new_node.update({n: live.problem.pickup_node[sub.orders[j]] for j, n in sub.problem.pickup_node.items()})
    tail = tuple(replace(s, order=sub.orders[s.order], node=new_node[s.node]) for s in timed.stops)
    old = live.routes.get(c)
    if c not in sub.anchor or old is None:
        return replace(timed, courier=c, site=live.problem.couriers[c].site, stops=tail)
    head = (*old.stops[: live.locked(c) - 1], sub.anchor[c])
    profile = live.problem.couriers[c].profile
    path = [old.site, *(s.node for s in head)]
    head_m = sum(int(live.matrix.distance_m[profile][a, b]) for a, b in itertools.pairwise(path))
    return replace(old, end_s=timed.end_s, distance_m=head_m + timed.distance_m, stops=(*head, *tail))


def _remaining(problem: Problem, route: Route | None, locked: int) -> tuple[tuple[str, str], ...]:
    return tuple((problem.orders[s.order].id, s.kind) for s in route.stops[locked:]) if route else ()


def reoptimise(live: LivePlan, params: SolveParams, seed: int = 0) -> tuple[LivePlan, dict[int, RouteChange]]:
    """Re-plan what is still free in ``live`` within ``params``' budget; return the new live plan and, per
    courier index, the change in its stops still to come (only couriers whose list really changed)."""
    sub = _build(live)
    result = solve(one_trip_each(sub.problem), sub.matrix, params=params, seed=seed)
    planned = {r.courier: [(s.order, s.kind) for s in r.stops] for r in result.routes}
    routes: dict[int, Route] = {c: r for c, r in live.routes.items() if c not in sub.couriers}
    for k, c in enumerate(sub.couriers):
        refs: list[StopRef] = planned.get(k, [])
        forced = [sub.orders.index(o) for o in sub.forced.get(c, [])]
        if any(j not in {o for o, _ in refs} for j in forced):
            refs = [(sub.orders.index(s.order), s.kind) for s in live.routes[c].stops[live.locked(c) :]]
        if refs or c in sub.anchor:
            routes[c] = _merge_route(live, sub, k, refs)
    unassigned = tuple(Unassigned(sub.orders[u.order], u.reason) for u in result.unassigned)
    served = {o for r in routes.values() for o in r.orders}
    unassigned = tuple(u for u in unassigned if u.order not in served)
    plan = Plan(tuple(routes[c] for c in sorted(routes)), unassigned, result.stats)
    new = replace(live, plan=plan)
    changes = {}
    for c, courier in enumerate(live.problem.couriers):
        before = _remaining(live.problem, live.routes.get(c), live.locked(c))
        after = _remaining(live.problem, new.routes.get(c), live.locked(c))
        if before != after:
            changes[c] = RouteChange(courier.id, before, after)
    return new, changes
