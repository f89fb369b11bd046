"""Checking a plan a person edited: times for every stop and every rule it breaks, instead of a refusal.

Like VROOM's plan mode: the routes are re-timed from scratch (each courier leaves its site as early as its shift
and the site allow, without idling before the first stop), then checked against windows, shift, capacity (weight,
volume, items), the site's stock and zone, skills, pickup-before-delivery and orders visited twice.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from geo.matrix import Matrix
from geo.zones import points_in_zone, zone_polygon
from routing.model import Problem
from routing.plan import Plan, Reason, SolveStats, Unassigned
from routing.plan_json import EditedRoute
from routing.timing import TimedRoute, time_route

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
    cap = c.capacity
    stock = [problem.orders[o] for o, kind in edited.stops if kind == "delivery" and problem.orders[o].pickup is None]
    peak_g = max([sum(o.weight_g for o in stock), *(s.load_g for s in timed.route.stops)])
    if peak_g > cap.weight_g:
        add(ViolationKind.OVER_CAPACITY, None, f"carries {peak_g} g, capacity {cap.weight_g} g")
    volume, items = sum(o.volume_cm3 for o in stock), sum(o.item_count for o in stock)
    if cap.volume_cm3 is not None and volume > cap.volume_cm3:
        add(ViolationKind.OVER_CAPACITY, None, f"carries {volume} cm³, capacity {cap.volume_cm3} cm³")
    if cap.items is not None and items > cap.items:
        add(ViolationKind.OVER_CAPACITY, None, f"carries {items} items, capacity {cap.items}")
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
    timed = tuple(time_route(problem, matrix, r.courier, r.stops) for r in routes)
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
