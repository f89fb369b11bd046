"""Request and response bodies of the HTTP API (``XCreate`` in, ``XPublic`` out). Sites, couriers and orders are
the problem format's own schemas (docs/problem-format.md); times are ISO 8601 with an offset."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator, model_validator

from routing import problem_json
from routing.limits import HORIZON_S
from routing.problem_json import Id, LatLon, Names, OrderSpec, SiteSpec

__all__ = [
    "ERRORS",
    "AssignmentTrip",
    "AssignmentsPublic",
    "ConfirmCreate",
    "CourierSpec",
    "ErrorPublic",
    "EventCreate",
    "EventPublic",
    "JobPublic",
    "KeyCreate",
    "KeyPublic",
    "OrderPublic",
    "OrderSpec",
    "PlanCreate",
    "PositionAck",
    "PositionCreate",
    "PromiseCreate",
    "PromisePublic",
    "ReplanCreate",
    "SiteSpec",
    "StreetsPublic",
    "TrackingPublic",
    "TripEventCreate",
    "TripEventPublic",
]

Quantity = Annotated[int, Field(strict=True, gt=0, le=10_000)]
PING_AGE_S = 24 * 3600
FUTURE_S = 600  # clocks of phones and servers differ: a time this far ahead of the server's is still now
PHONE = r"^\+[0-9]{7,15}$"


def _near_now(at: datetime, field: str, age_s: int) -> None:
    """``ValueError`` naming ``field`` unless ``at`` lies between ``age_s`` ago and :data:`FUTURE_S` ahead."""
    ahead = (at - datetime.now(UTC)).total_seconds()
    if ahead > FUTURE_S or ahead < -age_s:
        window = f"{age_s // 3600} h ago and {FUTURE_S // 60} min ahead"
        raise ValueError(f"{field}: {at.isoformat()} is not between {window}")


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CourierSpec(problem_json.CourierSpec):
    """A courier as the dispatcher registers it: the problem format's courier and, for its customers' tracking
    only, a display name and a phone number (neither is part of the routing problem)."""

    name: str | None = Field(
        default=None, min_length=1, max_length=100, description="display name; tracking shows its first word"
    )
    phone: str | None = Field(
        default=None,
        description="international form: + and 7 to 15 digits; tracking shows it only while the courier is on "
        "its way to the order",
        json_schema_extra={"pattern": PHONE},
    )

    @field_validator("name")
    @classmethod
    def _name_has_a_word(cls, name: str | None) -> str | None:
        if name is not None and not name.split():
            raise ValueError("give a name that is not only spaces, or none")
        return name

    @field_validator("phone")
    @classmethod
    def _phone_in_international_form(cls, phone: str | None) -> str | None:
        if phone is not None and not re.fullmatch(PHONE, phone):
            raise ValueError(f"{phone!r} is not + and 7 to 15 digits (international form, e.g. +358401234567)")
        return phone


class KeyCreate(_In):
    """A new API key: its role, and for a courier key the courier it is bound to."""

    role: Literal["dispatcher", "storefront", "courier"]
    courier: str | None = Field(None, description="courier id (required for, and only for, role courier)")
    name: str = Field("", max_length=200, description="who holds it, for logs")

    @model_validator(mode="after")
    def _courier_for_courier_keys(self) -> KeyCreate:
        if (self.role == "courier") != (self.courier is not None):
            raise ValueError("courier: give a courier id for role courier, and only then")
        return self

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"role": "courier", "courier": "bike-1", "name": "Aino"}]}
    )


class KeyPublic(BaseModel):
    """A key's grants; ``key`` is the secret, returned only when the key is created."""

    id: str
    role: str
    courier: str | None
    name: str
    key: str | None = None


class OrderPublic(BaseModel):
    """An order and where it stands: ``accepted`` (not in the live plan yet), ``planned``, ``unassigned`` (with
    ``reason``), ``picked_up``, ``delivered`` or ``failed``."""

    id: str
    status: str
    reason: str | None = None
    site: str | None = None
    courier: str | None = None
    eta: AwareDatetime | None = None
    windows: list[dict[str, AwareDatetime]]
    created_by: str
    tracking_token: str
    tracking_url: str


class PlanCreate(_In):
    """Plan every open order from scratch (background job)."""

    time_limit_s: float | None = Field(
        None, strict=True, gt=0, le=3600, description="budget (default: the service setting)"
    )
    solution_limit: int | None = Field(
        None,
        strict=True,
        gt=0,
        le=100_000,
        description="stop each search phase after this many solutions and the polish after as many "
        "iterations (repeatable results)",
    )
    seed: int = Field(0, strict=True, ge=0, le=2**31 - 1)

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"time_limit_s": 10, "seed": 0}]})


class ReplanCreate(_In):
    """Re-plan the live plan: ``insert`` the orders accepted since, or ``reoptimise`` what is not locked."""

    mode: Literal["insert", "reoptimise"] = "insert"
    time_limit_s: float | None = Field(None, strict=True, gt=0, le=3600)
    solution_limit: int | None = Field(None, strict=True, gt=0, le=100_000)
    seed: int = Field(0, strict=True, ge=0, le=2**31 - 1)

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"mode": "reoptimise", "time_limit_s": 5}]}
    )


class Progress(BaseModel):
    """Where a running solve is."""

    phase: str
    elapsed_s: float
    objective: int


class JobPublic(BaseModel):
    """A plan or re-plan job: ``queued``, ``started``, ``finished`` or ``failed``; the plan once finished."""

    id: str
    kind: str
    status: str
    progress: Progress | None = None
    plan: dict[str, Any] | None = Field(None, description="the plan, as `lastmile solve` writes it")
    changes: list[dict[str, Any]] | None = Field(None, description="re-plan: couriers whose stops changed")
    error: str | None = None
    live: bool = Field(False, description="whether this job's result became the live plan")


class PromiseCreate(_In):
    """A basket at an address: which delivery windows can be promised now?"""

    address: LatLon
    items: dict[Id, Quantity] = Field(min_length=1, max_length=200)
    weight_g: int = Field(1000, strict=True, ge=0, le=1_000_000)
    volume_cm3: int = Field(0, strict=True, ge=0, le=10_000_000)
    service_s: int = Field(120, strict=True, ge=0, le=3600)
    skills: Names = Field(default_factory=list, max_length=20)

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"address": [60.1699, 24.9384], "items": {"milk-1l": 2, "bread": 1}}]},
    )


class SlotPublic(BaseModel):
    """One window that can be promised, the site that would serve it, expected arrival and confidence."""

    index: int
    start: AwareDatetime
    end: AwareDatetime
    site: str
    expected_arrival: AwareDatetime
    confidence: float
    asap: bool


class PromisePublic(BaseModel):
    """Slots held until ``expires_at`` (confirm one with its ``index``); none, with a ``reason``, when impossible."""

    id: str
    expires_at: AwareDatetime
    slots: list[SlotPublic]
    reason: str | None = None


class ConfirmCreate(_In):
    """Turn a slot of a held promise into an order."""

    slot: int = Field(strict=True, ge=0, le=100)
    order_id: Id | None = Field(None, description="default: generated")

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"slot": 0, "order_id": "web-1001"}]})


class AssignmentStop(BaseModel):
    """A stop still to do, with its live ETA and the trip it is on (0: the trip under way or being loaded)."""

    order: str
    kind: str
    location: LatLon
    windows: list[dict[str, AwareDatetime]]
    eta: AwareDatetime
    late_s: int
    p_late: float
    trip: int = 0


class AssignmentTrip(BaseModel):
    """A trip of the courier's day still to end: ``under_way`` (it has left), ``loading`` (the next to leave;
    ``leave_at`` is when the service's dispatch policy has it leave) or ``planned`` (later; its stops may still
    change with a re-plan); ``back_eta`` is when it is expected back at the site."""

    trip: int
    status: Literal["under_way", "loading", "planned"]
    leave_at: AwareDatetime | None = None
    back_eta: AwareDatetime
    orders: list[str]


class AssignmentsPublic(BaseModel):
    """A courier's stops still to come, in order, and its trips; ``site`` is where it loads."""

    courier: str
    site: str
    departed: bool
    stops: list[AssignmentStop]
    trips: list[AssignmentTrip] = []
    return_eta: AwareDatetime | None = None


class PositionCreate(_In):
    """A GPS ping; older or repeated pings are accepted and ignored."""

    lat: float = Field(strict=True, ge=-90, le=90)
    lon: float = Field(strict=True, ge=-180, le=180)
    at: AwareDatetime = Field(description=f"when: at most {PING_AGE_S // 3600} h old, {FUTURE_S // 60} min ahead")

    @model_validator(mode="after")
    def _recent(self) -> PositionCreate:
        _near_now(self.at, "at", PING_AGE_S)
        return self

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"lat": 60.17, "lon": 24.94, "at": "2026-11-23T10:15:00+02:00"}]},
    )


class PositionAck(BaseModel):
    """Whether the ping became the courier's latest position."""

    applied: bool


class EventCreate(_In):
    """What happened to an order at the door or the site."""

    type: Literal["picked_up", "delivered", "failed"]
    at: AwareDatetime | None = Field(None, description="when (default: now; within the horizon, not ahead)")
    reason: str | None = Field(None, max_length=500, description="required for failed, e.g. customer absent")

    @model_validator(mode="after")
    def _reason_for_failures(self) -> EventCreate:
        if self.type == "failed" and not self.reason:
            raise ValueError("reason: a failed delivery needs a reason")
        if self.at is not None:
            _near_now(self.at, "at", HORIZON_S)
        return self

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"type": "delivered"}]})


class TripEventCreate(_In):
    """A courier's trip event: it left its site loaded (``trip_started``) or is back at it (``back_at_site``)."""

    type: Literal["trip_started", "back_at_site"]
    at: AwareDatetime | None = Field(None, description="when (default: now; within the horizon, not ahead)")

    @model_validator(mode="after")
    def _when(self) -> TripEventCreate:
        if self.at is not None:
            _near_now(self.at, "at", HORIZON_S)
        return self

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"type": "trip_started"}]})


class TripEventPublic(BaseModel):
    """A trip event as applied: ``applied`` is false for a repeat (the courier was already under way, or
    already back), which changes nothing; ``trips_done`` counts the courier's finished trips."""

    courier: str
    type: str
    at: AwareDatetime
    applied: bool
    trips_done: int


class EventPublic(BaseModel):
    """An event as recorded, and the order's status after it."""

    order: str
    type: str
    at: AwareDatetime
    reason: str | None = None
    status: str


class TrackingCourier(BaseModel):
    """The courier on its way to the order: its first name and phone as registered (either may be missing)."""

    first_name: str | None = None
    phone: str | None = None

    @classmethod
    def of(cls, courier: dict[str, Any]) -> TrackingCourier:
        """From a registered courier (:class:`CourierSpec` as stored): the first word of its name, its phone."""
        name = courier.get("name")
        return cls(first_name=name.split()[0] if name else None, phone=courier.get("phone"))


class TimelineStep(BaseModel):
    """A step the order has been through, and when."""

    status: Literal["accepted", "picked", "on_the_way", "delivered", "failed"]
    at: AwareDatetime


class TrackingPublic(BaseModel):
    """What a customer sees: status, window, live ETA, the steps so far; the courier (first name, phone) and its
    position only while it is on its way to this order."""

    order: str
    status: str
    windows: list[dict[str, AwareDatetime]]
    eta: AwareDatetime | None = None
    p_late: float | None = None
    stops_before: int | None = None
    courier: TrackingCourier | None = None
    courier_position: LatLon | None = None
    site_location: LatLon | None = None
    destination: LatLon
    timeline: list[TimelineStep]


class StreetsPublic(BaseModel):
    """Street lines of the road graph around the order's site and address, for the tracking page's backdrop
    (none when the service has no road graph)."""

    streets: list[list[tuple[float, float]]]


class FieldError(BaseModel):
    """One wrong field."""

    field: str
    message: str


class ErrorPublic(BaseModel):
    """Every error: ``detail`` says what is wrong (``field: message`` for bad input); ``errors`` lists all fields."""

    detail: str
    errors: list[FieldError] | None = None


ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorPublic, "description": "the body is not JSON"},
    401: {"model": ErrorPublic, "description": "no or unknown X-API-Key"},
    403: {"model": ErrorPublic, "description": "the key's role or courier does not allow this"},
    404: {"model": ErrorPublic, "description": "unknown id"},
    409: {"model": ErrorPublic, "description": "clashes with the current state"},
    413: {"model": ErrorPublic, "description": "body too large"},
    422: {"model": ErrorPublic, "description": "bad input; detail names the field"},
}
