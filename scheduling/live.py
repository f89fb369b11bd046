"""A plan under way: the plan, the couriers' live state (stops done, departed, last ping) and the current time."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import cached_property

from geo.matrix import Matrix, Point
from routing.errors import InputError
from routing.model import Problem
from routing.plan import Plan, Route, Stop

__all__ = ["CourierState", "LivePlan", "live_at"]


@dataclass(frozen=True)
class CourierState:
    """What is known of a courier now: how many stops of its route are done, whether it has left its site
    (then the next stop is the one it is driving to, and everything it carries stays with it), and its last
    GPS ping (position and time)."""

    done: int = 0
    departed: bool = False
    position: Point | None = None
    ping_s: int | None = None


@dataclass(frozen=True)
class LivePlan:
    """A plan being carried out: ``states`` by courier index (a courier missing there has not started), ``now_s``.

    Frozen: every change (a ping, an inserted order, a re-plan) makes a new one, so readers never see half of it.
    It holds one trip per courier (a courier back at its site starts a new route): a plan with a multi-trip route
    is refused with ``InputError``; solve a live problem with :func:`routing.trips.one_trip_each`.
    """

    problem: Problem
    matrix: Matrix
    plan: Plan
    now_s: int
    states: Mapping[int, CourierState] = field(default_factory=dict)

    def __post_init__(self) -> None:
        several = [r for r in self.plan.routes if len(r.trips) > 1]
        if several:
            courier = self.problem.couriers[several[0].courier].id
            raise InputError(f"routes: courier {courier} has {len(several[0].trips)} trips; a live plan holds one")

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

    def locked(self, courier: int) -> int:
        """How many stops at the head of the courier's route may not move: the ones done and, once it has left
        its site, the one it is driving to."""
        route = self.routes.get(courier)
        if route is None:
            return 0
        state = self.state(courier)
        return min(len(route.stops), state.done + (1 if state.departed else 0))

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


def live_at(problem: Problem, matrix: Matrix, plan: Plan, now_s: int) -> LivePlan:
    """The live plan as if every route had run exactly as planned until ``now_s``: a courier has left when its
    route's start is past, and the stops whose departure is past are done."""
    states = {
        r.courier: CourierState(done=sum(1 for s in r.stops if s.departure_s <= now_s), departed=r.start_s <= now_s)
        for r in plan.routes
    }
    return LivePlan(problem, matrix, plan, now_s, states)
