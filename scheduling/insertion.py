"""Cheapest feasible insertion of one delivery stop into a live plan's courier days, vectorised.

A stock basket is loaded at the site, so a new stop goes into a trip that has not left yet: the trip being
loaded, a later trip (after the one under way, from the courier's predicted return plus the site's reload), or a
new trip of its own before any of those or at the end of the day. For each position the earliest departure from
the stop before it and the latest start allowed at the stop after it (so that no stop after it, nor the trips
after it, nor the return by the shift end, gets later than its window, or later than it already is) are
computed once per live plan; a request then costs a few numpy operations per profile.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from geo.matrix import LegProvider, Point
from routing.model import Window
from routing.plan import Route, Stop
from routing.timing import earliest_start
from scheduling.eta import LEG_CV, SERVICE_CV, next_free
from scheduling.live import LivePlan, trip_groups

__all__ = ["ALONE", "APPEND", "HEAD", "CourierDay", "Insertion", "InsertionIndex", "NewPoint", "Options"]


APPEND, HEAD, ALONE = 0, 1, 2
"""How a new stop joins the day at its slot: in the trip of the stop before it (or the first trip), at the head
of the trip that starts at the slot, or as a trip of its own there."""


@dataclass(frozen=True)
class Insertion:
    """Where a new stop goes (before ``route.stops[slot]``, joining as ``joins``: :data:`APPEND`, :data:`HEAD` or
    :data:`ALONE`), when it is reached and what it costs."""

    courier: int
    slot: int
    arrival_s: int
    start_s: int
    detour_m: int
    sigma_s: float
    joins: int = APPEND


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
    spare: np.ndarray
    joins: np.ndarray


_NONE = 2**62
_COLUMNS = 13  # slot, from, to, ready, after_ready, leave_by, latest, variance, leave_limit, spare × 3, joins


def _latest_start(windows: Sequence[Window], bound_s: float, margin_s: float) -> float:
    """The latest start within a window ending ``margin_s`` early and no later than ``bound_s`` (``-inf`` when
    there is none)."""
    ends = (min(w.end_s - margin_s, bound_s) for w in windows)
    return max((e for e, w in zip(ends, windows, strict=True) if w.start_s <= e), default=-math.inf)


@dataclass
class _Trip:
    """One trip that may still take a stop, walked forward: its departure and, per place, the max-plus terms."""

    first: int
    stops: Sequence[Stop]
    depart_s: int
    leave_by: list[float]
    after_ready: list[int]
    arrive_after: list[int]
    starts: list[int]
    variance: list[float]
    back_s: int = 0
    latest: list[float] = field(default_factory=list)
    leave_latest_s: float = math.inf


class CourierDay:
    """The courier's day from the first trip that may still take a stop: trips walked forward (earliest
    times), then backward (latest starts that keep every later stop and the shift end, each stop ``margin_sd``
    standard deviations of its arrival before its window ends, or no later than it is)."""

    def __init__(self, live: LivePlan, courier: int, route: Route | None, margin_sd: float = 0.0) -> None:
        self.live, self.courier, self.margin_sd = live, courier, margin_sd
        problem = live.problem
        self.c = c = problem.couriers[courier]
        self.duration = live.matrix.duration_s[c.profile]
        self.reload_s = problem.sites[c.site].reload_s
        stops = route.stops if route is not None else ()
        self.stop_count = len(stops)
        every = trip_groups(stops)
        kept, free, variance = next_free(live, courier)
        groups = every[1:] if kept else every
        self.trips: list[_Trip] = []
        self.frees: list[int] = []
        for k, (first, end) in enumerate(groups):
            self.frees.append(free)
            trip = self._forward(first, stops[first:end], free, variance, last=k == len(groups) - 1)
            variance = trip.variance[-1] + (LEG_CV * int(self.duration[trip.stops[-1].node, c.site])) ** 2
            self.trips.append(trip)
            free = trip.back_s + self.reload_s
        self.end_free_s = free
        self.end_variance = variance
        used = live.state(courier).trips_done + len(every)
        self.can_add = c.trip_limit is None or used < c.trip_limit
        self._backward()

    def _forward(self, first: int, stops: Sequence[Stop], free_s: int, variance: float, *, last: bool) -> _Trip:
        problem, duration = self.live.problem, self.duration
        ready = [r for s in stops if s.kind == "delivery" and (r := problem.orders[s.order].ready_s) is not None]
        depart = max([free_s, *ready])
        trip = _Trip(first, stops, depart, [-math.inf], [0], [], [], [variance])
        clock, node = depart, self.c.site
        for stop in stops:
            leg = int(duration[node, stop.node])
            windows = problem.stop_windows(stop.order, stop.kind)
            start, _ = earliest_start(clock + leg, windows)
            window_start = max(w.start_s for w in windows if w.start_s <= start)
            service = problem.stop_service_s(stop.order, stop.kind)
            trip.starts.append(start)
            trip.arrive_after.append(trip.after_ready[-1] + leg)
            trip.leave_by.append(max(window_start, trip.leave_by[-1] + leg) + service)
            trip.after_ready.append(trip.after_ready[-1] + leg + service)
            trip.variance.append(trip.variance[-1] + (LEG_CV * leg) ** 2 + (SERVICE_CV * service) ** 2)
            clock, node = start + service, stop.node
        trip.back_s = clock + int(duration[node, self.c.last_site if last else self.c.site])
        return trip

    def _backward(self) -> None:
        problem, duration = self.live.problem, self.duration
        end_arrival = self.trips[-1].back_s if self.trips else self.end_free_s
        self.end_latest_s = float(max(self.c.shift.end_s, end_arrival))
        back_latest = self.end_latest_s
        for trip in reversed(self.trips):
            latest = [max(back_latest, float(trip.back_s))]
            nxt = self.c.last_site if trip is self.trips[-1] else self.c.site
            for k in range(len(trip.stops) - 1, -1, -1):
                stop = trip.stops[k]
                bound = latest[0] - int(duration[stop.node, nxt]) - problem.stop_service_s(stop.order, stop.kind)
                windows = problem.stop_windows(stop.order, stop.kind)
                margin = self.margin_sd * math.sqrt(trip.variance[k + 1])
                latest.insert(0, max(_latest_start(windows, bound, margin), float(trip.starts[k])))
                nxt = stop.node
            trip.latest = latest
            trip.leave_latest_s = max(latest[0] - int(duration[self.c.site, nxt]), float(trip.depart_s))
            back_latest = trip.leave_latest_s - self.reload_s

    def rows(self) -> list[tuple[float, ...]]:
        """The insertion places, as rows of :data:`_COLUMNS` values."""
        c, cap = self.c, self.c.capacity
        volume = cap.volume_cm3 if cap.volume_cm3 is not None else _NONE
        items = cap.items if cap.items is not None else _NONE
        rows: list[tuple[float, ...]] = []
        empty = (cap.weight_g, volume, items)
        for k, trip in enumerate(self.trips):
            if self.can_add:
                latest = trip.leave_latest_s - self.reload_s
                rows.append(
                    (
                        trip.first,
                        c.site,
                        c.site,
                        self.frees[k],
                        0,
                        -math.inf,
                        latest,
                        trip.variance[0],
                        math.inf,
                        *empty,
                        ALONE,
                    )
                )
            spare = self._spare(trip.stops, empty)
            limit = math.inf
            home = c.last_site if k == len(self.trips) - 1 else c.site
            nodes = [c.site, *(s.node for s in trip.stops), home]
            for p in range(len(trip.stops) + 1):
                if p > 0:
                    limit = min(limit, trip.latest[p - 1] - trip.arrive_after[p - 1])
                joins = HEAD if p == 0 and trip.first > 0 else APPEND
                rows.append(
                    (
                        trip.first + p,
                        nodes[p],
                        nodes[p + 1],
                        trip.depart_s,
                        trip.after_ready[p],
                        trip.leave_by[p],
                        trip.latest[p],
                        trip.variance[p],
                        limit,
                        *spare,
                        joins,
                    )
                )
        if self.can_add:
            rows.append(
                (
                    self.stop_count,
                    c.site,
                    c.last_site,
                    self.end_free_s,
                    0,
                    -math.inf,
                    self.end_latest_s,
                    self.end_variance,
                    math.inf,
                    *empty,
                    ALONE,
                )
            )
        return rows

    def _spare(self, stops: Sequence[Stop], empty: tuple[int, int, int]) -> tuple[int, int, int]:
        """What a trip can still take: capacity less its heaviest load, its baskets' volume and items."""
        orders = self.live.problem.orders
        baskets = [orders[s.order] for s in stops if s.kind == "delivery" and orders[s.order].pickup is None]
        initial = sum(o.weight_g for o in baskets)
        peak = max([initial, *(s.load_g for s in stops)])
        return (
            empty[0] - peak,
            empty[1] - sum(o.volume_cm3 for o in baskets),
            empty[2] - sum(o.item_count for o in baskets),
        )


class InsertionIndex:
    """Every insertion position of the couriers' trips not started, grouped by vehicle profile; build it once
    per live plan and query it per request. Every stop, the new one too, keeps ``margin_sd`` standard
    deviations of its arrival time before its window ends (or is no later than it already was)."""

    def __init__(self, live: LivePlan, margin_sd: float = 1.0) -> None:
        self.live, self.margin_sd = live, margin_sd
        rows: dict[str, list[tuple[float, ...]]] = {}
        for courier, c in enumerate(live.problem.couriers):
            if live.now_s >= c.shift.end_s:
                continue
            day = CourierDay(live, courier, live.routes.get(courier), margin_sd)
            for row in day.rows():
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
            leave_by_s=np.nan_to_num(table[:, 6], neginf=-_NONE).astype(np.int64),
            latest_s=np.nan_to_num(table[:, 7], neginf=-_NONE).astype(np.int64),
            variance=table[:, 8],
            base_m=self.live.matrix.distance_m[profile][from_node, to_node],
            leave_limit_s=np.nan_to_num(table[:, 9], posinf=_NONE).astype(np.int64),
            spare=table[:, 10:13].astype(np.int64),
            joins=table[:, 13].astype(np.int64),
        )

    @property
    def profiles(self) -> tuple[str, ...]:
        """The vehicle profiles of the couriers that can still take an order."""
        return tuple(self._positions)

    def options(
        self,
        point: NewPoint,
        service_s: int,
        allowed: np.ndarray,
        now_s: int,
        *,
        load: tuple[int, int, int] = (0, 0, 0),
    ) -> Options:
        """Every place a stop at ``point`` served for ``service_s`` could go, carrying ``load`` (g, cm³, items)
        in a trip that has room for it, among couriers where ``allowed[courier]`` is true, for a basket ready at
        ``now_s`` (no earlier than the live plan's time); ask :meth:`Options.best` for a window."""
        found = []
        for profile, pos in self._positions.items():
            depart = np.maximum(pos.ready_s, now_s)
            to_s = point.to_s[profile][pos.from_node]
            arrival = np.maximum(pos.leave_by_s, depart + pos.after_ready_s) + to_s
            ok = allowed[pos.courier] & (depart <= pos.leave_limit_s) & (pos.spare >= np.asarray(load)).all(axis=1)
            rows = np.flatnonzero(ok)
            if not len(rows):
                continue
            sigma = np.sqrt(pos.variance[rows] + (LEG_CV * to_s[rows]) ** 2)
            detour = point.to_m[profile][pos.from_node[rows]] + point.from_m[profile][pos.to_node[rows]]
            found.append(
                _Open(
                    pos.courier[rows],
                    pos.slot[rows],
                    pos.joins[rows],
                    arrival[rows],
                    pos.latest_s[rows] - service_s - point.from_s[profile][pos.to_node[rows]],
                    sigma * self.margin_sd,
                    sigma,
                    detour - pos.base_m[rows],
                )
            )
        return Options(found)

    def cheapest(
        self,
        point: NewPoint,
        window: Window,
        service_s: int,
        allowed: np.ndarray,
        now_s: int,
        *,
        load: tuple[int, int, int] = (0, 0, 0),
        by_arrival: bool = False,
    ) -> Insertion | None:
        """:meth:`options` then :meth:`Options.best` for one ``window``."""
        return self.options(point, service_s, allowed, now_s, load=load).best(window, by_arrival=by_arrival)


@dataclass(frozen=True)
class _Open:
    """The places of one profile that pass every test but the window's: arrays over those places."""

    courier: np.ndarray
    slot: np.ndarray
    joins: np.ndarray
    arrival: np.ndarray
    latest: np.ndarray
    margin: np.ndarray
    sigma: np.ndarray
    detour: np.ndarray


@dataclass(frozen=True)
class Options:
    """The places a new stop could go (built once per request by :meth:`InsertionIndex.options`), to be asked
    for the best one in each window."""

    places: list[_Open]

    def best(self, window: Window, *, by_arrival: bool = False) -> Insertion | None:
        """The feasible place with the least detour (or the earliest start, ``by_arrival``) where the stop starts
        within ``window`` at least the margin before its end; ``None`` when there is none."""
        best: Insertion | None = None
        for o in self.places:
            start = np.maximum(o.arrival, window.start_s)
            ok = start <= np.minimum(window.end_s - o.margin, o.latest)
            if not ok.any():
                continue
            key = start if by_arrival else o.detour
            k = int(np.flatnonzero(ok)[np.argmin(key[ok])])
            if best is None or (start[k] < best.start_s if by_arrival else o.detour[k] < best.detour_m):
                best = Insertion(
                    int(o.courier[k]),
                    int(o.slot[k]),
                    int(o.arrival[k]),
                    int(start[k]),
                    int(o.detour[k]),
                    float(o.sigma[k]),
                    int(o.joins[k]),
                )
        return best
