"""Delivery-time promises for a basket at an address, checked against the live plan, held, then confirmed.

A promise offers the next delivery windows (``slot_s`` long, starting every ``step_s``, up to ``horizon_s``
ahead) that a courier still at a site holding the items can reach without making any planned stop late, led
by an "as soon as possible" slot: from now until the earliest arrival plus two standard deviations. Each slot
names the site that would serve it and a confidence: the probability, under the ETA model's travel-time
spread, that the courier arrives before the slot ends.

An offer holds the basket's stock at every site it names until it expires; confirming one slot re-checks it
against the plan as it is then and turns it into an order in the plan, or fails with ``Conflict``.
"""

from __future__ import annotations

import math
import threading
from collections import Counter
from collections.abc import Collection, Mapping
from dataclasses import dataclass, replace
from typing import Protocol

from geo.matrix import LegProvider, Point
from routing.errors import Conflict, Forbidden, InputError, NotFound
from routing.model import Order, Window
from routing.plan import Reason
from scheduling.candidates import Demand, PlanView
from scheduling.eta import late_probability
from scheduling.insertion import Insertion, NewPoint
from scheduling.live import LivePlan
from scheduling.place import place_order

__all__ = ["Holds", "MemoryHolds", "Offer", "PromiseDesk", "PromisePolicy", "Slot"]


@dataclass(frozen=True)
class PromisePolicy:
    """Which windows to offer, how long an offer holds its stock, the time to pick and pack a basket before a
    courier can leave with it, and how many standard deviations of its arrival time every stop keeps before its
    window ends when a new one is put in."""

    slot_s: int = 3600
    step_s: int = 1800
    horizon_s: int = 4 * 3600
    hold_s: int = 300
    prep_s: int = 600
    margin_sd: float = 1.0


@dataclass(frozen=True)
class Slot:
    """A delivery window that can be promised, the site and courier that would serve it, when it would arrive."""

    window: Window
    site: int
    courier: int
    arrival_s: int
    confidence: float
    asap: bool = False


@dataclass(frozen=True)
class Offer:
    """The answer to a promise request: slots (the earliest arrival first, flagged ``asap``, then the policy's
    windows; empty with a ``reason`` when none) and when the offer expires."""

    id: str
    slots: tuple[Slot, ...]
    reason: Reason | None
    expires_s: int
    demand: Demand
    address: Point
    held: Mapping[int, Counter[str]]
    owner: str | None = None  # who asked; only they may confirm it (the live service: a storefront key's id)


def _slot(live: LivePlan, window: Window, found: Insertion, *, asap: bool = False) -> Slot:
    site = live.problem.couriers[found.courier].site
    confidence = 1.0 - late_probability(found.start_s, window.end_s, found.sigma_s)
    return Slot(window, site, found.courier, found.start_s, round(confidence, 3), asap)


def _asap_window(now_s: int, found: Insertion) -> Window:
    """From now until the earliest arrival plus two standard deviations, rounded up to 5 minutes."""
    end = found.start_s + math.ceil(2 * found.sigma_s)
    return Window(now_s, -(-end // 300) * 300)


class Holds(Protocol):
    """Where offers wait to be confirmed, holding their stock until they expire: in this process
    (:class:`MemoryHolds`) or in a store shared by many processes."""

    def new_id(self) -> str:
        """A fresh offer id."""
        ...

    def held(
        self, now_s: int, skip: str | None = None, items: Collection[str] | None = None
    ) -> dict[int, Counter[str]]:
        """Stock held per site by the offers not expired at ``now_s``, leaving out offer ``skip``; only of
        ``items`` when given (others may be left out)."""
        ...

    def keep(self, offer: Offer) -> None:
        """Hold ``offer`` until ``offer.expires_s``."""
        ...

    def get(self, offer_id: str, now_s: int) -> Offer | None:
        """The offer, or None when unknown or expired."""
        ...

    def drop(self, offer_id: str) -> None:
        """Release the offer and its stock."""
        ...


class MemoryHolds:
    """Offers held in this process's memory (one desk, one process)."""

    def __init__(self) -> None:
        self.offers: dict[str, Offer] = {}
        self._count = 0

    def new_id(self) -> str:
        """``p1``, ``p2``, …"""
        self._count += 1
        return f"p{self._count}"

    def held(
        self, now_s: int, skip: str | None = None, items: Collection[str] | None = None
    ) -> dict[int, Counter[str]]:
        """Stock held per site by the live offers other than ``skip`` (every item); forgets the expired ones."""
        self.offers = {k: o for k, o in self.offers.items() if o.expires_s > now_s}
        held: dict[int, Counter[str]] = {}
        for offer in self.offers.values():
            if offer.id != skip:
                for site, items in offer.held.items():
                    held.setdefault(site, Counter()).update(items)
        return held

    def keep(self, offer: Offer) -> None:
        """Remember the offer."""
        self.offers[offer.id] = offer

    def get(self, offer_id: str, now_s: int) -> Offer | None:
        """The offer if it has not expired."""
        offer = self.offers.get(offer_id)
        return offer if offer is not None and offer.expires_s > now_s else None

    def drop(self, offer_id: str) -> None:
        """Forget the offer."""
        self.offers.pop(offer_id, None)


class PromiseDesk:
    """Answers promise requests on a live plan and keeps the offers in ``holds`` (in memory by default).

    A request more than ``max_age_s`` after the plan's time is answered on the plan at the request's time (its
    insertion places built again): a courier at its site cannot leave before now, and one that is overdue back
    is predicted later, so an older index would offer what the confirmation then refuses."""

    def __init__(
        self,
        live: LivePlan,
        provider: LegProvider,
        policy: PromisePolicy | None = None,
        holds: Holds | None = None,
        max_age_s: int = 0,
    ) -> None:
        self.provider = provider
        self.policy = policy or PromisePolicy()
        self.holds: Holds = holds or MemoryHolds()
        self.max_age_s = max_age_s
        self._moving = threading.Lock()
        self.view = PlanView(live, self.policy.margin_sd)

    @property
    def live(self) -> LivePlan:
        """The live plan promises are checked against."""
        return self.view.live

    def use(self, live: LivePlan) -> None:
        """Check promises against ``live`` from now on (after a re-plan, pings or new orders)."""
        view = PlanView(live, self.policy.margin_sd)
        with self._moving:
            self.view = view

    def _view_at(self, now_s: int) -> PlanView:
        """The plan view for a request at ``now_s``: the current one, or one at ``now_s`` if it is too old (kept
        for the next request unless another thread moved the desk on to a new plan meanwhile)."""
        seen = self.view
        if now_s <= seen.live.now_s + self.max_age_s:
            return seen
        fresh = PlanView(seen.live.at(now_s), self.policy.margin_sd)
        with self._moving:
            if self.view is seen:
                self.view = fresh
        return fresh

    def _point(self, view: PlanView, address: Point) -> NewPoint:
        return NewPoint.at(address, view.live.locations, self.provider, view.index.profiles)

    def windows(self, now_s: int) -> list[Window]:
        """The windows the policy offers at ``now_s``."""
        step, first = self.policy.step_s, -(-now_s // self.policy.step_s) * self.policy.step_s
        count = max(0, -(-(now_s + self.policy.horizon_s - first) // step))
        return [Window(first + k * step, first + k * step + self.policy.slot_s) for k in range(count)]

    def offer(self, demand: Demand, address: Point, now_s: int, owner: str | None = None) -> Offer:
        """Offer the slots this plan can keep for ``demand`` at ``address``, and hold their stock. The offer is made
        on the plan as it was when asked, even if a confirmation in another thread moves the desk on meanwhile."""
        if now_s < self.view.live.now_s:
            raise InputError(f"at: {now_s} s is before the live plan's time {self.view.live.now_s} s")
        view = self._view_at(now_s)
        mask, reason = view.couriers_for(demand, address, self.holds.held(now_s, items=list(demand.items)))
        slots: list[Slot] = []
        if reason is None:
            point = self._point(view, address)
            horizon = Window(now_s, now_s + self.policy.horizon_s)
            ready = now_s + self.policy.prep_s
            options = view.index.options(point, demand.service_s, mask, ready, load=demand.load)
            first = options.best(horizon, by_arrival=True)
            if first is not None:
                slots.append(_slot(view.live, _asap_window(now_s, first), first, asap=True))
            for window in self.windows(now_s):
                found = options.best(window)
                if found is not None:
                    slots.append(_slot(view.live, window, found))
            reason = None if slots else Reason.FLEET_FULL
        held = {s: Counter(dict(demand.items)) for s in {slot.site for slot in slots}}
        offer_id = self.holds.new_id()
        offer = Offer(offer_id, tuple(slots), reason, now_s + self.policy.hold_s, demand, address, held, owner)
        if slots:
            self.holds.keep(offer)
        return offer

    def confirm(self, offer_id: str, slot: int, order_id: str, now_s: int, owner: str | None = None) -> LivePlan:
        """Turn slot ``slot`` of a held offer into order ``order_id`` in the live plan and return the new plan.

        Raises ``NotFound`` for an unknown or expired offer, ``Forbidden`` when ``owner`` is given and another owner
        asked for it, ``Conflict`` when the plan can no longer keep the slot (the offer is then dropped),
        ``InputError`` for a slot number out of range or an order id in use.
        """
        offer = self.holds.get(offer_id, now_s)
        if offer is None:
            raise NotFound(f"promise {offer_id}: unknown or expired")
        if owner is not None and offer.owner is not None and owner != offer.owner:
            raise Forbidden(f"promise {offer_id}: asked for by another storefront")
        held = self.holds.held(now_s, skip=offer_id, items=list(offer.demand.items))
        view = self._view_at(now_s)
        if not 0 <= slot < len(offer.slots):
            raise InputError(f"slot: must be between 0 and {len(offer.slots) - 1}, got {slot}")
        if any(o.id == order_id for o in view.live.problem.orders):
            raise InputError(f"order_id: {order_id!r} is already an order")
        chosen = offer.slots[slot]
        demand = replace(offer.demand, site=chosen.site)
        mask, reason = view.couriers_for(demand, offer.address, held)
        found = None
        if reason is None:
            point, ready = self._point(view, offer.address), now_s + self.policy.prep_s
            found = view.index.cheapest(point, chosen.window, demand.service_s, mask, ready, load=demand.load)
        self.holds.drop(offer_id)
        if found is None:
            raise Conflict(f"promise {offer_id}: the plan can no longer keep this slot ({reason or Reason.FLEET_FULL})")
        order = Order(
            order_id,
            offer.address,
            (chosen.window,),
            items=dict(demand.items),
            weight_g=demand.weight_g,
            volume_cm3=demand.volume_cm3,
            service_s=demand.service_s,
            skills=demand.skills,
            site=chosen.site,
            ready_s=now_s + self.policy.prep_s,
        )
        now = replace(view.live, now_s=max(now_s, view.live.now_s))
        live = place_order(now, self.provider, order, found, ready_s=now_s + self.policy.prep_s)
        self.use(live)
        return live
