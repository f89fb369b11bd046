"""Which couriers could serve each order on their own, and why an order is left out.

An order is checked alone against every courier, stage by stage: skills, stock at the courier's site, the
site's zone, capacity, shift overlap; then timing: a window it can reach with the courier back in time, its basket
ready in time for that, the courier's breaks, working time and distance kept. The reason for an order no courier
can take is the stage the *most promising* courier failed at. An order some courier could take alone but the plan
left out is ``FLEET_FULL`` (or ``NO_STOCK`` when the plan used the stock).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from geo.matrix import Matrix
from geo.zones import points_in_zone, zone_polygon
from routing.model import Courier, Order, Problem
from routing.picking import pick_schedule
from routing.plan import Reason
from routing.timing import StopRef, time_route

__all__ = ["Eligibility", "eligibility", "unserved_reason"]

_STAGES = (
    Reason.NO_SKILLED_COURIER,
    Reason.NO_STOCK,
    Reason.OUT_OF_ZONE,
    Reason.OVER_CAPACITY,
    Reason.NO_COURIER_ON_SHIFT,
    Reason.WINDOW_UNREACHABLE,
    Reason.NOT_READY_IN_TIME,
    Reason.OVER_WORKING_TIME,
)


class Eligibility:
    """For every order, the couriers that could serve it alone, or the reason none can."""

    def __init__(self, couriers: list[list[int]], reasons: dict[int, Reason]) -> None:
        self.couriers = couriers
        self.reasons = reasons

    @property
    def servable(self) -> list[int]:
        """Indices of the orders at least one courier can serve."""
        return [o for o, cs in enumerate(self.couriers) if cs]


def _holds(stock: Mapping[str, int], items: Mapping[str, int]) -> bool:
    return all(stock.get(item, 0) >= qty for item, qty in items.items())


def _fits(order: Order, courier: Courier) -> bool:
    cap = courier.capacity
    return (
        order.weight_g <= cap.weight_g
        and (cap.volume_cm3 is None or order.volume_cm3 <= cap.volume_cm3)
        and (cap.items is None or order.item_count <= cap.items)
    )


def _on_shift(order: Order, courier: Courier) -> bool:
    windows = order.windows if order.pickup is None else order.pickup.windows
    return any(w.end_s >= courier.shift.start_s and w.start_s <= courier.shift.end_s for w in windows)


def _stage_passed(problem: Problem, matrix: Matrix, in_zone: np.ndarray, o: int, c: int) -> int:
    """How many stages order ``o`` passes with courier ``c`` (``len(_STAGES)`` = it can serve it)."""
    order, courier = problem.orders[o], problem.couriers[c]
    site = problem.sites[courier.site]
    checks = (
        lambda: order.skills <= courier.skills,
        lambda: (
            (order.site is None or order.site == courier.site)
            and (order.pickup is not None or _holds(site.stock, order.items))
        ),
        lambda: bool(in_zone[courier.site, o]),
        lambda: _fits(order, courier),
        lambda: _on_shift(order, courier),
    )
    for k, check in enumerate(checks):
        if not check():
            return k
    return len(checks) + _timing_stages(problem, matrix, o, c)


def _timing_stages(problem: Problem, matrix: Matrix, o: int, c: int) -> int:
    """How many of the timing stages (window, ready time, working rules) order ``o`` alone passes with ``c``:
    its basket as ready as the site's pickers can make it, picked first."""
    ready = pick_schedule(problem, problem.couriers[c].site, [o])
    timed = time_route(problem, matrix, c, _alone(problem.orders[o], o), ready=ready)
    if any(timed.late_s) or timed.end_late_s:
        return 1 if any(timed.ready_wait_s) else 0
    return 3 if timed.on_time else 2


def _alone(order: Order, o: int) -> list[StopRef]:
    return [(o, "pickup"), (o, "delivery")] if order.pickup is not None else [(o, "delivery")]


def _zone_mask(problem: Problem) -> np.ndarray:
    """``mask[s, o]``: order ``o``'s delivery lies in site ``s``'s zone (or the site has no zone)."""
    mask = np.ones((len(problem.sites), len(problem.orders)), dtype=bool)
    points = [o.location for o in problem.orders]
    for s, site in enumerate(problem.sites):
        if site.zone is not None and points:
            mask[s] = points_in_zone(zone_polygon(site.zone), points)
    return mask


def eligibility(problem: Problem, matrix: Matrix) -> Eligibility:
    """Check every order alone against every courier; return who can serve what and reasons for the rest.

    Couriers alike in site, shift, profile, capacity and skills are checked once, as a group.
    """
    in_zone = _zone_mask(problem)
    groups: dict[tuple[object, ...], list[int]] = {}
    for c, courier in enumerate(problem.couriers):
        key = (courier.site, courier.last_site, courier.shift, courier.profile, courier.capacity, courier.skills)
        groups.setdefault(key, []).append(c)
    couriers: list[list[int]] = []
    reasons: dict[int, Reason] = {}
    for o in range(len(problem.orders)):
        passed = [(_stage_passed(problem, matrix, in_zone, o, group[0]), group) for group in groups.values()]
        couriers.append(sorted(c for stage, group in passed if stage == len(_STAGES) for c in group))
        if not couriers[-1]:
            reasons[o] = _STAGES[max((stage for stage, _ in passed), default=_STAGES.index(Reason.NO_COURIER_ON_SHIFT))]
    return Eligibility(couriers, reasons)


def unserved_reason(problem: Problem, order: int, served: Sequence[tuple[int, int]], able: Sequence[int]) -> Reason:
    """Reason for a servable ``order`` the plan left out: ``NO_STOCK`` if served orders (``(order, site)``
    pairs) used up its items at every site of the couriers ``able`` to take it, else ``FLEET_FULL``."""
    items = problem.orders[order].items
    if not items:
        return Reason.FLEET_FULL
    for site in {problem.couriers[c].site for c in able}:
        left = dict(problem.sites[site].stock)
        for o, s in served:
            if s == site:
                for item, qty in problem.orders[o].items.items():
                    left[item] = left.get(item, 0) - qty
        if _holds(left, items):
            return Reason.FLEET_FULL
    return Reason.NO_STOCK
