"""Checking a plan a person edited: times for every stop and every rule it breaks, instead of a refusal.

Like VROOM's plan mode: the routes are re-timed from scratch (each trip leaves its site as early as the shift, the
site, the reload and its baskets' ready times allow, without idling before its first stop; breaks go where
:func:`routing.timing.time_route` places them), then checked against windows, shift, capacity per trip (weight,
volume, items), the number of trips, ready times, breaks, working time and distance, the site's stock and zone,
skills, pickup-before-delivery and orders visited twice. Baskets are picked in the site's order
(:func:`routing.picking.pick_schedule`) of the orders the checked plan serves there.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from geo.matrix import Matrix
from geo.zones import points_in_zone, zone_polygon
from routing.model import Problem
from routing.picking import pick_schedule
from routing.plan import Plan, Reason, SolveStats, Unassigned
from routing.plan_json import EditedRoute
from routing.timing import TimedRoute, split_trips, time_route

__all__ = ["CheckReport", "Violation", "ViolationKind", "check_routes"]


class ViolationKind(StrEnum):
    """What a plan can get wrong."""

    LATE = "LATE"
    SHIFT_EXCEEDED = "SHIFT_EXCEEDED"
    OVER_CAPACITY = "OVER_CAPACITY"
    WRONG_SITE = "WRONG_SITE"
    OUT_OF_STOCK = "OUT_OF_STOCK"
    OUT_OF_ZONE = "OUT_OF_ZONE"
    MISSING_SKILL = "MISSING_SKILL"
    PICKUP_MISSING = "PICKUP_MISSING"
    VISITED_TWICE = "VISITED_TWICE"
    TRIP_OVER_CAPACITY = "TRIP_OVER_CAPACITY"
    TOO_MANY_TRIPS = "TOO_MANY_TRIPS"
    NOT_READY = "NOT_READY"
    BREAK_MISSED = "BREAK_MISSED"
    OVER_DURATION = "OVER_DURATION"
    OVER_DISTANCE = "OVER_DISTANCE"


@dataclass(frozen=True)
class Violation:
    """One broken rule: what, which courier and order (``None`` for the route as a whole), and a message."""

    kind: ViolationKind
    courier: int
    order: int | None
    message: str


@dataclass(frozen=True)
class CheckReport:
    """The re-timed plan (orders on no route are unassigned with ``FLEET_FULL``) and its violations."""

    plan: Plan
    timed: tuple[TimedRoute, ...]
    violations: tuple[Violation, ...]

    @property
    def ok(self) -> bool:
        """True when the plan breaks no rule."""
        return not self.violations


def _route_violations(problem: Problem, edited: EditedRoute, timed: TimedRoute) -> list[Violation]:
    c = problem.couriers[edited.courier]
    found: list[Violation] = []

    def add(kind: ViolationKind, order: int | None, message: str) -> None:
        found.append(Violation(kind, edited.courier, order, f"courier {c.id}: {message}"))

    if edited.site != c.site:
        add(
            ViolationKind.WRONG_SITE, None, f"starts at {problem.sites[c.site].id}, not {problem.sites[edited.site].id}"
        )
    for stop, late in zip(timed.route.stops, timed.late_s, strict=True):
        if late > 0:
            add(ViolationKind.LATE, stop.order, f"{stop.kind} of {problem.orders[stop.order].id} {late} s late")
    if timed.end_late_s > 0:
        add(ViolationKind.SHIFT_EXCEEDED, None, f"back {timed.end_late_s} s after the shift ends")
    found += _trip_violations(problem, edited, timed)
    zone = problem.sites[c.site].zone
    polygon = zone_polygon(zone) if zone is not None else None
    seen: Counter[tuple[int, str]] = Counter()
    for o, kind in edited.stops:
        order, name = problem.orders[o], problem.orders[o].id
        seen[(o, kind)] += 1
        if seen[(o, kind)] == 2:
            add(ViolationKind.VISITED_TWICE, o, f"{kind} of {name} appears more than once")
        if kind == "delivery" and order.pickup is not None and (o, "pickup") not in seen:
            add(ViolationKind.PICKUP_MISSING, o, f"delivers {name} before picking it up")
        if kind == "delivery" and order.site is not None and order.site != c.site:
            add(ViolationKind.WRONG_SITE, o, f"{name} must be served from {problem.sites[order.site].id}")
        if not order.skills <= c.skills:
            add(ViolationKind.MISSING_SKILL, o, f"lacks {', '.join(sorted(order.skills - c.skills))} for {name}")
        if kind == "delivery" and polygon is not None and not points_in_zone(polygon, [order.location])[0]:
            add(ViolationKind.OUT_OF_ZONE, o, f"{name} is outside the zone of {problem.sites[c.site].id}")
    return found


def _trip_violations(problem: Problem, edited: EditedRoute, timed: TimedRoute) -> list[Violation]:
    """Capacity per trip, the trip limit, ready times, breaks, working time and distance."""
    c = problem.couriers[edited.courier]
    found: list[Violation] = []

    def add(kind: ViolationKind, order: int | None, message: str) -> None:
        found.append(Violation(kind, edited.courier, order, f"courier {c.id}: {message}"))

    trips = split_trips(edited.stops, edited.reloads)
    several = len(trips) > 1
    if c.trip_limit is not None and len(trips) > c.trip_limit:
        add(ViolationKind.TOO_MANY_TRIPS, None, f"makes {len(trips)} trips, at most {c.trip_limit}")
    cap, first = c.capacity, 0
    kind = ViolationKind.TRIP_OVER_CAPACITY if several else ViolationKind.OVER_CAPACITY
    for t, trip in enumerate(trips):
        name = f"trip {t} " if several else ""
        stock = [problem.orders[o] for o, k in trip if k == "delivery" and problem.orders[o].pickup is None]
        loads = [s.load_g for s in timed.route.stops[first : first + len(trip)]]
        peak_g = max([sum(o.weight_g for o in stock), *loads])
        if peak_g > cap.weight_g:
            add(kind, None, f"{name}carries {peak_g} g, capacity {cap.weight_g} g")
        volume, items = sum(o.volume_cm3 for o in stock), sum(o.item_count for o in stock)
        if cap.volume_cm3 is not None and volume > cap.volume_cm3:
            add(kind, None, f"{name}carries {volume} cm³, capacity {cap.volume_cm3} cm³")
        if cap.items is not None and items > cap.items:
            add(kind, None, f"{name}carries {items} items, capacity {cap.items}")
        late = any(timed.late_s[first : first + len(trip)])
        if t < len(timed.ready_wait_s) and timed.ready_wait_s[t] > 0 and late:
            add(ViolationKind.NOT_READY, None, f"trip {t} waits {timed.ready_wait_s[t]} s for baskets and is late")
        first += len(trip)
    for b in timed.missed_breaks:
        window = c.breaks[b].window
        add(ViolationKind.BREAK_MISSED, None, f"break {b} cannot start within {window.start_s}-{window.end_s} s")
    if timed.over_duration_s:
        add(ViolationKind.OVER_DURATION, None, f"works {timed.over_duration_s} s longer than {c.max_duration_s} s")
    if timed.over_distance_m:
        add(ViolationKind.OVER_DISTANCE, None, f"drives {timed.over_distance_m} m more than {c.max_distance_m} m")
    return found


def _stock_violations(problem: Problem, routes: Sequence[EditedRoute]) -> list[Violation]:
    used: list[Counter[str]] = [Counter() for _ in problem.sites]
    found = []
    for edited in routes:
        site = problem.couriers[edited.courier].site
        for o, kind in edited.stops:
            if kind != "delivery" or problem.orders[o].pickup is not None:
                continue
            used[site].update(problem.orders[o].items)
            short = [
                i for i, q in problem.orders[o].items.items() if used[site][i] > problem.sites[site].stock.get(i, 0)
            ]
            if short:
                message = f"{problem.sites[site].id} has no {', '.join(sorted(short))} left for {problem.orders[o].id}"
                found.append(Violation(ViolationKind.OUT_OF_STOCK, edited.courier, o, message))
    return found


def check_routes(problem: Problem, matrix: Matrix, routes: Sequence[EditedRoute]) -> CheckReport:
    """Re-time ``routes`` on ``matrix`` and list every rule they break (an empty list for a valid plan)."""
    at_site: dict[int, list[int]] = {}
    for r in routes:
        at_site.setdefault(problem.couriers[r.courier].site, []).extend(o for o, k in r.stops if k == "delivery")
    picked = {site: pick_schedule(problem, site, orders) for site, orders in at_site.items()}
    timed = tuple(
        time_route(
            problem,
            matrix,
            r.courier,
            r.stops,
            reloads=r.reloads,
            breaks=r.breaks,
            ready=picked[problem.couriers[r.courier].site],
        )
        for r in routes
    )
    violations = [v for r, t in zip(routes, timed, strict=True) for v in _route_violations(problem, r, t)]
    violations += _stock_violations(problem, routes)
    used = Counter(r.courier for r in routes)
    violations += [
        Violation(ViolationKind.VISITED_TWICE, c, None, f"courier {problem.couriers[c].id} has {n} routes")
        for c, n in used.items()
        if n > 1
    ]
    served = {o for r in routes for o, _ in r.stops}
    unassigned = tuple(Unassigned(o, Reason.FLEET_FULL) for o in range(len(problem.orders)) if o not in served)
    plan = Plan(tuple(t.route for t in timed if t.route.stops), unassigned, SolveStats(0.0, 0, 0, "CHECKED"))
    return CheckReport(plan, timed, tuple(violations))
