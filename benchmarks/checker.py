"""An independent, double-precision checker of routes for a benchmark instance.

It shares no code with the solver: Euclidean distances with ``math.hypot``, travel time = distance / speed, each
route leaving the depot at its ready time, waiting allowed, service starting no later than the due time (1e-6
tolerance), back at the depot by its due time; capacity (VRPTW: total demand; PDPTW: load after every stop within
``[0, capacity]``), pickups before their deliveries on the same route, every customer exactly once.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from benchmarks.instances import Instance

__all__ = ["CheckResult", "check_routes"]

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
