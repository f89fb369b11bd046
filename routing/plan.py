"""The result of a solve: routes with timed stops, unassigned orders with reasons, summary and statistics."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Literal

from routing.model import Problem

__all__ = ["Plan", "Reason", "Route", "SolveStats", "Stop", "Summary", "Trip", "Unassigned"]


class Reason(StrEnum):
    """Why an order is not in the plan, found by checking the order alone against every courier."""

    NO_SKILLED_COURIER = "NO_SKILLED_COURIER"
    NO_STOCK = "NO_STOCK"
    OUT_OF_ZONE = "OUT_OF_ZONE"
    OVER_CAPACITY = "OVER_CAPACITY"
    NO_COURIER_ON_SHIFT = "NO_COURIER_ON_SHIFT"
    WINDOW_UNREACHABLE = "WINDOW_UNREACHABLE"
    NOT_READY_IN_TIME = "NOT_READY_IN_TIME"
    OVER_WORKING_TIME = "OVER_WORKING_TIME"
    FLEET_FULL = "FLEET_FULL"


@dataclass(frozen=True)
class Stop:
    """One visit: the order (index), whether it is its pickup or its delivery, and its times and load.

    ``load`` is what the courier carries after the stop, in grams; ``trip`` is the index of the courier's trip.
    """

    order: int
    kind: Literal["pickup", "delivery"]
    node: int
    arrival_s: int
    start_s: int
    departure_s: int
    load_g: int
    trip: int = 0


@dataclass(frozen=True)
class Trip:
    """One trip of a route: leaves the site loaded at ``depart_s`` (after reloading and every basket it carries
    is ready), serves its stops, is back at ``back_s``."""

    depart_s: int
    back_s: int
    distance_m: int


@dataclass(frozen=True)
class Route:
    """A courier's day from its site (``start_s``) through its stops back to its last site (``end_s``): one or
    more ``trips`` (each stop says which), with the ``breaks`` it takes (their intervals)."""

    courier: int
    site: int
    start_s: int
    end_s: int
    distance_m: int
    stops: tuple[Stop, ...]
    trips: tuple[Trip, ...] = ()
    breaks: tuple[tuple[int, int], ...] = ()

    @property
    def duration_s(self) -> int:
        """Time from leaving the site to coming back."""
        return self.end_s - self.start_s

    @property
    def orders(self) -> tuple[int, ...]:
        """The orders delivered on this route, in visiting order."""
        return tuple(s.order for s in self.stops if s.kind == "delivery")


@dataclass(frozen=True)
class Unassigned:
    """An order left out of the plan, with the reason."""

    order: int
    reason: Reason


@dataclass(frozen=True)
class Summary:
    """Totals over the plan."""

    routes: int
    trips: int
    orders_served: int
    orders_unassigned: int
    distance_m: int
    duration_s: int

    def __str__(self) -> str:
        """One line for a person, e.g. ``3 orders served, 1 unassigned; 1 route, 2 trips, 4.2 km, 1 h 05 min``."""
        hours, minutes = divmod(self.duration_s // 60, 60)
        return (
            f"{_count(self.orders_served, 'order')} served, {self.orders_unassigned} unassigned; "
            f"{_count(self.routes, 'route')}, {_count(self.trips, 'trip')}, "
            f"{self.distance_m / 1000:.1f} km, {hours} h {minutes:02d} min"
        )


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


@dataclass(frozen=True)
class SolveStats:
    """How the solve went: wall time per phase, solutions found, the solver's objective and status."""

    wall_s: float
    objective: int
    solutions: int
    status: str
    phases: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Plan:
    """Routes (only couriers that are used), unassigned orders, and statistics."""

    routes: tuple[Route, ...]
    unassigned: tuple[Unassigned, ...]
    stats: SolveStats

    @property
    def summary(self) -> Summary:
        """Routes used, orders served and left out, total distance and duration."""
        return Summary(
            routes=len(self.routes),
            trips=sum(max(1, len(r.trips)) for r in self.routes),
            orders_served=sum(len(r.orders) for r in self.routes),
            orders_unassigned=len(self.unassigned),
            distance_m=sum(r.distance_m for r in self.routes),
            duration_s=sum(r.duration_s for r in self.routes),
        )

    def cost(self, problem: Problem) -> int:
        """The cost of the plan as ``problem`` sets it: the metres every route drives plus the fixed cost of every
        courier used. Orders left out add nothing here (count them in ``summary.orders_unassigned``); the solver's
        own objective (``stats.objective``) adds a drop penalty for each."""
        return sum(r.distance_m + problem.couriers[r.courier].fixed_cost for r in self.routes)

    def is_complete(self) -> bool:
        """True when every order is served."""
        return not self.unassigned
