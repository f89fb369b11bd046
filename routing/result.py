"""A solved plan with the problem and matrix it was made on: its cost, whether it keeps the rules routing can check
on its own, and a text of it for a person. :meth:`routing.builder.Model.solve` returns one."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta

from geo.matrix import Matrix
from routing.eligibility import eligibility
from routing.model import Capacity, Problem
from routing.picking import pick_schedule
from routing.plan import Plan, Reason, Route, Summary
from routing.timing import break_position, split_trips, time_route

__all__ = ["Result"]


@dataclass(frozen=True)
class Result:
    """A plan with the problem and the matrix it was made on, which it needs to be costed, checked and read.

    ``summary`` is the plan's :class:`~routing.plan.Summary` (the same property as ``Plan.summary``; ``str()`` of
    it is one line); ``str(result)`` is the summary and cost, a line per route (courier, site, times, distance,
    the orders of each trip) and the orders left out by reason.
    """

    problem: Problem = field(repr=False)
    matrix: Matrix = field(repr=False)
    plan: Plan

    @property
    def summary(self) -> Summary:
        """Routes used, orders served and left out, total distance and duration."""
        return self.plan.summary

    def cost(self) -> int:
        """Metres driven plus the fixed cost of every courier used (:meth:`~routing.plan.Plan.cost`); orders left
        out are not priced: see ``summary.orders_unassigned``."""
        return self.plan.cost(self.problem)

    def is_feasible(self) -> bool:
        """True when the plan keeps every rule routing can check on its own: every order on one route or left
        out, each once; no courier with two routes; each site's stock covers what it delivers; and each route
        starts at its courier's site, visits a pickup before its delivery, has only orders its courier could
        serve alone (:func:`routing.eligibility.eligibility`: skills, forced site, stock, zone, capacity, shift),
        makes no more trips than allowed, stays within capacity on every trip, and re-timed from its stops, trips
        and breaks (:func:`routing.timing.time_route`; the plan's own times are not trusted) keeps every window,
        its shift, breaks, working time and distance. ``lastmile check`` (``scheduling.check``) lists violations.
        """
        problem, routes = self.problem, self.plan.routes
        visits = Counter((s.order, s.kind) for r in routes for s in r.stops)
        served = [o for o, kind in visits if kind == "delivery"]
        left_out = [u.order for u in self.plan.unassigned]
        couriers = [r.courier for r in routes]
        if (
            max(visits.values(), default=1) > 1
            or len(set(couriers)) < len(couriers)
            or sorted([*served, *left_out]) != list(range(len(problem.orders)))
        ):
            return False
        at_site: dict[int, list[int]] = {}
        for r in routes:
            at_site.setdefault(problem.couriers[r.courier].site, []).extend(r.orders)
        if not all(_stock_kept(problem, site, orders) for site, orders in at_site.items()):
            return False
        able = eligibility(problem, self.matrix).couriers
        ready = {site: pick_schedule(problem, site, orders) for site, orders in at_site.items()}
        return all(self._route_feasible(r, able, ready) for r in routes)

    def _route_feasible(self, route: Route, able: Sequence[Sequence[int]], ready: Mapping[int, dict[int, int]]) -> bool:
        problem = self.problem
        courier = problem.couriers[route.courier]
        stops = [(s.order, s.kind) for s in route.stops]
        reloads = [k for k in range(1, len(stops)) if route.stops[k].trip != route.stops[k - 1].trip]
        starts = [s.start_s for s in route.stops]
        breaks = (
            [break_position(begin, starts, route.end_s) for begin, _ in route.breaks]
            if len(route.breaks) == len(courier.breaks)
            else None
        )
        timed = time_route(
            problem, self.matrix, route.courier, stops, reloads=reloads, breaks=breaks, ready=ready.get(courier.site)
        )
        position = {stop: k for k, stop in enumerate(stops)}
        return (
            route.site == courier.site
            and all(route.courier in able[o] for o, kind in stops if kind == "delivery")
            and all(
                position.get((o, "pickup"), len(stops)) < position.get((o, "delivery"), -1)
                for o, _ in stops
                if problem.orders[o].pickup is not None
            )
            and (courier.trip_limit is None or len(split_trips(stops, reloads)) <= courier.trip_limit)
            and _within_capacity(problem, courier.capacity, timed.route)
            and timed.on_time
        )

    def __str__(self) -> str:
        """The summary and cost, a line per route, and the orders left out by reason."""
        problem = self.problem
        lines = [f"{self.summary}; cost {self.cost():,}"]
        for route in self.plan.routes:
            trips = " | ".join(
                " ".join(problem.orders[s.order].id for s in route.stops if s.trip == t and s.kind == "delivery")
                for t in range(len(route.trips))
            )
            lines.append(
                f"{problem.couriers[route.courier].id} from {problem.sites[route.site].id}, "
                f"{self._clock(route.start_s)}–{self._clock(route.end_s)}, {route.distance_m / 1000:.1f} km: {trips}"
            )
        left_out: dict[Reason, list[str]] = {}
        for u in self.plan.unassigned:
            left_out.setdefault(u.reason, []).append(problem.orders[u.order].id)
        lines += [f"left out, {reason}: {' '.join(ids)}" for reason, ids in left_out.items()]
        return "\n".join(lines)

    def _clock(self, seconds: int) -> str:
        """A time of day (``HH:MM`` in the epoch's offset), or plain seconds without an epoch."""
        epoch = self.problem.epoch
        return f"{epoch + timedelta(seconds=seconds):%H:%M}" if epoch is not None else f"{seconds} s"


def _stock_kept(problem: Problem, site: int, orders: Iterable[int]) -> bool:
    """True when ``site`` stocks every item of ``orders`` (those with a pickup carry none) together."""
    needed: Counter[str] = Counter()
    for o in orders:
        needed.update(problem.orders[o].items)
    return all(problem.sites[site].stock.get(item, 0) >= qty for item, qty in needed.items())


def _within_capacity(problem: Problem, capacity: Capacity, route: Route) -> bool:
    """True when every trip of ``route`` keeps ``capacity``: the weight it leaves with and carries after each stop,
    and the volume and items of the baskets it leaves with."""
    for t in {s.trip for s in route.stops}:
        stops = [s for s in route.stops if s.trip == t]
        baskets = [
            problem.orders[s.order] for s in stops if s.kind == "delivery" and problem.orders[s.order].pickup is None
        ]
        weight = max(sum(o.weight_g for o in baskets), *(s.load_g for s in stops))
        volume, items = sum(o.volume_cm3 for o in baskets), sum(o.item_count for o in baskets)
        if (
            weight > capacity.weight_g
            or (capacity.volume_cm3 is not None and volume > capacity.volume_cm3)
            or (capacity.items is not None and items > capacity.items)
        ):
            return False
    return True
