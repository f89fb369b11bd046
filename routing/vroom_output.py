"""A lastmile plan written as VROOM output, and a VROOM output read back as the routes ``lastmile check`` takes.

:func:`plan_to_vroom` writes ``code``, ``summary``, ``unassigned`` and ``routes[].steps`` as VROOM 1.15 does, times
in the input's seconds (the same base as its time windows) and ``cost`` VROOM's default, the travel time. The
schedule is lastmile's: a route leaves as late as it can, so waiting happens at the start rather than at the doors,
and a break is taken before the leg to the next task. :func:`routes_from_vroom` reads the routes of such an output
(one from VROOM too): only each route's vehicle, the order of its task steps and where its breaks are count.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal

import numpy as np

from geo.matrix import Matrix
from routing.errors import InputError
from routing.model import Problem
from routing.plan import Plan, Route, Stop
from routing.plan_json import EditedRoute
from routing.timing import break_position
from routing.vroom_spec import Task, VroomIndex

__all__ = ["plan_to_vroom", "routes_from_vroom"]

_TASK_TYPES = ("job", "pickup", "delivery")


def _task(index: VroomIndex, stop: Stop) -> Task:
    tasks = index.orders[stop.order].tasks
    return tasks[0] if stop.kind == "pickup" or len(tasks) == 1 else tasks[1]


def _described(description: str | None) -> dict[str, str]:
    return {} if description is None else {"description": description}


class _RouteSteps:
    """One route's steps, walked in order: travel and distance so far, the load, the totals."""

    def __init__(self, problem: Problem, matrix: Matrix, index: VroomIndex, route: Route) -> None:
        self.index, self.route = index, route
        courier = problem.couriers[route.courier]
        self.duration, self.distance = matrix.duration_s[courier.profile], matrix.distance_m[courier.profile]
        self.node, self.travel_s, self.metres = courier.site, 0, 0
        stock = [index.orders[s.order].amount for s in route.stops if len(index.orders[s.order].tasks) == 1]
        self.load = np.sum(stock, axis=0, dtype=np.int64) if stock else np.zeros(index.dims, dtype=np.int64)
        self.steps: list[dict[str, Any]] = []

    def move(self, node: int) -> None:
        self.travel_s += int(self.duration[self.node, node])
        self.metres += int(self.distance[self.node, node])
        self.node = node

    def add(
        self, kind: str, echo: Mapping[str, Any], arrival_s: int, begin_s: int, service: int, setup: int = 0
    ) -> None:
        """A step of ``kind`` (with the input's ``echo``: id, location, description) arriving at ``arrival_s``,
        starting at ``begin_s``."""
        self.steps.append(
            {
                "type": kind,
                **echo,
                "setup": setup,
                "service": service,
                "waiting_time": begin_s - arrival_s,
                "load": self.load.tolist(),
                "arrival": self.index.epoch_s + arrival_s,
                "duration": self.travel_s,
                **({"distance": self.metres} if self.index.distances else {}),
                "violations": [],
            }
        )

    def stop(self, stop: Stop) -> None:
        self.move(stop.node)
        task, amount = _task(self.index, stop), np.asarray(self.index.orders[stop.order].amount, dtype=np.int64)
        self.load = self.load + amount if task.type == "pickup" else self.load - amount
        echo = {**_described(task.description), **task.place, "id": task.id}
        self.add(task.type, echo, stop.arrival_s, stop.start_s, task.service, task.setup)


def _route_json(problem: Problem, matrix: Matrix, index: VroomIndex, route: Route) -> dict[str, Any]:
    """One route as VROOM writes it; each break goes where :func:`~routing.timing.break_position` says it was taken
    (one taken at the end after the return is written before the ``end`` step, arriving at the return)."""
    vehicle, walk = index.vehicles[route.courier], _RouteSteps(problem, matrix, index, route)
    stops, last = route.stops, problem.couriers[route.courier].last_site
    at = [break_position(start, [s.start_s for s in stops], route.end_s) for start, _ in route.breaks]
    free_s = route.breaks[0][0] if at and at[0] == 0 else route.start_s  # when the courier is free where it is
    walk.add("start", vehicle.start, free_s, free_s, 0)
    for position in range(len(stops) + 2):
        for b, (start, end) in enumerate(route.breaks):
            if at[b] == position:
                break_id, description = vehicle.breaks[b]
                walk.add("break", {"id": break_id, **_described(description)}, free_s, start, end - start)
                free_s = end
        if position < len(stops):
            walk.stop(stops[position])
            free_s = stops[position].departure_s
        elif position == len(stops):
            walk.move(last)
            free_s = route.end_s
    walk.add("end", vehicle.end, route.end_s, route.end_s, 0)
    served = [(index.orders[s.order], _task(index, s)) for s in stops]
    dims = np.zeros(index.dims, dtype=np.int64)
    delivered = sum((np.asarray(o.amount) for o, t in served if t.type != "pickup"), dims)
    picked = sum((np.asarray(o.amount) for o, t in served if t.type == "pickup"), dims)
    return {
        "vehicle": vehicle.id,
        "cost": walk.travel_s,
        **_described(vehicle.description),
        "delivery": delivered.tolist(),
        "amount": delivered.tolist(),
        "pickup": picked.tolist(),
        "setup": sum(s["setup"] for s in walk.steps),
        "service": sum(s["service"] for s in walk.steps),
        "duration": walk.travel_s,
        "waiting_time": sum(s["waiting_time"] for s in walk.steps),
        "priority": sum(o.priority for o, _ in served),
        **({"distance": walk.metres} if index.distances else {}),
        "steps": walk.steps,
        "violations": [],
    }


def plan_to_vroom(
    problem: Problem,
    plan: Plan,
    matrix: Matrix,
    index: VroomIndex,
    *,
    computing_ms: tuple[int, int] = (0, 0),
    violations: Mapping[int, Sequence[dict[str, Any]]] | None = None,
) -> dict[str, Any]:
    """``plan`` of the ``problem`` read from a VROOM input (``index``), solved on ``matrix``, as VROOM output.

    ``computing_ms`` is ``(loading, solving)`` in milliseconds; ``violations`` (for a checked plan) maps a courier
    to the violation objects of its route. An unassigned task carries lastmile's ``reason`` as well.
    """
    routes = [_route_json(problem, matrix, index, r) for r in plan.routes]
    for r, route in zip(plan.routes, routes, strict=True):
        route["violations"] = list((violations or {}).get(r.courier, ()))
    unassigned = [
        {"id": t.id, "type": t.type, **t.place, **_described(t.description), "reason": u.reason.value}
        for u in plan.unassigned
        for t in index.orders[u.order].tasks
    ]
    totals = {
        key: np.sum([r[key] for r in routes], axis=0, dtype=np.int64).tolist() if routes else [0] * index.dims
        for key in ("delivery", "amount", "pickup")
    }
    summed = ("setup", "service", "duration", "waiting_time", "priority", *(("distance",) if index.distances else ()))
    return {
        "code": 0,
        "summary": {
            "cost": sum(r["cost"] for r in routes),
            "routes": len(routes),
            "unassigned": len(unassigned),
            **totals,
            **{key: sum(r[key] for r in routes) for key in summed},
            "violations": [v for r in routes for v in r["violations"]],
            "computing_times": {"loading": computing_ms[0], "solving": computing_ms[1], "routing": 0},
        },
        "unassigned": unassigned,
        "routes": routes,
    }


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


StopRef = tuple[int, Literal["pickup", "delivery"]]


def _edited(
    tasks: Mapping[tuple[str, int], StopRef], breaks: Mapping[int, int], steps: list[Any], where: str
) -> tuple[list[StopRef], tuple[int, ...]]:
    """The stops of one route's ``steps`` (``tasks``: a VROOM task's stop) and the position of each of the
    courier's ``breaks`` (VROOM id -> index): a break left out is taken after the return, and so is one after the
    last task that starts once the route is back."""
    stops: list[StopRef] = []
    taken: dict[int, tuple[int, int | None]] = {}
    back_s = None
    for k, step in enumerate(steps):
        kind = step.get("type") if isinstance(step, dict) else None
        if kind not in (*_TASK_TYPES, "break", "start", "end"):
            raise InputError(f"{where}.steps[{k}].type: must be start, job, pickup, delivery, break or end")
        step_id = _int(step.get("id"))
        arrival, waiting = _int(step.get("arrival")), _int(step.get("waiting_time", 0))
        if kind == "end":
            back_s = arrival
        elif kind == "break":
            if step_id is None or step_id not in breaks or breaks[step_id] in taken:
                raise InputError(f"{where}.steps[{k}].id: not a break of this vehicle, or taken twice")
            begin = None if arrival is None or waiting is None else arrival + waiting
            taken[breaks[step_id]] = (len(stops), begin)
        elif kind in _TASK_TYPES:
            if step_id is None or (kind, step_id) not in tasks:
                raise InputError(f"{where}.steps[{k}].id: unknown {kind} {step.get('id')!r}")
            stops.append(tasks[(kind, step_id)])
    after = len(stops) + 1
    positions = []
    for b in range(len(breaks)):
        position, begin = taken.get(b, (after, None))
        late = position == len(stops) and begin is not None and back_s is not None and begin >= back_s
        positions.append(after if late else position)
    return stops, tuple(positions)


def routes_from_vroom(problem: Problem, index: VroomIndex, data: Any) -> list[EditedRoute]:
    """The routes of a VROOM output (``routes[].vehicle`` and the ``type`` and ``id`` of its steps; times are only
    used to tell a break taken after the return) for the problem read from the VROOM input (``index``).

    Raises ``InputError`` naming the field for an unknown vehicle, task or break, or a malformed entry.
    """
    vehicles = {v.id: c for c, v in enumerate(index.vehicles)}
    tasks: dict[tuple[str, int], StopRef] = {
        (t.type, t.id): (o, "pickup" if t.type == "pickup" else "delivery")
        for o, order in enumerate(index.orders)
        for t in order.tasks
    }
    if not isinstance(data, dict) or not isinstance(data.get("routes"), list):
        raise InputError("routes: a VROOM output needs a list of routes")
    edited = []
    for r, route in enumerate(data["routes"]):
        where = f"routes[{r}]"
        if not isinstance(route, dict) or not isinstance(route.get("steps", []), list):
            raise InputError(f"{where}: must be an object with a list of steps")
        vehicle = _int(route.get("vehicle"))
        if vehicle not in vehicles:
            raise InputError(f"{where}.vehicle: unknown vehicle {route.get('vehicle')!r}")
        courier = vehicles[vehicle]
        breaks = {break_id: b for b, (break_id, _) in enumerate(index.vehicles[courier].breaks)}
        stops, placed = _edited(tasks, breaks, route.get("steps", []), where)
        edited.append(EditedRoute(courier, problem.couriers[courier].site, tuple(stops), (), placed))
    return edited
