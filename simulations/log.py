"""What a simulated day records: every order's fate, every trip a courier made, the couriers and the re-plans."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from geo.matrix import Point
from routing.model import Window

__all__ = ["CourierLog", "DayLog", "OrderLog", "TripLog"]


@dataclass
class OrderLog:
    """One order: placed at ``placed_s``; ``status`` ends as ``delivered``, ``failed`` or ``refused`` (with a
    ``reason`` for the last two); the promised window, who served it and when the courier reached the door;
    ``etas`` are the ``(time, predicted arrival)`` samples taken while it was on its way; ``departed_s`` when
    its trip left the site; for a refused order, ``idle_able`` counts the couriers idle at a site that could have
    served it (on shift, at a site holding the basket and covering the address, no trip planned for 30 min)."""

    id: str
    placed_s: int
    area: str
    location: Point
    status: str = "pending"
    reason: str | None = None
    promised: Window | None = None
    asap: bool = False
    site: str | None = None
    site_kind: str | None = None
    courier: str | None = None
    arrival_s: int | None = None
    etas: list[tuple[int, int]] = field(default_factory=list)
    eta_updates: int = 0
    departed_s: int | None = None
    idle_able: int = 0


@dataclass(frozen=True)
class TripLog:
    """One trip: a courier leaves its site, serves ``orders`` and comes back; ``path`` is the places visited,
    ``wait_s`` the time it waited at doors for windows to open."""

    courier: str
    site: str
    start_s: int
    end_s: int
    distance_m: int
    orders: tuple[str, ...]
    path: tuple[Point, ...]
    wait_s: int = 0


@dataclass(frozen=True)
class CourierLog:
    """A courier of the day with its shift."""

    id: str
    site: str
    profile: str
    shift: Window


@dataclass
class DayLog:
    """The record of one simulated day of scenario ``scenario`` with ``seed``."""

    scenario: str
    seed: int
    epoch: datetime | None
    orders: list[OrderLog]
    trips: list[TripLog]
    couriers: list[CourierLog]
    site_kinds: dict[str, str]
    replans: int = 0
    replans_kept: int = 0
    wall_s: float = 0.0
    dispatch: str = "greedy"
