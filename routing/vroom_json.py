"""VROOM's input format (``docs/API.md`` of VROOM 1.15) read as lastmile's problem JSON.

:func:`vroom_to_problem_json` validates a decoded VROOM input and returns the lastmile problem JSON it stands for
(the mapping is in ``docs/problem-format.md``, "VROOM format") and a :class:`VroomIndex` with what lastmile does not
keep — VROOM's ids, amounts, setup times, locations as given and descriptions — to write a plan back as VROOM output
(:mod:`routing.vroom_output`). What lastmile cannot take is an ``InputError`` naming the VROOM field, e.g.
``vehicles[2].end: an open route (no end) is not supported``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from geo.files import read_json
from geo.table import MatrixTable
from routing.errors import InputError
from routing.limits import HORIZON_S, MAX_AMOUNT, MAX_LEG_M
from routing.model import Problem
from routing.problem_json import read_problem
from routing.vroom_spec import (
    BreakSpec,
    JobSpec,
    MatrixSpec,
    ShipmentSpec,
    Task,
    TaskSpec,
    VehicleSpec,
    VroomIndex,
    VroomOrder,
    VroomSpec,
    VroomVehicle,
    parse_vroom,
)

__all__ = ["PROFILE_NAMES", "load_vroom", "read_vroom", "vroom_to_problem_json"]

PROFILE_NAMES = {
    **dict.fromkeys(("car", "auto", "truck", "driving-car", "driving-hgv"), "car"),
    **dict.fromkeys(("bike", "bicycle", "cycling-regular"), "bike"),
    **dict.fromkeys(("foot", "walking", "pedestrian", "foot-walking"), "foot"),
}
"""VROOM profile names (OSRM's, openrouteservice's, Valhalla's) -> lastmile's profile."""
PLACEHOLDER_STEP = 1e-4
"""With matrices, matrix node ``i`` stands at ``(0, i × PLACEHOLDER_STEP)`` (lat, lon): lastmile needs a point."""
ITEM_AMOUNT, ITEM_TASK = "amount-3", "task"
"""The stock item counted by a courier's ``items`` capacity: a job's third amount, or one per job (``max_tasks``)."""
DAY_S = 86_400


def _windows_at(where: str, windows: Sequence[tuple[int, int]] | None) -> Iterator[tuple[str, tuple[int, int]]]:
    return ((f"{where}.time_windows[{w}]", tw) for w, tw in enumerate(windows or ()))


def _times(spec: VroomSpec) -> Iterator[tuple[str, tuple[int, int]]]:
    """Every time window of the input with its field path."""
    for k, job in enumerate(spec.jobs):
        yield from _windows_at(f"jobs[{k}]", job.time_windows)
    for k, shipment in enumerate(spec.shipments):
        for side, task in (("pickup", shipment.pickup), ("delivery", shipment.delivery)):
            yield from _windows_at(f"shipments[{k}].{side}", task.time_windows)
    for k, vehicle in enumerate(spec.vehicles):
        if vehicle.time_window is not None:
            yield f"vehicles[{k}].time_window", vehicle.time_window
        for b, brk in enumerate(vehicle.breaks):
            yield from _windows_at(f"vehicles[{k}].breaks[{b}]", brk.time_windows)


def _amounts(spec: VroomSpec) -> Iterator[tuple[str, list[int]]]:
    """Every amount array of the input with its field path."""
    for k, job in enumerate(spec.jobs):
        yield from ((f"jobs[{k}].{f}", a) for f in ("delivery", "pickup") if (a := getattr(job, f)) is not None)
    yield from ((f"shipments[{k}].amount", s.amount) for k, s in enumerate(spec.shipments) if s.amount is not None)
    yield from ((f"vehicles[{k}].capacity", v.capacity) for k, v in enumerate(spec.vehicles) if v.capacity is not None)


def _repeated(ids: Iterator[tuple[str, int]], what: str) -> None:
    seen: set[int] = set()
    for where, value in ids:
        if value in seen:
            raise InputError(f"{where}: repeated {what} id {value}")
        seen.add(value)


@dataclass(frozen=True)
class _Node:
    point: tuple[float, float]
    index: int | None
    place: dict[str, Any]

    @property
    def key(self) -> object:
        return self.point if self.index is None else self.index


class _Convert:
    """VROOM spec -> lastmile problem JSON, keeping the :class:`VroomIndex`."""

    def __init__(self, spec: VroomSpec) -> None:
        self.spec = spec
        if spec.matrix is not None and spec.matrices is not None:
            raise InputError("matrix: give either `matrices` or the deprecated `matrix`, not both")
        self.matrices = spec.matrices or ({"car": MatrixSpec(durations=spec.matrix)} if spec.matrix else None)
        self.profiles = self._profiles()
        starts = [tw[0] for _, tw in _times(spec)]
        self.epoch_s = min(starts) // DAY_S * DAY_S if starts else 0
        for where, tw in _times(spec):
            if tw[1] > self.epoch_s + HORIZON_S:
                raise InputError(f"{where}: {tw[1]} is more than {HORIZON_S // DAY_S} days after {self.epoch_s}")
        self.dims = self._dims()
        self.items = self._items_mode()
        self.size = min((len(self.matrices[p].durations) for p in self.profiles), default=0) if self.matrices else 0
        self.sites: dict[object, dict[str, Any]] = {}

    def _profiles(self) -> dict[str, str]:
        """The VROOM profiles the vehicles use -> lastmile's; checked against the matrices."""
        chosen: dict[str, str] = {}
        for k, v in enumerate(self.spec.vehicles):
            ours = PROFILE_NAMES.get(v.profile)
            if ours is None:
                known = ", ".join(sorted(PROFILE_NAMES))
                raise InputError(f"vehicles[{k}].profile: unknown profile {v.profile!r}; known: {known}")
            if self.matrices is not None and v.profile not in self.matrices:
                raise InputError(f"vehicles[{k}].profile: no matrices.{v.profile} given")
            clash = [name for name, p in chosen.items() if p == ours and name != v.profile]
            if clash and self.matrices is not None:
                raise InputError(f"vehicles[{k}].profile: {v.profile!r} and {clash[0]!r} are both lastmile's {ours}")
            chosen[v.profile] = ours
        for name in chosen:
            if self.matrices is not None:
                self._check_square(name, self.matrices[name])
        return chosen

    @staticmethod
    def _check_square(name: str, m: MatrixSpec) -> None:
        n = len(m.durations)
        for field, rows in (("durations", m.durations), ("distances", m.distances)):
            if rows is not None and len(rows) != n:
                raise InputError(f"matrices.{name}.{field}: {len(rows)} rows, durations have {n}")
            for i, row in enumerate(rows or ()):
                if len(row) != n:
                    raise InputError(f"matrices.{name}.{field}[{i}]: {len(row)} entries in a matrix of {n} rows")

    def _dims(self) -> int:
        arrays = list(_amounts(self.spec))
        dims = len(arrays[0][1]) if arrays else 0
        for where, amounts in arrays:
            if len(amounts) != dims:
                raise InputError(f"{where}: {len(amounts)} amounts, but {arrays[0][0]} has {dims}")
            if dims > 3:
                raise InputError(f"{where}: at most 3 amounts (weight_g, volume_cm3, items)")
        for k, v in enumerate(self.spec.vehicles):
            if dims and v.capacity is None:
                raise InputError(f"vehicles[{k}].capacity: needed, the tasks have {dims} amounts")
        return dims

    def _items_mode(self) -> str | None:
        """What a courier's item capacity counts: a job's third amount, one per job (``max_tasks``), or nothing."""
        limited = [k for k, v in enumerate(self.spec.vehicles) if v.max_tasks is not None]
        if limited and self.dims == 3:
            raise InputError(f"vehicles[{limited[0]}].max_tasks: not supported with 3 amounts")
        if limited and self.spec.shipments:
            raise InputError(f"vehicles[{limited[0]}].max_tasks: not supported with shipments")
        for k, s in enumerate(self.spec.shipments):
            if self.dims == 3 and s.amount is not None and s.amount[2]:
                raise InputError(f"shipments[{k}].amount[2]: a third amount is only supported on jobs")
        return ITEM_AMOUNT if self.dims == 3 else ITEM_TASK if limited else None

    def clock(self, t: int) -> str:
        return datetime.fromtimestamp(t, UTC).isoformat()

    def window(self, tw: tuple[int, int] | None) -> dict[str, str]:
        start, end = tw or (self.epoch_s, self.epoch_s + HORIZON_S)
        return {"start": self.clock(start), "end": self.clock(end)}

    def windows(self, tws: Sequence[tuple[int, int]] | None) -> list[dict[str, str]]:
        """Time windows as lastmile windows: overlapping or touching ones merged (their union is the same)."""
        merged: list[tuple[int, int]] = []
        for start, end in sorted(tws or [(self.epoch_s, self.epoch_s + HORIZON_S)]):
            if merged and start <= merged[-1][1]:
                merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
            else:
                merged.append((start, end))
        return [self.window(tw) for tw in merged]

    def node(self, where: str, location: tuple[float, float] | None, index: int | None, names: Sequence[str]) -> _Node:
        """The point (lat, lon) and matrix index of a location given as VROOM ``names`` (location, index)."""
        place: dict[str, Any] = {} if location is None else {"location": list(location)}
        place |= {} if index is None else {"location_index": index}
        if self.matrices is not None:
            if index is None:
                raise InputError(f"{where}.{names[1]}: needed with matrices")
            if index >= self.size:
                raise InputError(f"{where}.{names[1]}: {index} is outside the matrices ({self.size} rows)")
            return _Node((0.0, round(index * PLACEHOLDER_STEP, 4)), index, place)
        if location is None:
            raise InputError(f"{where}.{names[0]}: needed without matrices")
        return _Node((location[1], location[0]), None, place)

    def load(self, amount: Sequence[int], items: Mapping[str, int]) -> dict[str, Any]:
        fields = dict(zip(("weight_g", "volume_cm3"), amount, strict=False))
        return {**fields, "items": dict(items)} if items else fields

    def task(self, kind: Literal["job", "pickup", "delivery"], t: TaskSpec, node: _Node) -> Task:
        return Task(kind, t.id, node.place, t.setup, t.service, t.description)

    def stop(self, where: str, t: TaskSpec) -> tuple[dict[str, Any], _Node]:
        """A task's location, windows and service as lastmile fields (with its node)."""
        node = self.node(where, t.location, t.location_index, ("location", "location_index"))
        if t.setup + t.service > HORIZON_S:
            raise InputError(f"{where}.service: setup + service longer than {HORIZON_S} s")
        fields = {"location": list(node.point), "windows": self.windows(t.time_windows)}
        fields |= {"service_s": t.setup + t.service} | ({} if node.index is None else {"location_index": node.index})
        return fields, node

    def job(self, k: int, j: JobSpec) -> tuple[dict[str, Any], VroomOrder]:
        fields, node = self.stop(f"jobs[{k}]", j)
        amount = tuple(j.delivery or [0] * self.dims)
        items = {ITEM_AMOUNT: amount[2]} if self.items == ITEM_AMOUNT and amount[2] else {}
        items = {ITEM_TASK: 1} if self.items == ITEM_TASK else items
        order = {"id": f"job-{j.id}", **fields, **self.load(amount, items), "skills": [str(s) for s in j.skills]}
        return {**order, "priority": j.priority}, VroomOrder((self.task("job", j, node),), amount, j.priority)

    def shipment(self, k: int, s: ShipmentSpec) -> tuple[dict[str, Any], VroomOrder]:
        pickup, at = self.stop(f"shipments[{k}].pickup", s.pickup)
        fields, to = self.stop(f"shipments[{k}].delivery", s.delivery)
        amount = tuple(s.amount or [0] * self.dims)
        order = {"id": f"shipment-{s.pickup.id}", **fields, **self.load(amount, {}), "pickup": pickup}
        tasks = (self.task("pickup", s.pickup, at), self.task("delivery", s.delivery, to))
        order |= {"skills": [str(x) for x in s.skills], "priority": s.priority}
        return order, VroomOrder(tasks, amount, s.priority)

    def site(self, node: _Node, shift: tuple[int, int]) -> str:
        """The id of the site at ``node`` (made on first use), its opening widened to ``shift``."""
        site = self.sites.setdefault(
            node.key, {"id": f"site-{len(self.sites)}", "location": list(node.point), "span": shift}
        )
        site["span"] = (min(site["span"][0], shift[0]), max(site["span"][1], shift[1]))
        if node.index is not None:
            site["location_index"] = node.index
        return str(site["id"])

    def vehicle(self, k: int, v: VehicleSpec) -> tuple[dict[str, Any], VroomVehicle]:
        where = f"vehicles[{k}]"
        if v.start is None and v.start_index is None:
            raise InputError(f"{where}.start: a route without a start is not supported")
        if v.end is None and v.end_index is None:
            raise InputError(f"{where}.end: an open route (no end) is not supported")
        start = self.node(where, v.start, v.start_index, ("start", "start_index"))
        end = self.node(where, v.end, v.end_index, ("end", "end_index"))
        shift = v.time_window or (self.epoch_s, self.epoch_s + HORIZON_S)
        home, last = self.site(start, shift), self.site(end, shift)
        breaks = sorted(enumerate(v.breaks), key=lambda b: min(tw[0] for tw in b[1].time_windows or [shift]))
        _repeated(((f"{where}.breaks[{b}].id", x.id) for b, x in enumerate(v.breaks)), "break")
        courier = {
            "id": f"vehicle-{v.id}",
            "site": home,
            "shift": self.window(shift),
            "profile": self.profiles[v.profile],
            "capacity": self.capacity(v),
            "skills": [str(s) for s in v.skills],
            "max_trips": 1,
            "breaks": [self.brk(f"{where}.breaks[{b}]", x, shift) for b, x in breaks],
        }
        courier |= {"end_site": last} if last != home else {}
        if v.max_travel_time is not None and v.max_travel_time <= HORIZON_S:  # a longer limit holds anyway
            courier["max_duration_s"] = v.max_travel_time
        if v.max_distance is not None:
            if self.matrices is not None and self.matrices[v.profile].distances is None:
                raise InputError(f"{where}.max_distance: needs matrices.{v.profile}.distances")
            courier["max_distance_m"] = min(v.max_distance, MAX_LEG_M)
        ids = tuple((x.id, x.description) for _, x in breaks)
        return courier, VroomVehicle(v.id, v.description, start.place, end.place, ids)

    def capacity(self, v: VehicleSpec) -> dict[str, int]:
        amounts = v.capacity or []
        capacity = dict(zip(("weight_g", "volume_cm3", "items"), amounts, strict=False)) or {"weight_g": MAX_AMOUNT}
        if self.items == ITEM_TASK and v.max_tasks is not None:
            capacity["items"] = v.max_tasks
        return capacity

    def brk(self, where: str, b: BreakSpec, shift: tuple[int, int]) -> dict[str, Any]:
        """A break whose window is clipped to the vehicle's shift (where it must start anyway)."""
        tws = b.time_windows or [shift]
        if len(tws) > 1:
            raise InputError(f"{where}.time_windows: several windows per break are not supported (give one)")
        start, end = max(tws[0][0], shift[0]), min(tws[0][1], shift[1])
        if end < start:
            raise InputError(f"{where}.time_windows[0]: outside the vehicle's time_window")
        return {"window": self.window((start, end)), "duration_s": b.service}

    def run(self) -> tuple[dict[str, Any], VroomIndex]:
        spec = self.spec
        _repeated(((f"jobs[{k}].id", j.id) for k, j in enumerate(spec.jobs)), "job")
        _repeated(((f"shipments[{k}].pickup.id", s.pickup.id) for k, s in enumerate(spec.shipments)), "pickup")
        _repeated(((f"shipments[{k}].delivery.id", s.delivery.id) for k, s in enumerate(spec.shipments)), "delivery")
        _repeated(((f"vehicles[{k}].id", v.id) for k, v in enumerate(spec.vehicles)), "vehicle")
        couriers, vehicles = zip(*(self.vehicle(k, v) for k, v in enumerate(spec.vehicles)), strict=True)
        converted = [self.job(k, j) for k, j in enumerate(spec.jobs)]
        converted += [self.shipment(k, s) for k, s in enumerate(spec.shipments)]
        stock = sum(order.get("items", {}).get(self.items, 0) for order, _ in converted) if self.items else 0
        sites = [
            {
                "id": s["id"],
                "kind": "store",
                "location": s["location"],
                "opening": self.window(s["span"]),
                **({"stock": {self.items: stock}} if stock else {}),
                **({"location_index": s["location_index"]} if "location_index" in s else {}),
            }
            for s in self.sites.values()
        ]
        problem: dict[str, Any] = {
            "name": "vroom",
            "epoch": self.clock(self.epoch_s),
            "sites": sites,
            "couriers": list(couriers),
            "orders": [order for order, _ in converted],
        }
        if self.matrices is not None:
            problem["matrices"] = {
                self.profiles[name]: {"durations": m.durations, **({"distances": m.distances} if m.distances else {})}
                for name, m in self.matrices.items()
                if name in self.profiles
            }
        real = self.matrices is None or all(self.matrices[p].distances is not None for p in self.profiles)
        orders = tuple(order for _, order in converted)
        return problem, VroomIndex(self.epoch_s, self.dims, real, orders, tuple(vehicles))


def vroom_to_problem_json(data: Any) -> tuple[dict[str, Any], VroomIndex]:
    """Read a decoded VROOM input as lastmile problem JSON (with ``matrices`` and ``location_index`` when the input
    has matrices) and the :class:`VroomIndex` to write its plan back; raise ``InputError`` naming the VROOM field
    of anything wrong or that lastmile cannot take."""
    return _Convert(parse_vroom(data)).run()


def read_vroom(data: Any) -> tuple[Problem, MatrixTable | None, VroomIndex]:
    """A decoded VROOM input as lastmile's problem, its travel matrix (``None`` when the input gives coordinates
    instead of matrices) and the :class:`VroomIndex` to write the plan back; ``InputError`` naming the field."""
    problem_json, index = vroom_to_problem_json(data)
    problem, table = read_problem(problem_json)
    return problem, table, index


def load_vroom(path: Path) -> tuple[Problem, MatrixTable | None, VroomIndex]:
    """:func:`read_vroom` of the JSON file at ``path``; ``InputError`` for a missing file or bad JSON too."""
    return read_vroom(read_json(path))
