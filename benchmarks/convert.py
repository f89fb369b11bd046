"""Turn a benchmark instance into a routing problem and matrix, and a plan back into the instance's routes.

Real-valued Euclidean distances are scaled to integers (``SCALE`` units per instance unit): arc costs are
rounded, travel times rounded *up*, so that a plan feasible for the solver stays feasible when the independent
checker re-evaluates it in double precision.
"""

from __future__ import annotations

import numpy as np

from benchmarks.instances import Instance
from geo.matrix import Matrix
from routing import Capacity, Courier, Order, Pickup, Plan, Problem, Site, Window

__all__ = ["SCALE", "instance_to_problem", "plan_to_routes"]

SCALE = 1000
PROFILE = "car"


def _window(instance: Instance, node: int) -> tuple[Window, ...]:
    return (Window(round(instance.ready[node] * SCALE), round(instance.due[node] * SCALE)),)


def _customers(instance: Instance) -> list[tuple[int, int | None]]:
    """``(delivery node, pickup node or None)`` per order, in node order of the deliveries."""
    if instance.kind == "vrptw":
        return [(i, None) for i in range(1, len(instance.x))]
    return [(i, int(instance.pickup_of[i])) for i in range(1, len(instance.x)) if instance.demand[i] < 0]


def instance_to_problem(instance: Instance) -> tuple[Problem, Matrix, list[int]]:
    """Return ``(problem, matrix, nodes)``; ``nodes[k]`` is the instance node of the problem's matrix node ``k``.

    One site (the depot), ``instance.vehicles`` identical single-trip couriers whose fixed cost (twice the longest
    arc) makes the solver prefer fewer routes, one order per customer (or per pickup-and-delivery pair).
    """
    depot = Site("depot", "store", (float(instance.y[0]), float(instance.x[0])), _window(instance, 0)[0])
    orders = []
    for delivery, pickup in _customers(instance):
        weight = int(instance.demand[pickup if pickup is not None else delivery])
        orders.append(
            Order(
                str(delivery),
                (float(instance.y[delivery]), float(instance.x[delivery])),
                _window(instance, delivery),
                weight_g=weight,
                service_s=round(instance.service[delivery] * SCALE),
                pickup=None
                if pickup is None
                else Pickup(
                    (float(instance.y[pickup]), float(instance.x[pickup])),
                    _window(instance, pickup),
                    round(instance.service[pickup] * SCALE),
                ),
            )
        )
    nodes = [0, *(d for d, _ in _customers(instance)), *(p for _, p in _customers(instance) if p is not None)]
    xy = np.column_stack([instance.x, instance.y])[nodes]
    length = np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1))
    distance = np.rint(length * SCALE).astype(np.int64)
    duration = np.ceil(length * SCALE / instance.speed - 1e-6).astype(np.int64)
    fixed = int(2 * distance.max())
    couriers = tuple(
        Courier(f"v{k}", 0, depot.opening, PROFILE, Capacity(int(instance.capacity)), fixed_cost=fixed, max_trips=1)
        for k in range(instance.vehicles)
    )
    problem = Problem((depot,), couriers, tuple(orders), instance.name)
    return problem, Matrix({PROFILE: distance}, {PROFILE: duration}), nodes


def plan_to_routes(plan: Plan, nodes: list[int]) -> list[list[int]]:
    """The plan's routes as lists of instance node ids (depot excluded), for the independent checker."""
    return [[nodes[stop.node] for stop in route.stops] for route in plan.routes]
