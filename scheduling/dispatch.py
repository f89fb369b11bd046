"""When a loaded trip leaves its site: dispatch policies behind one Protocol.

``greedy`` leaves as soon as the courier is free and every basket of the trip is ready; ``lazy`` waits until the
latest departure that still keeps every stop of the day within its window, less a margin for travel-time spread,
so that baskets promised meanwhile can join the trip; ``look-ahead`` waits a step at a time while an order near
the site is likely within the step (from an order-rate model) and waiting keeps every promise, then leaves.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from scheduling.insertion import CourierDay
from scheduling.live import LivePlan

__all__ = ["POLICIES", "DispatchPolicy", "Greedy", "Lazy", "LookAhead", "OrderRate", "departure_bounds"]

OrderRate = Callable[[int, int], float]
"""``rate(site, time_s)``: expected new orders per second that the site could serve, around that time."""


class DispatchPolicy(Protocol):
    """Decides when a courier at its site leaves on the first trip of its route."""

    @property
    def name(self) -> str:
        """The policy's name in reports."""
        ...

    def departure_s(self, live: LivePlan, courier: int) -> int:
        """When ``courier`` should leave (no earlier than ``live.now_s``); asked again when that time comes or
        the trip changes, so a policy may wait a step at a time."""
        ...


def departure_bounds(live: LivePlan, courier: int, sd_factor: float) -> tuple[int, int]:
    """``(ready, latest)``: the earliest departure of the courier's first trip (courier free, baskets ready, no
    earlier than now) and the latest that keeps every stop of its day ``sd_factor`` standard deviations of its
    arrival before its window ends (never before ``ready``)."""
    day = CourierDay(live, courier, live.routes.get(courier), sd_factor)
    if not day.trips or live.state(courier).departed:
        return live.now_s, live.now_s
    trip = day.trips[0]
    ready = max(trip.depart_s, live.now_s)
    return ready, max(ready, math.floor(trip.leave_latest_s))


@dataclass(frozen=True)
class Greedy:
    """Leave when the trip is ready."""

    name: str = "greedy"

    def departure_s(self, live: LivePlan, courier: int) -> int:
        """The trip's earliest departure."""
        return departure_bounds(live, courier, 0.0)[0]


@dataclass(frozen=True)
class Lazy:
    """Leave at the latest safe time: every stop ``sd_factor`` standard deviations of its arrival before its
    window ends."""

    sd_factor: float = 2.0
    name: str = "lazy"

    def departure_s(self, live: LivePlan, courier: int) -> int:
        """The latest safe departure."""
        return departure_bounds(live, courier, self.sd_factor)[1]


@dataclass(frozen=True)
class LookAhead:
    """Wait ``step_s`` at a time while the chance of at least one new order near the site within the step
    (Poisson arrivals at ``rate``) is at least ``min_chance``, the trip has room for a basket of
    ``basket_g`` and the wait keeps the latest safe departure; else leave."""

    rate: OrderRate
    step_s: int = 300
    min_chance: float = 0.5
    basket_g: int = 2000
    sd_factor: float = 2.0
    name: str = "look-ahead"

    def departure_s(self, live: LivePlan, courier: int) -> int:
        """Now (or when ready) unless waiting one more step is both likely to pay and safe."""
        ready, latest = departure_bounds(live, courier, self.sd_factor)
        if ready > live.now_s or ready + self.step_s > latest:
            return ready
        route, orders = live.routes[courier], live.problem.orders
        trip = route.stops[: live.first_trip_end(courier)]
        carried = sum(orders[s.order].weight_g for s in trip if s.kind == "delivery" and orders[s.order].pickup is None)
        if carried + self.basket_g > live.problem.couriers[courier].capacity.weight_g:
            return ready
        chance = 1 - math.exp(-self.rate(route.site, ready) * self.step_s)
        return ready + self.step_s if chance >= self.min_chance else ready


POLICIES = ("greedy", "lazy", "look-ahead")
"""The names of the dispatch policies a scenario or the service may choose."""
