"""Cheapest feasible insertion of one delivery stop into the open routes of a live plan, vectorised.

Only couriers that have not left their site can take an order whose items come from stock (they load at the
site), so every position considered is in a route that has not started, or in an idle courier's empty route.
For each position the earliest departure from the stop before it and the latest start allowed at the stop after
it (so that no stop after it, nor the return by the shift end, gets later than its window, or later than it
already is) are computed once per live plan; a request then costs a few numpy operations per profile.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from geo.matrix import LegProvider, Point
from routing.model import Window
from routing.plan import Route
from routing.timing import earliest_start
from scheduling.eta import LEG_CV
from scheduling.live import LivePlan

__all__ = ["Insertion", "InsertionIndex", "NewPoint"]


@dataclass(frozen=True)
class Insertion:
    """Where a new stop goes (before ``route.stops[slot]``), when it is reached and what it costs."""

    courier: int
    slot: int
    arrival_s: int
    start_s: int
    detour_m: int
    sigma_s: float


@dataclass(frozen=True)
class NewPoint:
    """Trips between a new address and every matrix node, per profile: ``to_*`` towards it, ``from_*`` away."""

    to_m: Mapping[str, np.ndarray]
    to_s: Mapping[str, np.ndarray]
    from_m: Mapping[str, np.ndarray]
    from_s: Mapping[str, np.ndarray]

    @classmethod
    def at(cls, address: Point, points: Sequence[Point], provider: LegProvider, profiles: Sequence[str]) -> NewPoint:
        """Trips between ``address`` and each of ``points`` (the matrix nodes) for every profile, from ``provider``."""
        to_m, to_s, from_m, from_s = {}, {}, {}, {}
        for profile in profiles:
            to_m[profile], to_s[profile] = (a[:, 0] for a in provider.legs(points, [address], profile))
            from_m[profile], from_s[profile] = (a[0] for a in provider.legs([address], points, profile))
        return cls(to_m, to_s, from_m, from_s)


@dataclass(frozen=True)
class _Positions:
    courier: np.ndarray
    slot: np.ndarray
    from_node: np.ndarray
    to_node: np.ndarray
    ready_s: np.ndarray
    after_ready_s: np.ndarray
    leave_by_s: np.ndarray
    latest_s: np.ndarray
    variance: np.ndarray
    base_m: np.ndarray
    leave_limit_s: np.ndarray


def _latest_start(windows: Sequence[Window], bound_s: float) -> float:
    """The latest start within a window and no later than ``bound_s`` (``-inf`` when there is none)."""
    return max((min(w.end_s, bound_s) for w in windows if w.start_s <= bound_s), default=-math.inf)


def _route_positions(live: LivePlan, courier: int, route: Route | None) -> list[tuple[float, ...]]:
    """Rows ``(slot, from, to, ready, after_ready, leave_by, latest, variance, leave_limit)`` for every place in
    the route.

    Leaving the site at ``t`` (no earlier than ``ready``, the shift start or opening), the courier leaves the stop
    before the place at ``max(leave_by, t + after_ready)``: waits for windows make it a max-plus function of
    ``t``, so a request at any later time costs no new pass over the route. ``leave_limit`` is the latest ``t``
    that keeps every stop before the place on time (a new basket makes the whole route wait for it).
    """
    problem = live.problem
    c = problem.couriers[courier]
    duration = live.matrix.duration_s[c.profile]
    stops = route.stops if route is not None else ()
    nodes = [c.site, *(s.node for s in stops), c.last_site]
    ready = max(c.shift.start_s, problem.sites[c.site].opening.start_s)
    leave_by, after_ready = [-math.inf], [0]
    starts: list[int] = []
    variance = [0.0]
    leave_limit = [math.inf]
    arrive_after: list[int] = []
    depart = max(live.now_s, ready)
    for k, stop in enumerate(stops):
        leg = int(duration[nodes[k], nodes[k + 1]])
        windows = problem.stop_windows(stop.order, stop.kind)
        start, _ = earliest_start(depart + leg, windows)
        window_start = max(w.start_s for w in windows if w.start_s <= start)
        service = problem.stop_service_s(stop.order, stop.kind)
        starts.append(start)
        arrive_after.append(after_ready[-1] + leg)
        depart = start + service
        leave_by.append(max(window_start, leave_by[-1] + leg) + service)
        after_ready.append(after_ready[-1] + leg + service)
        variance.append(variance[-1] + (LEG_CV * leg) ** 2)
    end_arrival = depart + int(duration[nodes[-2], nodes[-1]])
    latest = [float(max(c.shift.end_s, end_arrival))]
    for k in range(len(stops) - 1, -1, -1):
        stop = stops[k]
        bound = latest[0] - int(duration[nodes[k + 1], nodes[k + 2]]) - problem.stop_service_s(stop.order, stop.kind)
        latest.insert(0, max(_latest_start(problem.stop_windows(stop.order, stop.kind), bound), starts[k]))
    for k in range(len(stops)):
        leave_limit.append(min(leave_limit[-1], latest[k] - arrive_after[k]))
    return [
        (p, nodes[p], nodes[p + 1], ready, after_ready[p], leave_by[p], latest[p], variance[p], leave_limit[p])
        for p in range(len(stops) + 1)
    ]


class InsertionIndex:
    """Every insertion position of the couriers that have not left, grouped by vehicle profile; build it once
    per live plan and query it per request."""

    def __init__(self, live: LivePlan) -> None:
        self.live = live
        rows: dict[str, list[tuple[float, ...]]] = {}
        for courier, c in enumerate(live.problem.couriers):
            if live.state(courier).departed or live.now_s >= c.shift.end_s:
                continue
            for row in _route_positions(live, courier, live.routes.get(courier)):
                rows.setdefault(c.profile, []).append((courier, *row))
        self._positions = {profile: self._arrays(profile, r) for profile, r in rows.items()}
        self.couriers = {int(row[0]) for r in rows.values() for row in r}
        """The couriers that can still take an order from their site."""

    def _arrays(self, profile: str, rows: list[tuple[float, ...]]) -> _Positions:
        table = np.array(rows, dtype=float)
        from_node, to_node = table[:, 2].astype(np.int64), table[:, 3].astype(np.int64)
        return _Positions(
            courier=table[:, 0].astype(np.int64),
            slot=table[:, 1].astype(np.int64),
            from_node=from_node,
            to_node=to_node,
            ready_s=table[:, 4].astype(np.int64),
            after_ready_s=table[:, 5].astype(np.int64),
            leave_by_s=np.nan_to_num(table[:, 6], neginf=-(2**62)).astype(np.int64),
            latest_s=table[:, 7].astype(np.int64),
            variance=table[:, 8],
            base_m=self.live.matrix.distance_m[profile][from_node, to_node],
            leave_limit_s=np.nan_to_num(table[:, 9], posinf=2**62).astype(np.int64),
        )

    @property
    def profiles(self) -> tuple[str, ...]:
        """The vehicle profiles of the couriers that can still take an order."""
        return tuple(self._positions)

    def cheapest(
        self,
        point: NewPoint,
        window: Window,
        service_s: int,
        allowed: np.ndarray,
        now_s: int,
        *,
        by_arrival: bool = False,
    ) -> Insertion | None:
        """The feasible insertion with the least detour (or the earliest start, ``by_arrival``) of a stop reached
        within ``window`` and served for ``service_s``, among couriers where ``allowed[courier]`` is true, for a
        request at ``now_s`` (no earlier than the live plan's time); ``None`` when there is none."""
        best: Insertion | None = None
        for profile, pos in self._positions.items():
            depart = np.maximum(pos.ready_s, now_s)
            leave = np.maximum(pos.leave_by_s, depart + pos.after_ready_s)
            arrival = leave + point.to_s[profile][pos.from_node]
            start = np.maximum(arrival, window.start_s)
            latest = pos.latest_s - service_s - point.from_s[profile][pos.to_node]
            ok = allowed[pos.courier] & (start <= np.minimum(window.end_s, latest)) & (depart <= pos.leave_limit_s)
            if not ok.any():
                continue
            detour = point.to_m[profile][pos.from_node] + point.from_m[profile][pos.to_node] - pos.base_m
            key = start if by_arrival else detour
            k = int(np.flatnonzero(ok)[np.argmin(key[ok])])
            if best is None or (start[k] < best.start_s if by_arrival else detour[k] < best.detour_m):
                leg = float(point.to_s[profile][pos.from_node[k]])
                sigma = math.sqrt(pos.variance[k] + (LEG_CV * leg) ** 2)
                best = Insertion(
                    int(pos.courier[k]), int(pos.slot[k]), int(arrival[k]), int(start[k]), int(detour[k]), sigma
                )
        return best
