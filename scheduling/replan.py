"""Re-planning a live plan: new orders inserted at once, and the rest of the day re-optimised around locks.

Locks: the stops done and the stop a courier is driving to never move, and a courier that has left its site
keeps every order its trip carries (items are loaded at the site; a pickup done is on board). The
re-optimisation is one :func:`routing.solve` on a sub-problem: each courier under way finishes its trip from the
stop it is driving to (a site of its own, open from the moment it can leave that stop) with its load forced to
it, and plans its later trips from its site from its expected return; couriers still at their site, the orders
of every trip not started and the orders left out are planned afresh with the stock not yet loaded.
"""

from __future__ import annotations

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
from scheduling.candidates import Demand, PlanView
from scheduling.eta import courier_eta, next_free
from scheduling.extend import add_orders
from scheduling.insertion import NewPoint
from scheduling.live import LivePlan, day_refs
from scheduling.place import place_order, with_later_trips

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
    found = [view.index.cheapest(point, w, order.service_s, mask, ready, load=demand.load) for w in order.windows]
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
    """The part of a live plan still free to change, as a problem of its own, and how to map it back: per
    sub-problem courier its live courier; per live courier under way the sub-courier finishing its trip from the
    stop it drives to (``anchor``, with the orders it must keep, ``forced``) and per live courier the one planning
    its later trips from its site (``home``)."""

    problem: Problem
    matrix: Matrix
    couriers: list[int]
    orders: list[int]
    forced: dict[int, list[int]]
    anchor: dict[int, int]
    home: dict[int, int]
    touched: set[int]


def _trips_left(courier: Courier, used: int) -> int | None:
    """How many more trips a courier that made ``used`` may start (``None``: no limit)."""
    return None if courier.trip_limit is None else courier.trip_limit - used


class _Builder:
    """Collects the sub-problem's sites, couriers and orders courier by courier."""

    def __init__(self, live: LivePlan) -> None:
        self.live = live
        self.stock = [Counter(dict(s.stock)) for s in live.problem.sites]
        self.sites: list[Site] = []
        self.nodes = list(range(len(live.problem.sites)))
        self.couriers: list[Courier] = []
        self.courier_map: list[int] = []
        self.orders: dict[int, Order] = {}
        self.forced: dict[int, list[int]] = {}
        self.anchor: dict[int, int] = {}
        self.home: dict[int, int] = {}
        self.touched: list[int] = []

    def finish_trip(self, c: int, route: Route) -> None:
        """The courier under way: its trip's stops still to come go to a sub-courier starting where it drives
        to."""
        live, problem = self.live, self.live.problem
        courier, end = problem.couriers[c], live.first_trip_end(c)
        self.touched.append(c)
        for o in {s.order for s in route.stops[:end]}:
            self.stock[route.site].subtract(problem.orders[o].items)
        locked = live.locked(c)
        if locked == end:
            return
        stop = route.stops[locked - 1]
        ready = courier_eta(live, c, first_trip_only=True).stops[0].departure_s
        site = len(problem.sites) + len(self.sites)
        where = live.locations[stop.node]
        self.sites.append(Site(f"@{courier.id}", "store", where, Window(ready, max(ready, courier.shift.end_s))))
        self.nodes.append(stop.node)
        self.anchor[c] = len(self.couriers)
        self.couriers.append(
            replace(
                courier, id=f"@{courier.id}", site=site, end_site=courier.site, shift=self.sites[-1].opening, breaks=()
            )
        )
        self.courier_map.append(c)
        on_board = {s.order for s in route.stops[:locked]}
        self.forced[c] = []
        for s in route.stops[locked:end]:
            order = problem.orders[s.order]
            if s.kind == "delivery" and (order.pickup is None or s.order in on_board):
                self.orders[s.order] = replace(order, items={}, pickup=None, site=site)
                self.forced[c].append(s.order)
            elif s.kind == "pickup":
                self.orders[s.order] = order

    def from_site(self, c: int, free_s: int, stops: tuple[Stop, ...], used: int) -> None:
        """The courier's trips from its site from ``free_s`` on, with the orders of ``stops`` free to move."""
        courier = self.live.problem.couriers[c]
        self.orders.update({s.order: self.live.problem.orders[s.order] for s in stops})
        self.touched.append(c)
        left = _trips_left(courier, used)
        start = max(courier.shift.start_s, free_s)
        if start >= courier.shift.end_s or (left is not None and left < 1):
            return
        self.home[c] = len(self.couriers)
        self.couriers.append(replace(courier, shift=Window(start, courier.shift.end_s), max_trips=left, breaks=()))
        self.courier_map.append(c)


def _build(live: LivePlan) -> _SubProblem:
    problem, now = live.problem, live.now_s
    build = _Builder(live)
    for c, courier in enumerate(problem.couriers):
        route, state = live.routes.get(c), live.state(c)
        stops = route.stops if route is not None else ()
        if route is not None and state.departed:
            build.finish_trip(c, route)
            if courier.last_site == courier.site:
                kept, free, _ = next_free(live, c)
                build.from_site(c, free, stops[kept:], state.trips_done + 1)
        elif courier.shift.end_s > now:
            build.from_site(c, live.free_at(c), stops, state.trips_done)
    build.orders.update({u.order: problem.orders[u.order] for u in live.plan.unassigned})
    real = tuple(replace(s, stock=+build.stock[k]) for k, s in enumerate(problem.sites))
    order_map = sorted(build.orders)
    sub = Problem(
        (*real, *build.sites),
        tuple(build.couriers),
        tuple(build.orders[o] for o in order_map),
        problem.name,
        problem.epoch,
    )
    nodes = build.nodes + [problem.delivery_node(o) for o in order_map]
    nodes += [problem.pickup_node[order_map[k]] for k in sub.pickup_orders]
    index = np.array(nodes, dtype=np.int64)
    matrix = Matrix(
        {p: a[np.ix_(index, index)] for p, a in live.matrix.distance_m.items()},
        {p: a[np.ix_(index, index)] for p, a in live.matrix.duration_s.items()},
    )
    return _SubProblem(
        sub, matrix, build.courier_map, order_map, build.forced, build.anchor, build.home, set(build.touched)
    )


def _merge_day(live: LivePlan, sub: _SubProblem, c: int, planned: dict[int, Route]) -> Route | None:
    """Courier ``c``'s day from the sub-problem's plan: its trip under way (the locked head, then the rest as its
    anchor sub-courier planned it, or as it was when that lost a forced order), then the trips its home
    sub-courier planned from the trip's predicted return; timed on the live problem. ``None`` when it has
    nothing left to do."""
    old, locked = live.routes.get(c), live.locked(c)
    first: Route | None = None
    kept, free, _ = next_free(live, c)
    if old is not None and kept:
        refs: list[StopRef] = [(s.order, s.kind) for s in old.stops[:locked]]
        mine = planned.get(sub.anchor[c]) if c in sub.anchor else None
        got = {sub.orders[s.order] for s in mine.stops} if mine is not None else set()
        if mine is not None and set(sub.forced[c]) <= got:
            refs += [(sub.orders[s.order], s.kind) for s in mine.stops]
            free = mine.end_s + live.problem.sites[old.site].reload_s
        else:
            refs += [(s.order, s.kind) for s in old.stops[locked:kept]]
        first = time_route(live.problem, live.matrix, c, refs, depart_s=old.start_s).route
        kept = len(refs)
    later = planned.get(sub.home[c]) if c in sub.home else None
    tail, reloads = day_refs(later.stops if later is not None else ())
    if not tail and first is None:
        return None
    refs = [(sub.orders[o], kind) for o, kind in tail]
    timed = time_route(live.problem, live.matrix, c, refs, not_before_s=free, reloads=reloads).route
    return with_later_trips(first, kept, timed)


def _remaining(problem: Problem, route: Route | None, locked: int) -> tuple[tuple[str, str], ...]:
    return tuple((problem.orders[s.order].id, s.kind) for s in route.stops[locked:]) if route else ()


def reoptimise(live: LivePlan, params: SolveParams, seed: int = 0) -> tuple[LivePlan, dict[int, RouteChange]]:
    """Re-plan what is still free in ``live`` within ``params``' budget; return the new live plan and, per
    courier index, the change in its stops still to come (only couriers whose list really changed).

    The trip under way is locked (its stops stay with its courier, who may reorder those not reached yet); the
    trips after it and those of couriers at their site are planned afresh, from the courier's expected return.
    """
    sub = _build(live)
    result = solve(sub.problem, sub.matrix, params=params, seed=seed)
    planned = {r.courier: r for r in result.routes}
    routes: dict[int, Route] = {c: r for c, r in live.routes.items() if c not in sub.touched}
    for c in sorted(sub.touched):
        day = _merge_day(live, sub, c, planned)
        if day is not None:
            routes[c] = day
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
