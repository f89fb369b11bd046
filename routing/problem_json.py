"""The problem's JSON format: pydantic schemas at the edge, converted to the frozen domain model.

Times are ISO 8601 with a UTC offset; inside they become integer seconds from the problem's ``epoch`` (given, or
midnight of the earliest time mentioned, in its offset). Ids are strings; inside they become indices.
The JSON Schema in ``docs/problem.schema.json`` is generated from these classes (``problem_json_schema()``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime, time, timedelta
from functools import partial
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationInfo, model_validator

from geo.files import read_json
from geo.matrix import Point
from geo.table import MatrixTable
from geo.zones import zone_polygon
from routing.errors import InputError
from routing.json_fields import LatLon, validated
from routing.limits import (
    HORIZON_S,
    ID_PATTERN,
    MAX_AMOUNT,
    MAX_COURIERS,
    MAX_FIXED_COST,
    MAX_LEG_M,
    MAX_ORDERS,
    MAX_PRIORITY,
)
from routing.model import Break, Capacity, Courier, Order, Picking, Pickup, Problem, Site, Window
from routing.user_matrix import MAX_NODES, MatrixSpec, Profile, table_for

__all__ = [
    "ProblemSpec",
    "load_problem",
    "load_problem_and_matrix",
    "order_to_json",
    "parse_problem",
    "problem_json_schema",
    "problem_to_json",
    "problem_to_spec",
    "read_problem",
]

T = TypeVar("T")
# numbers are strict (no true for 1, no "1.5" for 1.5) and bounded (routing.limits says why these bounds)
Amount = Annotated[int, Field(strict=True, ge=0, le=MAX_AMOUNT)]
Seconds = Annotated[int, Field(strict=True, ge=0, le=HORIZON_S)]
Id = Annotated[
    str,
    Field(
        pattern=ID_PATTERN,
        description="letters, digits and . _ : @ + - (not first), at most 128 characters",
        examples=["bike-1"],
    ),
]
Names = Annotated[list[Id], Field(max_length=100)]
LocationIndex = Annotated[
    int | None,
    Field(strict=True, ge=0, lt=MAX_NODES, description="row and column of this place in `matrices` (all or none)"),
]


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class WindowSpec(_Spec):
    """A time window; both ends ISO 8601 with an offset, e.g. ``2026-11-23T09:00:00+02:00``."""

    start: AwareDatetime
    end: AwareDatetime

    @model_validator(mode="after")
    def _ordered(self) -> WindowSpec:
        if self.end < self.start:
            raise ValueError(f"end {self.end:%H:%M} before start {self.start:%H:%M}")
        if (self.end - self.start).total_seconds() > 2 * HORIZON_S:
            raise ValueError(f"end: a window is at most {2 * HORIZON_S // 86400} days long")
        return self


class PickingSpec(_Spec):
    """How fast a site picks baskets: pickers in parallel from ``start`` (before opening is allowed)."""

    pickers: int = Field(strict=True, ge=1, le=10_000)
    start: AwareDatetime = Field(description="when picking may start")
    order_s: Seconds = Field(default=0, description="seconds per basket")
    item_s: Seconds = Field(default=0, description="seconds per item unit")


class SiteSpec(_Spec):
    """A store or forward warehouse with its stock and, optionally, the zone it serves, its reload time per
    courier return and its picking capacity."""

    id: Id
    kind: Literal["store", "forward_warehouse"]
    location: LatLon
    location_index: LocationIndex = None
    opening: WindowSpec
    stock: dict[Id, Amount] = Field(default_factory=dict, description="item id -> units on hand")
    zone: list[LatLon] | None = Field(
        default=None, min_length=3, max_length=10_000, description="polygon of [lat, lon] vertices, not crossing itself"
    )
    reload_s: Seconds = Field(default=0, description="handling time each time a courier comes back to reload")
    picking: PickingSpec | None = Field(
        default=None, description="picking capacity: gives orders without `ready` their ready time here"
    )

    @model_validator(mode="after")
    def _valid_zone(self) -> SiteSpec:
        if self.zone is not None:
            zone_polygon(self.zone)  # ValueError "zone: invalid polygon (Self-intersection…)"
        return self


class CapacitySpec(_Spec):
    """What a courier can carry; volume and item count are unlimited when left out."""

    weight_g: Amount
    volume_cm3: Amount | None = None
    items: Amount | None = None


class BreakSpec(_Spec):
    """A break of ``duration_s`` starting within ``window``, taken at the site or between two stops."""

    window: WindowSpec
    duration_s: Seconds


class CourierSpec(_Spec):
    """A courier starting (and by default ending) at a site, within a shift: one or more trips, each from the
    home site and back, with breaks and limits on working time and distance."""

    id: Id
    site: str = Field(description="id of the home site")
    end_site: str | None = Field(default=None, description="id of the site the route ends at (default: site)")
    shift: WindowSpec
    profile: Literal["bike", "car", "foot"]
    capacity: CapacitySpec
    skills: Names = Field(default_factory=list)
    fixed_cost: int = Field(
        default=0, strict=True, ge=0, le=MAX_FIXED_COST, description="cost of using this courier, in metres of driving"
    )
    max_trips: int | None = Field(
        default=None, strict=True, ge=1, le=1_000, description="most trips in the shift (default: no limit)"
    )
    max_duration_s: Seconds | None = Field(default=None, description="longest time from first departure to last return")
    max_distance_m: int | None = Field(
        default=None, strict=True, ge=0, le=MAX_LEG_M, description="longest total distance"
    )
    breaks: list[BreakSpec] = Field(default_factory=list, max_length=20)


class PickupSpec(_Spec):
    """Where and when a pickup-and-delivery order is collected."""

    location: LatLon
    location_index: LocationIndex = None
    windows: list[WindowSpec] = Field(min_length=1, max_length=100)
    service_s: Seconds = 0
    max_ride_s: Seconds | None = Field(default=None, description="longest allowed time from pickup to drop-off")


class OrderSpec(_Spec):
    """An order to deliver: from a site's stock (``items``) or collected at ``pickup``."""

    id: Id
    location: LatLon
    location_index: LocationIndex = None
    windows: list[WindowSpec] = Field(min_length=1, max_length=100)
    items: dict[Id, Annotated[int, Field(strict=True, gt=0, le=MAX_AMOUNT)]] = Field(default_factory=dict)
    weight_g: Amount = 0
    volume_cm3: Amount = 0
    service_s: Seconds = 0
    skills: Names = Field(default_factory=list)
    priority: int = Field(default=0, strict=True, ge=0, le=MAX_PRIORITY, description="drop penalty x (1 + priority)")
    site: str | None = Field(default=None, description="id of the site that must serve it")
    pickup: PickupSpec | None = None
    ready: AwareDatetime | None = Field(
        default=None, description="when the basket can leave the site (picked, packed); default: the site's picking"
    )


class ProblemSpec(_Spec):
    """A planning problem: sites, couriers, orders."""

    name: str = "problem"
    epoch: AwareDatetime | None = Field(default=None, description="time zero (default: midnight of the first day)")
    sites: list[SiteSpec] = Field(min_length=1, max_length=MAX_COURIERS)
    couriers: list[CourierSpec] = Field(max_length=MAX_COURIERS)
    orders: list[OrderSpec] = Field(max_length=MAX_ORDERS)
    matrices: dict[Profile, MatrixSpec] | None = Field(
        default=None, description="your own travel matrices per profile (default: the solver's travel provider)"
    )

    @model_validator(mode="after")
    def _within_horizon(self, info: ValidationInfo) -> ProblemSpec:
        """Every time within ``HORIZON_S`` of the epoch, or without one of the median window start (so that the
        one time far from the others is named, not the others); not for a problem the service wrote itself
        (context ``{"check_horizon": False}``: a live plan may outgrow the horizon while it runs)."""
        if not (info.context or {}).get("check_horizon", True):
            return self
        starts = sorted(w.start for _, w in _named_windows(self))
        centre = self.epoch or (starts[len(starts) // 2] if starts else None)
        what = "the epoch" if self.epoch else "the problem's median window start"
        if centre is not None:
            times = [
                (f"{where}.{end}", getattr(w, end)) for where, w in _named_windows(self) for end in ("start", "end")
            ]
            times += [(f"sites[{k}].picking.start", s.picking.start) for k, s in enumerate(self.sites) if s.picking]
            times += [(f"orders[{k}].ready", o.ready) for k, o in enumerate(self.orders) if o.ready]
            for where, at in times:
                if abs((at - centre).total_seconds()) > HORIZON_S:
                    raise ValueError(f"{where}: more than {HORIZON_S // 86400} days from {what} {centre}")
        return self


def _named_windows(spec: ProblemSpec) -> Iterator[tuple[str, WindowSpec]]:
    """Every window of the problem with its field path."""
    yield from ((f"sites[{k}].opening", s.opening) for k, s in enumerate(spec.sites))
    for k, c in enumerate(spec.couriers):
        yield f"couriers[{k}].shift", c.shift
        yield from ((f"couriers[{k}].breaks[{j}].window", b.window) for j, b in enumerate(c.breaks))
    for k, o in enumerate(spec.orders):
        yield from ((f"orders[{k}].windows[{j}]", w) for j, w in enumerate(o.windows))
        if o.pickup:
            yield from ((f"orders[{k}].pickup.windows[{j}]", w) for j, w in enumerate(o.pickup.windows))


def _first_midnight(spec: ProblemSpec) -> datetime | None:
    """The default epoch: midnight (in its own offset) of the earliest time the problem mentions."""
    first = min((w.start for _, w in _named_windows(spec)), default=None)
    return datetime.combine(first.date(), time(0), first.tzinfo) if first else None


def parse_problem(data: Any, *, check_horizon: bool = True) -> Problem:
    """Validate decoded JSON and build the domain :class:`~routing.model.Problem`; raise ``InputError`` naming
    the first wrong field, e.g. ``orders[17].windows[0]: end 09:00 before start 10:00``. ``check_horizon=False``
    is for problems the service wrote itself (its live plan), whose times may spread wider as days go by.
    The problem's own ``matrices``, if any, are validated and left aside: :func:`read_problem` returns them."""
    return _to_domain(_spec(data, check_horizon))


def read_problem(data: Any) -> tuple[Problem, MatrixTable | None]:
    """:func:`parse_problem`, and the travel matrix the problem brings in ``matrices`` (``None`` without one)."""
    spec = _spec(data, True)
    problem = _to_domain(spec)
    return problem, None if spec.matrices is None else table_for(spec.matrices, _matrix_points(spec), problem)


def _spec(data: Any, check_horizon: bool) -> ProblemSpec:
    return validated(ProblemSpec, data, context={"check_horizon": check_horizon})


def _matrix_points(spec: ProblemSpec) -> list[Point | None]:
    """The location of each row of the problem's matrices: the nodes in order (sites, orders, pickups), or placed
    by their ``location_index``; raise ``InputError`` when only some nodes have one, or one index has two places."""
    nodes: list[tuple[str, LatLon, int | None]] = [
        *((f"sites[{k}]", s.location, s.location_index) for k, s in enumerate(spec.sites)),
        *((f"orders[{k}]", o.location, o.location_index) for k, o in enumerate(spec.orders)),
        *(
            (f"orders[{k}].pickup", o.pickup.location, o.pickup.location_index)
            for k, o in enumerate(spec.orders)
            if o.pickup is not None
        ),
    ]
    indexed = [where for where, _, index in nodes if index is not None]
    if not indexed:
        return [location for _, location, _ in nodes]
    if len(indexed) < len(nodes):
        missing = next(where for where, _, index in nodes if index is None)
        raise InputError(f"{missing}.location_index: missing, while {indexed[0]} has one (give every node one or none)")
    size = len(next(iter(spec.matrices.values())).durations) if spec.matrices else 0
    points: list[Point | None] = [None] * size
    named: dict[int, str] = {}
    for where, location, index in nodes:
        assert index is not None
        if index >= size:
            raise InputError(f"{where}.location_index: {index}, but the matrices have {size} locations")
        if points[index] is not None and points[index] != location:
            raise InputError(f"{where}.location: not that of {named[index]}, which has the same location_index {index}")
        points[index], named[index] = location, named.get(index, where)
    return points


class _ToDomain:
    """Converts a validated spec: times to seconds from the epoch, site ids to indices, errors prefixed by path."""

    def __init__(self, spec: ProblemSpec) -> None:
        self.epoch = spec.epoch or _first_midnight(spec)
        self.site_index = {s.id: k for k, s in enumerate(spec.sites)}

    def window(self, w: WindowSpec) -> Window:
        return Window(self.seconds(w.start), self.seconds(w.end))

    def seconds(self, at: datetime) -> int:
        return 0 if self.epoch is None else int((at - self.epoch).total_seconds())

    def site_ref(self, name: str, field: str) -> int:
        if name not in self.site_index:
            raise InputError(f"{field}: unknown site {name!r}")
        return self.site_index[name]

    def site(self, s: SiteSpec) -> Site:
        zone = tuple(s.zone) if s.zone else None
        picking = None
        if s.picking is not None:
            p = s.picking
            picking = Picking(p.pickers, self.seconds(p.start), p.order_s, p.item_s)
        return Site(s.id, s.kind, s.location, self.window(s.opening), dict(s.stock), zone, s.reload_s, picking)

    def courier(self, k: int, c: CourierSpec) -> Courier:
        capacity = Capacity(c.capacity.weight_g, c.capacity.volume_cm3, c.capacity.items)
        end = None if c.end_site is None else self.site_ref(c.end_site, f"couriers[{k}].end_site")
        site = self.site_ref(c.site, f"couriers[{k}].site")
        breaks = tuple(Break(self.window(b.window), b.duration_s) for b in c.breaks)
        return Courier(
            c.id,
            site,
            self.window(c.shift),
            c.profile,
            capacity,
            frozenset(c.skills),
            c.fixed_cost,
            end,
            c.max_trips,
            c.max_duration_s,
            c.max_distance_m,
            breaks,
        )

    def order(self, k: int, o: OrderSpec) -> Order:
        pickup = None
        if o.pickup is not None:
            windows = tuple(self.window(w) for w in o.pickup.windows)
            pickup = Pickup(o.pickup.location, windows, o.pickup.service_s, o.pickup.max_ride_s)
        site = None if o.site is None else self.site_ref(o.site, f"orders[{k}].site")
        windows = tuple(self.window(w) for w in o.windows)
        return Order(
            o.id,
            o.location,
            windows,
            dict(o.items),
            o.weight_g,
            o.volume_cm3,
            o.service_s,
            frozenset(o.skills),
            o.priority,
            site,
            pickup,
            None if o.ready is None else self.seconds(o.ready),
        )


def _at(field: str, make: Callable[[], T]) -> T:
    """Build a domain object; prefix the message of an ``InputError`` with the field's path."""
    try:
        return make()
    except InputError as exc:
        msg = str(exc)
        raise InputError(msg if msg.startswith(field) else f"{field}.{msg}") from None


def _to_domain(spec: ProblemSpec) -> Problem:
    to = _ToDomain(spec)
    sites = tuple(_at(f"sites[{k}]", partial(to.site, s)) for k, s in enumerate(spec.sites))
    couriers = tuple(_at(f"couriers[{k}]", partial(to.courier, k, c)) for k, c in enumerate(spec.couriers))
    orders = tuple(_at(f"orders[{k}]", partial(to.order, k, o)) for k, o in enumerate(spec.orders))
    return Problem(sites, couriers, orders, spec.name, to.epoch)


def load_problem(path: Path) -> Problem:
    """Read a problem JSON file; raise ``InputError`` for a missing file, bad JSON or a wrong field."""
    return parse_problem(read_json(path))


def load_problem_and_matrix(path: Path) -> tuple[Problem, MatrixTable | None]:
    """:func:`load_problem`, and the problem's own travel matrix if it has ``matrices``."""
    return read_problem(read_json(path))


def problem_json_schema() -> dict[str, Any]:
    """The JSON Schema of the problem format, generated from :class:`ProblemSpec`."""
    return ProblemSpec.model_json_schema()


def problem_to_spec(problem: Problem) -> ProblemSpec:
    """The JSON form of a domain problem (needs ``problem.epoch``), e.g. to save a generated problem."""
    return ProblemSpec.model_validate(problem_to_json(problem))


def problem_to_json(problem: Problem) -> dict[str, Any]:
    """:func:`problem_to_spec` as plain JSON data (``None`` fields left out), without the model's validation:
    for writing a problem that is already known to be valid, quickly."""
    to = _ToJson(problem)
    return {
        "name": problem.name,
        "epoch": to.epoch.isoformat(),
        "sites": [to.site(s) for s in problem.sites],
        "couriers": [to.courier(c) for c in problem.couriers],
        "orders": [to.order(o) for o in problem.orders],
    }


def order_to_json(problem: Problem, order: Order) -> dict[str, Any]:
    """One order of ``problem`` as plain JSON data in the problem format (``None`` fields left out)."""
    return _ToJson(problem).order(order)


def _present(fields: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in fields.items() if v is not None}


class _ToJson:
    """Domain objects of one problem as JSON data: windows as ISO times from its epoch, sites by id."""

    def __init__(self, problem: Problem) -> None:
        if problem.epoch is None:
            raise InputError("epoch: a problem without an epoch cannot be written as JSON")
        self.epoch, self.sites = problem.epoch, [s.id for s in problem.sites]

    def window(self, window: Window) -> dict[str, str]:
        return {"start": self.clock(window.start_s), "end": self.clock(window.end_s)}

    def clock(self, seconds: int) -> str:
        return (self.epoch + timedelta(seconds=seconds)).isoformat()

    def site(self, s: Site) -> dict[str, Any]:
        zone = [list(p) for p in s.zone] if s.zone else None
        fields = {"id": s.id, "kind": s.kind, "location": list(s.location), "opening": self.window(s.opening)}
        picking = None
        if s.picking is not None:
            p = s.picking
            picking = {"pickers": p.pickers, "start": self.clock(p.start_s), "order_s": p.order_s, "item_s": p.item_s}
        return _present(
            {**fields, "stock": dict(s.stock), "zone": zone, "reload_s": s.reload_s or None, "picking": picking}
        )

    def courier(self, c: Courier) -> dict[str, Any]:
        capacity = {"weight_g": c.capacity.weight_g, "volume_cm3": c.capacity.volume_cm3, "items": c.capacity.items}
        return _present(
            {
                "id": c.id,
                "site": self.sites[c.site],
                "end_site": None if c.end_site is None else self.sites[c.end_site],
                "shift": self.window(c.shift),
                "profile": c.profile,
                "capacity": _present(capacity),
                "skills": sorted(c.skills),
                "fixed_cost": c.fixed_cost,
                "max_trips": c.max_trips,
                "max_duration_s": c.max_duration_s,
                "max_distance_m": c.max_distance_m,
                "breaks": [{"window": self.window(b.window), "duration_s": b.duration_s} for b in c.breaks] or None,
            }
        )

    def order(self, o: Order) -> dict[str, Any]:
        pickup = None
        if o.pickup is not None:
            pickup = {
                "location": list(o.pickup.location),
                "windows": [self.window(x) for x in o.pickup.windows],
                "service_s": o.pickup.service_s,
                "max_ride_s": o.pickup.max_ride_s,
            }
        return _present(
            {
                "id": o.id,
                "location": list(o.location),
                "windows": [self.window(x) for x in o.windows],
                "items": dict(o.items),
                "weight_g": o.weight_g,
                "volume_cm3": o.volume_cm3,
                "service_s": o.service_s,
                "skills": sorted(o.skills),
                "priority": o.priority,
                "site": None if o.site is None else self.sites[o.site],
                "pickup": None if pickup is None else _present(pickup),
                "ready": None if o.ready_s is None else self.clock(o.ready_s),
            }
        )
