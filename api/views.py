"""Read-side views of the live plan for the API: an order's status and live ETA, a courier's assignments.
Times leave as timezone-aware datetimes (the problem's offset)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from api.positions import Positions
from api.schemas import TimelineStep
from api.store import OrderRecord
from routing import Problem
from routing.model import Window
from routing.plan import Route
from scheduling import CourierEta, LivePlan, courier_eta

__all__ = [
    "OrderView",
    "at_time",
    "live_with_ping",
    "order_index",
    "order_view",
    "order_windows",
    "seconds_at",
    "timeline",
    "trip_under_way",
    "windows_of",
]


def seconds_at(problem: Problem, moment: datetime) -> int:
    """Seconds from the problem's epoch (Unix seconds without one) of an aware ``moment``."""
    if problem.epoch is None:
        return int(moment.timestamp())
    return int((moment - problem.epoch).total_seconds())


def at_time(problem: Problem, seconds: int) -> datetime:
    """An internal time as an aware datetime."""
    assert problem.epoch is not None, "live problems always have an epoch"
    return problem.epoch + timedelta(seconds=seconds)


def order_index(problem: Problem, order_id: str) -> int | None:
    """The index of the order with this id in the live problem, or None when it is not in it."""
    return next((k for k, o in enumerate(problem.orders) if o.id == order_id), None)


def order_windows(problem: Problem, record: OrderRecord) -> list[dict[str, Any]]:
    """The order's windows: as the live plan has them (a confirmed promise: the slot), else as registered."""
    index = order_index(problem, record.id)
    return windows_of(problem, problem.orders[index].windows) if index is not None else list(record.spec["windows"])


def live_with_ping(live: LivePlan, courier: int, ping: tuple[float, float, float] | None) -> LivePlan:
    """The live plan with the courier's last GPS ping ``(lat, lon, unix time)`` (if newer than what it knows)."""
    if ping is None or live.problem.epoch is None:
        return live
    lat, lon, at_unix = ping
    return live.with_ping(courier, (lat, lon), int(at_unix - live.problem.epoch.timestamp()))


@dataclass(frozen=True)
class OrderView:
    """Where an order stands in the live plan."""

    status: str
    reason: str | None = None
    courier: int | None = None
    site: int | None = None
    eta: CourierEta | None = None
    stop: int | None = None  # the delivery among the courier's remaining stops = stops before it
    on_the_way: bool = False  # the courier has left on the trip that delivers it, and it is not delivered yet

    def eta_s(self) -> int | None:
        """Expected arrival at the door."""
        return self.eta.stops[self.stop].arrival_s if self.eta is not None and self.stop is not None else None

    def p_late(self) -> float | None:
        """Probability of missing the window."""
        return self.eta.stops[self.stop].p_late if self.eta is not None and self.stop is not None else None


def order_view(live: LivePlan, record: OrderRecord, positions: Positions) -> OrderView:
    """An order's status (event status first, then its place in the live plan) and its live ETA."""
    problem = live.problem
    index = order_index(problem, record.id)
    if record.status in ("delivered", "failed"):
        return OrderView(record.status, record.failure)
    if record.invalid is not None:
        return OrderView("unassigned", "INVALID_INPUT")
    if index is None:
        return OrderView(record.status)
    for route in live.plan.routes:
        if index in route.orders:
            pinged = live_with_ping(live, route.courier, positions.last(problem.couriers[route.courier].id))
            eta = courier_eta(pinged, route.courier)
            stop = next((k for k, s in enumerate(eta.stops) if s.order == index and s.kind == "delivery"), None)
            status = record.status if record.status != "accepted" else "planned"
            on_the_way = status in ("planned", "picked_up") and index in _under_way(live, route)
            return OrderView(status, None, route.courier, route.site, eta, stop, on_the_way)
    reason = next((u.reason.value for u in live.plan.unassigned if u.order == index), None)
    return OrderView("unassigned" if reason else record.status, reason)


def _under_way(live: LivePlan, route: Route) -> tuple[int, ...]:
    """The orders the courier of ``route`` delivers on the trip it has left on: the route's first trip (its later
    trips have not started); none before it leaves."""
    if not live.state(route.courier).departed:
        return ()
    return tuple(s.order for s in route.stops[: live.first_trip_end(route.courier)] if s.kind == "delivery")


def trip_under_way(live: LivePlan, order_id: str) -> list[str]:
    """The ids of the orders delivered on the trip under way that delivers this order (none when its courier has
    not left on it, or the order is not in the live plan)."""
    index = order_index(live.problem, order_id)
    for route in live.plan.routes:
        orders = _under_way(live, route)
        if index in orders:
            return [live.problem.orders[k].id for k in orders]
    return []


def timeline(
    record: OrderRecord, events: list[dict[str, Any]], departed: datetime | None, on_the_way: bool
) -> list[TimelineStep]:
    """The steps the order has been through, in order: ``accepted``; ``picked`` (its ``picked_up`` event);
    ``on_the_way`` (now, or before it was delivered or failed) from when its courier had left on the trip with it
    (``departed``) and had it; ``delivered`` or ``failed``."""
    at = {e["type"]: datetime.fromisoformat(e["at"]) for e in reversed(events)}  # the first of each type
    steps = [TimelineStep(status="accepted", at=datetime.fromisoformat(record.created_at))]
    if "picked_up" in at:
        steps.append(TimelineStep(status="picked", at=at["picked_up"]))
    left = [t for t in (departed, at.get("picked_up")) if t is not None]
    if left and (on_the_way or record.status in ("delivered", "failed")):
        steps.append(TimelineStep(status="on_the_way", at=max(left)))
    steps += [TimelineStep(status=kind, at=at[kind]) for kind in ("delivered", "failed") if kind in at]
    return steps


def windows_of(problem: Problem, windows: tuple[Window, ...]) -> list[dict[str, datetime]]:
    """Windows as ``{start, end}`` datetimes."""
    return [{"start": at_time(problem, w.start_s), "end": at_time(problem, w.end_s)} for w in windows]
