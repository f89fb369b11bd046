"""A plan under way: the plan, the couriers' live state (stops done, departed, last ping) and the current time."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property

from geo.matrix import Matrix, Point
from routing.model import Problem
from routing.plan import Plan, Route, Stop
from routing.timing import StopRef

__all__ = ["CourierState", "LivePlan", "day_refs", "trip_groups", "with_route"]


def trip_groups(stops: Sequence[Stop]) -> list[tuple[int, int]]:
    """``(first, end)`` stop positions of each trip in ``stops`` (consecutive stops with one ``trip`` index)."""
    groups: list[tuple[int, int]] = []
    for k, stop in enumerate(stops):
        if k == 0 or stop.trip != stops[k - 1].trip:
            groups.append((k, k + 1))
        else:
            groups[-1] = (groups[-1][0], k + 1)
    return groups


def with_route(routes: Sequence[Route], courier: int, route: Route | None) -> tuple[Route, ...]:
    """``routes`` with ``courier``'s replaced by ``route`` (removed when ``None``), in courier order."""
    others = [r for r in routes if r.courier != courier]
    return tuple(sorted([*others, *([route] if route is not None else [])], key=lambda r: r.courier))


def day_refs(stops: Sequence[Stop]) -> tuple[list[StopRef], list[int]]:
    """The ``(order, kind)`` of each stop of a day and the positions where its trips after the first start, as
    :func:`routing.timing.time_route` takes them."""
    return [(s.order, s.kind) for s in stops], [first for first, _ in trip_groups(stops)[1:]]


@dataclass(frozen=True)
class CourierState:
    """What is known of a courier now: how many stops of its route are done, whether it has left its site on
    the route's first trip (then the next stop is the one it is driving to, and everything it carries stays with
    it), its last GPS ping (position and time), how many trips of its day are over (they have left the plan),
    when it can leave its site next (back from a trip: after the site's reload time) and when its last stop was
    done (a ping before that is not on the leg it drives now)."""

    done: int = 0
    departed: bool = False
    position: Point | None = None
    ping_s: int | None = None
    trips_done: int = 0
    free_s: int | None = None
    done_s: int | None = None


@dataclass(frozen=True)
class LivePlan:
    """A plan being carried out: ``states`` by courier index (a courier missing there has not started), ``now_s``.

    Frozen: every change (a ping, an inserted order, a re-plan) makes a new one, so readers never see half of it.
    A route holds the rest of the courier's day as trips: the first is the one under way (``departed``) or being
    loaded; a trip that is over leaves the plan (:func:`scheduling.trips.finish_trip`).
    """

    problem: Problem
    matrix: Matrix
    plan: Plan
    now_s: int
    states: Mapping[int, CourierState] = field(default_factory=dict)

    def state(self, courier: int) -> CourierState:
        """The live state of ``courier`` (not started when nothing is known)."""
        return self.states.get(courier, CourierState())

    @cached_property
    def routes(self) -> dict[int, Route]:
        """The plan's routes by courier index."""
        return {r.courier: r for r in self.plan.routes}

    @cached_property
    def locations(self) -> list[Point]:
        """The problem's matrix nodes as points (cached)."""
        return self.problem.locations()

    def first_trip_end(self, courier: int) -> int:
        """How many stops at the head of the courier's route belong to its first trip (0 without a route)."""
        route = self.routes.get(courier)
        if route is None or not route.stops:
            return 0
        return trip_groups(route.stops)[0][1]

    def free_at(self, courier: int) -> int:
        """The earliest time the courier can leave its site on a new trip if it is there: now, its shift start
        and the site's opening, and the end of its reload after a trip."""
        c = self.problem.couriers[courier]
        state = self.state(courier)
        site = self.problem.sites[c.site]
        return max(self.now_s, c.shift.start_s, site.opening.start_s, state.free_s or 0)

    def locked(self, courier: int) -> int:
        """How many stops at the head of the courier's route may not move: the ones done and, once it has left
        its site, the one of its trip it is driving to (none when it is driving back)."""
        route = self.routes.get(courier)
        if route is None:
            return 0
        state = self.state(courier)
        driving_to = state.departed and state.done < self.first_trip_end(courier)
        return min(len(route.stops), state.done + (1 if driving_to else 0))

    def remaining(self, courier: int) -> tuple[Stop, ...]:
        """The stops of the courier's route not done yet (the one it is driving to first)."""
        route = self.routes.get(courier)
        return route.stops[self.state(courier).done :] if route is not None else ()

    def at(self, now_s: int) -> LivePlan:
        """This live plan at a later time ``now_s`` (itself when not later), keeping what it has cached."""
        if now_s <= self.now_s:
            return self
        later = replace(self, now_s=now_s)
        for name in ("routes", "locations"):
            if name in self.__dict__:
                later.__dict__[name] = self.__dict__[name]
        return later

    def with_ping(self, courier: int, position: Point, at_s: int) -> LivePlan:
        """This live plan after a GPS ping; a ping older than the last one known is ignored (out of order)."""
        state = self.state(courier)
        if state.ping_s is not None and at_s <= state.ping_s:
            return self
        states = {**self.states, courier: replace(state, position=position, ping_s=at_s)}
        return replace(self, states=states, now_s=max(self.now_s, at_s))
