"""The problem model: sites with stock, couriers with shifts, orders with windows; frozen and validated.

Everything inside is integers: times are seconds from the problem's epoch, weights grams, volumes cm³.
Objects refer to each other by index (``Courier.site`` is an index into ``Problem.sites``); string ids are
kept only to be written back at the edge.

Matrix nodes follow one fixed order, given by :meth:`Problem.locations`: every site, then every order's
delivery location, then the pickup location of every pickup-and-delivery order (in order of ``Problem.orders``).
"""

from __future__ import annotations

import itertools
import math
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import Literal

from geo.matrix import Point
from routing.errors import InputError

__all__ = [
    "PROFILES",
    "Break",
    "Capacity",
    "Courier",
    "Order",
    "Picking",
    "Pickup",
    "Problem",
    "Site",
    "SiteKind",
    "Window",
]

SiteKind = Literal["store", "forward_warehouse"]
PROFILES = ("bike", "car", "foot")


def _require(ok: bool, message: str) -> None:
    if not ok:
        raise InputError(message)


def _check_point(point: Point, name: str) -> None:
    _require(len(point) == 2 and all(math.isfinite(v) for v in point), f"{name}: must be two finite numbers")


@dataclass(frozen=True)
class Window:
    """A time interval ``[start_s, end_s]`` in seconds from the epoch, both ends included."""

    start_s: int
    end_s: int

    def __post_init__(self) -> None:
        _require(self.end_s >= self.start_s, f"end {self.end_s} s before start {self.start_s} s")


@dataclass(frozen=True)
class Capacity:
    """What a courier can carry: grams, and optionally cm³ and a number of items (``None`` = no limit)."""

    weight_g: int
    volume_cm3: int | None = None
    items: int | None = None

    def __post_init__(self) -> None:
        for name in ("weight_g", "volume_cm3", "items"):
            value = getattr(self, name)
            _require(value is None or value >= 0, f"{name}: must be >= 0, got {value}")


@dataclass(frozen=True)
class Picking:
    """A site's picking capacity: ``pickers`` working in parallel from ``start_s`` (before opening is allowed),
    each basket taking ``order_s`` plus ``item_s`` per item unit. It gives orders without a ``ready_s`` their
    ready time at this site (:mod:`routing.picking`)."""

    pickers: int
    start_s: int
    order_s: int = 0
    item_s: int = 0

    def __post_init__(self) -> None:
        _require(self.pickers >= 1, f"pickers: must be >= 1, got {self.pickers}")
        _require(self.order_s >= 0 and self.item_s >= 0, "order_s, item_s: must be >= 0")


@dataclass(frozen=True)
class Site:
    """A store or forward warehouse: where couriers start, reload (``reload_s`` per return) and orders' items
    come from; ``picking`` (if set) is how fast its baskets are picked."""

    id: str
    kind: SiteKind
    location: Point
    opening: Window
    stock: Mapping[str, int] = field(default_factory=dict)
    zone: tuple[Point, ...] | None = None
    reload_s: int = 0
    picking: Picking | None = None

    def __post_init__(self) -> None:
        _require(
            self.kind in ("store", "forward_warehouse"), f"kind: must be store or forward_warehouse, got {self.kind!r}"
        )
        _check_point(self.location, "location")
        for item, qty in self.stock.items():
            _require(qty >= 0, f"stock[{item!r}]: must be >= 0, got {qty}")
        if self.zone is not None:
            _require(len(self.zone) >= 3, "zone: a polygon needs at least 3 vertices")
            for k, vertex in enumerate(self.zone):
                _check_point(vertex, f"zone[{k}]")
        _require(self.reload_s >= 0, f"reload_s: must be >= 0, got {self.reload_s}")


@dataclass(frozen=True)
class Break:
    """A break of ``duration_s`` that must start within ``window``, at the site or between two stops."""

    window: Window
    duration_s: int

    def __post_init__(self) -> None:
        _require(self.duration_s >= 0, f"duration_s: must be >= 0, got {self.duration_s}")


@dataclass(frozen=True)
class Courier:
    """A courier: home ``site`` (index), shift, vehicle profile, capacity, skills and a fixed cost if used.

    Its day is up to ``max_trips`` trips (``None``: no limit) from the home site and back, the capacity holding
    per trip; from its first departure to its last return at most ``max_duration_s`` and ``max_distance_m``
    (``None``: no limit), with every break in ``breaks`` taken. A courier ending at another site
    (``end_site``) makes one trip.
    """

    id: str
    site: int
    shift: Window
    profile: str
    capacity: Capacity
    skills: frozenset[str] = frozenset()
    fixed_cost: int = 0
    end_site: int | None = None
    max_trips: int | None = None
    max_duration_s: int | None = None
    max_distance_m: int | None = None
    breaks: tuple[Break, ...] = ()

    def __post_init__(self) -> None:
        _require(self.profile in PROFILES, f"profile: must be one of {', '.join(PROFILES)}, got {self.profile!r}")
        _require(self.fixed_cost >= 0, f"fixed_cost: must be >= 0, got {self.fixed_cost}")
        _require(self.max_trips is None or self.max_trips >= 1, f"max_trips: must be >= 1, got {self.max_trips}")
        for name in ("max_duration_s", "max_distance_m"):
            value = getattr(self, name)
            _require(value is None or value >= 0, f"{name}: must be >= 0, got {value}")
        starts = sorted(b.window.start_s for b in self.breaks)
        _require(
            all(b.window.start_s >= self.shift.start_s and b.window.end_s <= self.shift.end_s for b in self.breaks),
            "breaks: every break window must lie within the shift",
        )
        _require(starts == [b.window.start_s for b in self.breaks], "breaks: must be in order of their windows")

    @property
    def trip_limit(self) -> int | None:
        """The most trips this courier may make (1 when it ends at another site; ``None``: no limit)."""
        return 1 if self.end_site not in (None, self.site) else self.max_trips

    @property
    def last_site(self) -> int:
        """The site the courier's route ends at."""
        return self.site if self.end_site is None else self.end_site


@dataclass(frozen=True)
class Pickup:
    """A pickup stop of a pickup-and-delivery order (restaurant style): where and when to collect it."""

    location: Point
    windows: tuple[Window, ...]
    service_s: int = 0
    max_ride_s: int | None = None

    def __post_init__(self) -> None:
        _check_point(self.location, "location")
        _require(len(self.windows) > 0, "windows: at least one window is needed")
        _require(self.service_s >= 0, f"service_s: must be >= 0, got {self.service_s}")
        _require(self.max_ride_s is None or self.max_ride_s >= 0, "max_ride_s: must be >= 0")


@dataclass(frozen=True)
class Order:
    """A delivery: location, items (from a site's stock) or a pickup, load, windows, service, skills, priority.

    ``site`` forces the site (index) that must serve it. An order with a ``pickup`` is collected there and
    needs no stock; an order without one is loaded at the courier's site, which must stock all its items, on a
    trip leaving no earlier than ``ready_s`` (when the basket is picked and packed; ``None``: the site's
    picking decides, or at once).
    """

    id: str
    location: Point
    windows: tuple[Window, ...]
    items: Mapping[str, int] = field(default_factory=dict)
    weight_g: int = 0
    volume_cm3: int = 0
    service_s: int = 0
    skills: frozenset[str] = frozenset()
    priority: int = 0
    site: int | None = None
    pickup: Pickup | None = None
    ready_s: int | None = None

    def __post_init__(self) -> None:
        _check_point(self.location, "location")
        _require(len(self.windows) > 0, "windows: at least one window is needed")
        ordered = sorted(self.windows, key=lambda w: w.start_s)
        _require(
            all(a.end_s < b.start_s for a, b in itertools.pairwise(ordered)),
            "windows: must not overlap",
        )
        for item, qty in self.items.items():
            _require(qty > 0, f"items[{item!r}]: quantity must be > 0, got {qty}")
        for name in ("weight_g", "volume_cm3", "service_s", "priority"):
            _require(getattr(self, name) >= 0, f"{name}: must be >= 0, got {getattr(self, name)}")

    @property
    def item_count(self) -> int:
        """Total number of item units in the order."""
        return sum(self.items.values())


@dataclass(frozen=True)
class Problem:
    """One planning problem. Built once, validated, never changed (use ``dataclasses.replace``).

    ``epoch`` is the moment that time 0 stands for (``None`` for abstract benchmark times).
    """

    sites: tuple[Site, ...]
    couriers: tuple[Courier, ...]
    orders: tuple[Order, ...]
    name: str = "problem"
    epoch: datetime | None = None

    def __post_init__(self) -> None:
        for kind, objects in (("sites", self.sites), ("couriers", self.couriers), ("orders", self.orders)):
            repeated = [i for i, n in Counter(o.id for o in objects).items() if n > 1]
            _require(not repeated, f"{kind}: repeated id {repeated[0]!r}" if repeated else "")
        _require(len(self.sites) > 0, "sites: at least one site is needed")
        n_sites = len(self.sites)
        for c, courier in enumerate(self.couriers):
            _require(0 <= courier.site < n_sites, f"couriers[{c}].site: no site with index {courier.site}")
            _require(
                courier.end_site is None or 0 <= courier.end_site < n_sites,
                f"couriers[{c}].end_site: no site with index {courier.end_site}",
            )
        for o, order in enumerate(self.orders):
            _require(
                order.site is None or 0 <= order.site < n_sites, f"orders[{o}].site: no site with index {order.site}"
            )
            _require(
                order.pickup is None or not order.items,
                f"orders[{o}].items: a pickup-and-delivery order carries no stock items",
            )
            _require(
                order.pickup is None or order.ready_s is None,
                f"orders[{o}].ready: a pickup-and-delivery order is ready at its pickup window",
            )

    @property
    def pickup_orders(self) -> tuple[int, ...]:
        """Indices of the orders that have a pickup stop."""
        return tuple(o for o, order in enumerate(self.orders) if order.pickup is not None)

    def locations(self) -> list[Point]:
        """The matrix nodes in order: sites, order delivery locations, then pickup locations."""
        pickups = [self.orders[o].pickup for o in self.pickup_orders]
        return [
            *(s.location for s in self.sites),
            *(o.location for o in self.orders),
            *(p.location for p in pickups if p is not None),
        ]

    def delivery_node(self, order: int) -> int:
        """The matrix node of an order's delivery."""
        return len(self.sites) + order

    def stop_windows(self, order: int, kind: str) -> tuple[Window, ...]:
        """The windows of an order's pickup stop (``kind == "pickup"``) or of its delivery."""
        pickup = self.orders[order].pickup
        return pickup.windows if kind == "pickup" and pickup is not None else self.orders[order].windows

    def stop_service_s(self, order: int, kind: str) -> int:
        """The service time of an order's pickup stop (``kind == "pickup"``) or of its delivery."""
        pickup = self.orders[order].pickup
        return pickup.service_s if kind == "pickup" and pickup is not None else self.orders[order].service_s

    @cached_property
    def pickup_node(self) -> dict[int, int]:
        """Map each pickup-and-delivery order's index to the matrix node of its pickup."""
        first = len(self.sites) + len(self.orders)
        return {o: first + k for k, o in enumerate(self.pickup_orders)}
