"""An independent, double-precision checker of routes for a benchmark instance.

It shares no code with the solver: Euclidean distances with ``math.hypot``, travel time = distance / speed, each
route leaving the depot at its ready time, waiting allowed, service starting no later than the due time (1e-6
tolerance), back at the depot by its due time; capacity (VRPTW: total demand; PDPTW: load after every stop within
``[0, capacity]``), pickups before their deliveries on the same route, every customer exactly once.

:func:`check_trips` checks multi-trip VRPTW days the same way (a vehicle is a list of trips, each from the depot
back to it). Each trip leaves as early as allowed: not before the depot's ready time (the first trip) or the previous
trip's return plus ``reload_time`` (a later trip), nor before the largest release time of its customers (reloading
may overlap the wait for a release). Per trip, demand at most ``capacity``; every service starting by its due time,
every return by the depot's due time; per vehicle, the duration from first departure to last return at most
``max_duration``, the first departure taken as late as it can be without delaying the last return (so the duration
is the least any schedule of these trips has); at most ``fleet`` vehicles; every customer at most once (customers
left out are counted, not violations).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from benchmarks.instances import Instance

__all__ = ["CheckResult", "TripsCheckResult", "check_routes", "check_trips"]

_EPS = 1e-6


@dataclass(frozen=True)
class CheckResult:
    """Whether the routes are feasible, how many are used, their total distance, and what is wrong."""

    feasible: bool
    vehicles: int
    distance: float
    violations: tuple[str, ...]


def _check_route(instance: Instance, k: int, route: Sequence[int], problems: list[str]) -> float:
    """Walk one route, append its violations, return its length."""
    x, y, n = instance.x, instance.y, len(instance.x)
    clock, load, distance, prev = float(instance.ready[0]), 0, 0.0, 0
    picked: set[int] = set()
    if instance.kind == "vrptw" and sum(int(instance.demand[i]) for i in route if 0 < i < n) > instance.capacity:
        problems.append(f"route {k}: demand above capacity {instance.capacity}")
    for node in [*route, 0]:
        if not 0 <= node < n:
            problems.append(f"route {k}: unknown node {node}")
            continue
        leg = math.hypot(x[node] - x[prev], y[node] - y[prev])
        distance += leg
        clock += leg / instance.speed
        if node == 0:
            if clock > instance.due[0] + _EPS:
                problems.append(f"route {k}: back at the depot at {clock:.4f} after {instance.due[0]}")
            break
        clock = max(clock, float(instance.ready[node]))
        if clock > instance.due[node] + _EPS:
            problems.append(f"route {k}: node {node} starts at {clock:.4f} after due {instance.due[node]}")
        clock += float(instance.service[node])
        if instance.kind == "pdptw":
            load += int(instance.demand[node])
            if not 0 <= load <= instance.capacity:
                problems.append(f"route {k}: load {load} after node {node} outside [0, {instance.capacity}]")
            pickup = int(instance.pickup_of[node])
            if pickup and pickup not in picked:
                problems.append(f"route {k}: delivery {node} before (or without) its pickup {pickup}")
            picked.add(node)
        prev = node
    return distance


def check_routes(instance: Instance, routes: Sequence[Sequence[int]]) -> CheckResult:
    """Re-evaluate ``routes`` (customer node ids, depot excluded) on ``instance`` in double precision."""
    problems: list[str] = []
    used = [list(r) for r in routes if len(r) > 0]
    for k, route in enumerate(used):
        if 0 in route:
            problems.append(f"route {k}: the depot inside a route")
    total = sum(_check_route(instance, k, [i for i in r if i != 0], problems) for k, r in enumerate(used))
    visits = Counter(i for r in used for i in r if i != 0)
    missing = sorted(set(range(1, len(instance.x))) - set(visits))
    if missing:
        problems.append(f"{len(missing)} customers not visited, e.g. {missing[:5]}")
    twice = sorted(i for i, c in visits.items() if c > 1)
    if twice:
        problems.append(f"customers visited more than once: {twice[:5]}")
    return CheckResult(not problems, len(used), total, tuple(problems))


@dataclass(frozen=True)
class TripsCheckResult:
    """Whether multi-trip days are feasible, how many vehicles and (non-empty) trips they use, how many customers
    they serve, their total distance, and what is wrong."""

    feasible: bool
    vehicles: int
    trips: int
    served: int
    distance: float
    violations: tuple[str, ...]


def _travel(instance: Instance, a: int, b: int) -> tuple[float, float]:
    """``(distance, travel time)`` from node ``a`` to node ``b``."""
    leg = math.hypot(instance.x[b] - instance.x[a], instance.y[b] - instance.y[a])
    return leg, leg / instance.speed


def _walk_trip(
    instance: Instance, name: str, trip: Sequence[int], depart: float, problems: list[str]
) -> tuple[float, float]:
    """Walk one trip leaving the depot at ``depart`` as early as possible; append its violations (``name`` says
    which trip), return ``(back at the depot, length)``."""
    clock, distance, prev = depart, 0.0, 0
    for node in [*trip, 0]:
        leg, time = _travel(instance, prev, node)
        distance += leg
        clock += time
        if node == 0:
            if clock > instance.due[0] + _EPS:
                problems.append(
                    f"{name} (leaves {depart:.4f}): back at the depot at {clock:.4f} after {instance.due[0]}"
                )
            break
        clock = max(clock, float(instance.ready[node]))
        if clock > instance.due[node] + _EPS:
            problems.append(
                f"{name} (leaves {depart:.4f}): node {node} starts at {clock:.4f} after due {instance.due[node]}"
            )
        clock += float(instance.service[node])
        prev = node
    return clock, distance


def _latest_departure(instance: Instance, trip: Sequence[int], back_by: float) -> float:
    """The latest time ``trip`` can leave the depot and still start every service by its due time and be back by
    ``back_by``."""
    latest, following = back_by, 0
    for node in reversed(trip):
        latest = min(float(instance.due[node]), latest - _travel(instance, node, following)[1] - instance.service[node])
        following = node
    return latest - _travel(instance, 0, following)[1]


def _check_day(
    instance: Instance,
    v: int,
    trips: list[list[int]],
    *,
    reload_time: float,
    release: Mapping[int, float],
    max_duration: float | None,
    capacity: int,
    problems: list[str],
) -> float:
    """Walk one vehicle's non-empty trips, append their violations, return their length."""
    clock, distance, departures = float(instance.ready[0]), 0.0, []
    for t, trip in enumerate(trips):
        demand = sum(int(instance.demand[i]) for i in trip)
        if demand > capacity:
            problems.append(f"vehicle {v} trip {t}: demand {demand} above capacity {capacity}")
        earliest = clock if t == 0 else clock + reload_time
        departures.append(max([earliest, *(float(release[i]) for i in trip if i in release)]))
        clock, length = _walk_trip(instance, f"vehicle {v} trip {t}", trip, departures[-1], problems)
        distance += length
    if max_duration is not None:
        latest = clock
        for t in reversed(range(len(trips))):
            latest = _latest_departure(instance, trips[t], latest) - (reload_time if t > 0 else 0.0)
        duration = clock - max(latest, departures[0])  # a late trip makes ``latest`` meaningless: no less than this
        if duration > max_duration + _EPS:
            problems.append(f"vehicle {v}: duration {duration:.4f} above {max_duration}")
    return distance


def check_trips(
    instance: Instance,
    routes: Sequence[Sequence[Sequence[int]]],
    *,
    reload_time: float,
    release: Mapping[int, float],
    max_duration: float | None,
    capacity: int,
    fleet: int | None = None,
) -> TripsCheckResult:
    """Re-evaluate multi-trip days on a VRPTW ``instance`` in double precision, as the module docstring says.

    ``routes[v]`` is vehicle ``v``'s trips in order, each a list of customer node ids (depot excluded; empty trips
    are skipped); ``release`` maps a customer node to its release time (others have none); ``max_duration`` and
    ``fleet`` may be ``None`` for no limit. Returns a :class:`TripsCheckResult`; raises ``ValueError`` for a PDPTW
    instance.
    """
    if instance.kind != "vrptw":
        raise ValueError(f"{instance.name}: check_trips takes VRPTW instances, got {instance.kind}")
    problems: list[str] = []
    n = len(instance.x)
    days: list[list[list[int]]] = []
    for v, day in enumerate(routes):
        trips = []
        for t, trip in enumerate(day):
            for node in trip:
                if node == 0:
                    problems.append(f"vehicle {v} trip {t}: the depot inside a trip")
                elif not 0 < node < n:
                    problems.append(f"vehicle {v} trip {t}: unknown node {node}")
            if any(0 < node < n for node in trip):
                trips.append([node for node in trip if 0 < node < n])
        days.append(trips)
    total = sum(
        _check_day(
            instance,
            v,
            trips,
            reload_time=reload_time,
            release=release,
            max_duration=max_duration,
            capacity=capacity,
            problems=problems,
        )
        for v, trips in enumerate(days)
        if trips
    )
    used = sum(1 for trips in days if trips)
    if fleet is not None and used > fleet:
        problems.append(f"{used} vehicles used, the fleet has {fleet}")
    visits = Counter(i for trips in days for trip in trips for i in trip)
    twice = sorted(i for i, c in visits.items() if c > 1)
    if twice:
        problems.append(f"customers visited more than once: {twice[:5]}")
    trip_count = sum(len(trips) for trips in days)
    return TripsCheckResult(not problems, used, trip_count, len(visits), total, tuple(problems))
