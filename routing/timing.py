"""Times along a route: earliest arrival, start of service and departure at every stop, and the load carried."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from geo.matrix import Matrix
from routing.model import Problem, Window
from routing.plan import Route, Stop

__all__ = ["StopRef", "TimedRoute", "earliest_start", "time_route"]

StopRef = tuple[int, Literal["pickup", "delivery"]]
"""A stop as ``(order index, kind)``."""


def earliest_start(arrival_s: int, windows: Sequence[Window]) -> tuple[int, int]:
    """Return ``(start_s, late_s)``: the earliest window start at or after arrival, or the arrival and lateness.

    Examples
    --------
    >>> earliest_start(50, [Window(0, 40), Window(60, 90)])
    (60, 0)
    >>> earliest_start(100, [Window(0, 40), Window(60, 90)])
    (100, 10)
    """
    for window in sorted(windows, key=lambda w: w.start_s):
        if arrival_s <= window.end_s:
            return max(arrival_s, window.start_s), 0
    return arrival_s, arrival_s - max(w.end_s for w in windows)


@dataclass(frozen=True)
class TimedRoute:
    """A timed route plus how late each stop is (0 when on time) and how late it gets back."""

    route: Route
    late_s: tuple[int, ...]
    end_late_s: int

    @property
    def on_time(self) -> bool:
        """True when every stop is within a window and the courier is back by the end of its shift."""
        return not any(self.late_s) and self.end_late_s == 0


def time_route(
    problem: Problem,
    matrix: Matrix,
    courier: int,
    stops: Sequence[StopRef],
    *,
    depart_s: int | None = None,
    not_before_s: int = 0,
) -> TimedRoute:
    """Schedule ``stops`` for ``courier`` as early as possible, leaving its site no earlier than needed.

    The courier leaves at ``depart_s`` if given; otherwise at the latest of shift start, site opening and
    ``not_before_s`` (the current time in a live plan), delayed by any wait at the first stop, so that the
    route does not start with idle time.
    """
    c = problem.couriers[courier]
    dist, dur = matrix.distance_m[c.profile], matrix.duration_s[c.profile]
    pickup_node = problem.pickup_node
    start_s = (
        depart_s if depart_s is not None else max(c.shift.start_s, problem.sites[c.site].opening.start_s, not_before_s)
    )
    load = sum(
        problem.orders[o].weight_g for o, kind in stops if kind == "delivery" and problem.orders[o].pickup is None
    )
    node, clock, distance = c.site, start_s, 0
    timed: list[Stop] = []
    late: list[int] = []
    for k, (o, kind) in enumerate(stops):
        order = problem.orders[o]
        pickup = order.pickup if kind == "pickup" else None
        nxt = pickup_node[o] if pickup is not None else problem.delivery_node(o)
        arrival = clock + int(dur[node, nxt])
        begin, late_s = earliest_start(arrival, problem.stop_windows(o, kind))
        if k == 0 and depart_s is None:
            start_s, arrival = start_s + begin - arrival, begin
        service = problem.stop_service_s(o, kind)
        load += order.weight_g if pickup is not None else -order.weight_g
        timed.append(Stop(o, kind, nxt, arrival, begin, begin + service, load))
        late.append(late_s)
        distance += int(dist[node, nxt])
        node, clock = nxt, begin + service
    end = c.last_site
    end_s = clock + int(dur[node, end])
    distance += int(dist[node, end])
    route = Route(courier, c.site, start_s, end_s, distance, tuple(timed))
    return TimedRoute(route, tuple(late), max(0, end_s - c.shift.end_s))
