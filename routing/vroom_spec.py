"""VROOM's formats at lastmile's edge: the input's schema (``docs/API.md`` of VROOM 1.15, validated with pydantic)
and the :class:`VroomIndex` that keeps what lastmile's problem does not, to write a plan back as VROOM output.

Keys lastmile cannot honour are declared so that giving them is an error naming the field and the reason, e.g.
``vehicles[0].costs: custom costs are not supported``; any other unknown key is an error too.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator

from routing.json_fields import validated
from routing.limits import HORIZON_S, MAX_AMOUNT, MAX_COURIERS, MAX_ORDERS, MAX_PRIORITY

__all__ = [
    "BreakSpec",
    "JobSpec",
    "MatrixSpec",
    "ShipmentSpec",
    "Task",
    "TaskSpec",
    "VehicleSpec",
    "VroomIndex",
    "VroomOrder",
    "VroomSpec",
    "VroomVehicle",
    "parse_vroom",
]

Uint = Annotated[int, Field(strict=True, ge=0, le=MAX_AMOUNT)]
Seconds = Annotated[int, Field(strict=True, ge=0, le=HORIZON_S)]
Amounts = Annotated[list[Uint], Field(max_length=100)]


def _ordered(window: tuple[int, int]) -> tuple[int, int]:
    if window[1] < window[0]:
        raise ValueError(f"end {window[1]} before start {window[0]}")
    return window


Timestamp = Annotated[int, Field(strict=True, ge=0, le=2**32 - 1)]  # VROOM's times are 32-bit
TimeWindow = Annotated[tuple[Timestamp, Timestamp], AfterValidator(_ordered)]
LonLat = tuple[
    Annotated[float, Field(strict=True, ge=-180, le=180)], Annotated[float, Field(strict=True, ge=-90, le=90)]
]


def _refusing(*fields: str, why: str) -> Any:
    """A validator that rejects ``fields`` whenever they are given, with the reason."""

    def refuse(value: Any) -> Any:
        raise ValueError(why)

    return field_validator(*fields)(refuse)


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TaskSpec(_Spec):
    """A job, or one step of a shipment."""

    id: Uint
    description: str | None = None
    location: LonLat | None = None
    location_index: Uint | None = None
    setup: Seconds = 0
    service: Seconds = 0
    time_windows: list[TimeWindow] | None = Field(default=None, min_length=1, max_length=100)
    setup_per_type: Any = None
    service_per_type: Any = None

    refuse_per_type = _refusing(
        "setup_per_type", "service_per_type", why="times per vehicle type are not supported (one time per task)"
    )


class JobSpec(TaskSpec):
    """A single task, its ``delivery`` loaded at the vehicle's start."""

    delivery: Amounts | None = None
    pickup: Amounts | None = None
    skills: list[Uint] = Field(default_factory=list, max_length=100)
    priority: int = Field(default=0, strict=True, ge=0, le=MAX_PRIORITY)
    amount: Any = None

    refuse_amount = _refusing("amount", why="deprecated in VROOM; give `delivery`")

    @field_validator("pickup")
    @classmethod
    def _no_pickup(cls, value: list[int] | None) -> list[int] | None:
        if value and any(value):
            raise ValueError("amounts picked up at a job and brought to the end are not supported (use a shipment)")
        return value


class ShipmentSpec(_Spec):
    """A pickup and a delivery by the same vehicle, carrying ``amount``."""

    pickup: TaskSpec
    delivery: TaskSpec
    amount: Amounts | None = None
    skills: list[Uint] = Field(default_factory=list, max_length=100)
    priority: int = Field(default=0, strict=True, ge=0, le=MAX_PRIORITY)


class BreakSpec(_Spec):
    """A vehicle break of ``service`` seconds starting within one of ``time_windows``."""

    id: Uint
    time_windows: list[TimeWindow] | None = Field(default=None, min_length=1)
    service: Seconds = 0
    description: str | None = None
    max_load: Any = None

    refuse_max_load = _refusing("max_load", why="a load limit during a break is not supported")


class VehicleSpec(_Spec):
    """A vehicle: one route from ``start`` to ``end`` within ``time_window``."""

    id: Uint
    profile: str = "car"
    description: str | None = None
    start: LonLat | None = None
    start_index: Uint | None = None
    end: LonLat | None = None
    end_index: Uint | None = None
    capacity: Amounts | None = None
    skills: list[Uint] = Field(default_factory=list, max_length=100)
    type: str | None = None
    time_window: TimeWindow | None = None
    breaks: list[BreakSpec] = Field(default_factory=list, max_length=20)
    max_tasks: Uint | None = None
    max_travel_time: Uint | None = None
    max_distance: Uint | None = None
    costs: Any = None
    speed_factor: Any = None
    steps: Any = None

    refuse_costs = _refusing("costs", why="custom costs are not supported (lastmile minimises distance)")
    refuse_speed = _refusing("speed_factor", why="not supported: give the vehicle's travel times in matrices")
    refuse_steps = _refusing(
        "steps", why="a route given in the input is not supported (`lastmile check --format vroom` checks a plan)"
    )


class MatrixSpec(_Spec):
    """One profile's square matrices: travel times, and optionally distances."""

    durations: list[list[Uint]] = Field(min_length=1)
    distances: list[list[Uint]] | None = None
    costs: Any = None

    refuse_costs = _refusing("costs", why="custom cost matrices are not supported (lastmile minimises distance)")


class VroomSpec(_Spec):
    """A VROOM problem: jobs, shipments, vehicles and, optionally, matrices per profile."""

    jobs: list[JobSpec] = Field(default_factory=list, max_length=MAX_ORDERS)
    shipments: list[ShipmentSpec] = Field(default_factory=list, max_length=MAX_ORDERS)
    vehicles: list[VehicleSpec] = Field(min_length=1, max_length=MAX_COURIERS)
    matrices: dict[str, MatrixSpec] | None = None
    matrix: list[list[Uint]] | None = None


@dataclass(frozen=True)
class Task:
    """A VROOM task as the output echoes it: ``type``, ``id``, ``place`` (its ``location`` and ``location_index``
    as given), setup and service seconds and ``description``."""

    type: Literal["job", "pickup", "delivery"]
    id: int
    place: Mapping[str, Any]
    setup: int
    service: int
    description: str | None = None


@dataclass(frozen=True)
class VroomOrder:
    """What one lastmile order stands for: a job (one task) or a shipment (its pickup task, then its delivery
    task), with its amounts (``VroomIndex.dims`` of them) and priority."""

    tasks: tuple[Task, ...]
    amount: tuple[int, ...]
    priority: int


@dataclass(frozen=True)
class VroomVehicle:
    """What one lastmile courier stands for: the vehicle's id and description, its start and end as given, and
    its breaks' ``(id, description)`` in the courier's break order."""

    id: int
    description: str | None
    start: Mapping[str, Any]
    end: Mapping[str, Any]
    breaks: tuple[tuple[int, str | None], ...]


@dataclass(frozen=True)
class VroomIndex:
    """How a lastmile plan is written back: ``epoch_s`` is the VROOM time of lastmile's time 0, ``dims`` the number
    of amounts, ``distances`` whether the matrices hold real distances (given, or from coordinates); ``orders`` and
    ``vehicles`` follow the problem's orders and couriers."""

    epoch_s: int
    dims: int
    distances: bool
    orders: tuple[VroomOrder, ...]
    vehicles: tuple[VroomVehicle, ...]


def parse_vroom(data: Any) -> VroomSpec:
    """Validate a decoded VROOM input; raise ``InputError`` naming the first wrong field."""
    return validated(VroomSpec, data)
