"""Which couriers could take one more order from stock: stock left at their site (after the plan and the
promises held), the site's zone, skills, a capacity the basket fits in and a trip still to come within the shift
(the room left in each trip is the insertion index's to check)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property

import numpy as np
from shapely.geometry import Polygon

from geo.matrix import Point
from geo.zones import points_in_zone, zone_polygon
from routing.model import Capacity
from routing.plan import Reason
from scheduling.insertion import InsertionIndex
from scheduling.live import LivePlan

__all__ = ["Demand", "PlanView"]


@dataclass(frozen=True)
class Demand:
    """What a new order needs: items from stock, load, skills, service time, and optionally a forced site."""

    items: Mapping[str, int]
    weight_g: int = 0
    volume_cm3: int = 0
    skills: frozenset[str] = frozenset()
    service_s: int = 0
    site: int | None = None

    @property
    def item_count(self) -> int:
        """Total number of item units."""
        return sum(self.items.values())

    def fits(self, capacity: Capacity) -> bool:
        """Whether the basket fits in an empty trip of a courier with ``capacity``."""
        return not (
            self.weight_g > capacity.weight_g
            or (capacity.volume_cm3 is not None and self.volume_cm3 > capacity.volume_cm3)
            or (capacity.items is not None and self.item_count > capacity.items)
        )

    @property
    def load(self) -> tuple[int, int, int]:
        """``(weight_g, volume_cm3, items)`` the basket takes in a trip."""
        return self.weight_g, self.volume_cm3, self.item_count


@dataclass
class PlanView:
    """What a live plan leaves free: stock per site and the insertion positions (keeping ``margin_sd`` standard
    deviations of each arrival before its window ends)."""

    live: LivePlan
    margin_sd: float = 1.0

    @cached_property
    def index(self) -> InsertionIndex:
        """The insertion positions, built on first use (a plan that is never asked about costs nothing)."""
        return InsertionIndex(self.live, self.margin_sd)

    @cached_property
    def stock_left(self) -> list[Counter[str]]:
        """Per site, its stock minus the items of the orders the plan serves from it."""
        left = [Counter(dict(site.stock)) for site in self.live.problem.sites]
        for route in self.live.plan.routes:
            for order in route.orders:
                left[route.site].subtract(self.live.problem.orders[order].items)
        return left

    def sites_for(
        self, demand: Demand, location: Point, held: Mapping[int, Counter[str]] | None = None
    ) -> tuple[set[int], set[int]]:
        """The sites (``demand.site`` only, when forced) with the basket's stock left after ``held``, and those of
        them whose zone covers ``location``."""
        sites = range(len(self.live.problem.sites)) if demand.site is None else [demand.site]
        stocked = {
            s
            for s in sites
            if all(
                self.stock_left[s][item] - (held or {}).get(s, Counter())[item] >= q for item, q in demand.items.items()
            )
        }
        return stocked, {s for s in stocked if self.covers(s, location)}

    def couriers_for(
        self, demand: Demand, location: Point, held: Mapping[int, Counter[str]] | None = None
    ) -> tuple[np.ndarray, Reason | None]:
        """A boolean mask over couriers that could take ``demand`` at ``location``, and the reason when none can.

        ``held`` is stock promised but not confirmed yet, per site; it is not available.
        """
        problem = self.live.problem
        stocked, covering = self.sites_for(demand, location, held)
        mask = np.zeros(len(problem.couriers), dtype=bool)
        stages = [Reason.NO_STOCK, Reason.OUT_OF_ZONE, Reason.NO_SKILLED_COURIER, Reason.OVER_CAPACITY]
        passed = 0 if not stocked else 1 if not covering else 2
        for c, courier in enumerate(problem.couriers):
            if courier.site not in covering:
                continue
            if not demand.skills <= courier.skills:
                continue
            passed = max(passed, 3)
            if not demand.fits(courier.capacity):
                continue
            passed = 4
            mask[c] = c in self.index.couriers
        if mask.any():
            return mask, None
        return mask, stages[passed] if passed < len(stages) else Reason.NO_COURIER_ON_SHIFT

    @cached_property
    def _zones(self) -> list[Polygon | None]:
        return [zone_polygon(s.zone) if s.zone is not None else None for s in self.live.problem.sites]

    def covers(self, site: int, location: Point) -> bool:
        """Whether ``site`` delivers to ``location`` (inside its zone, or it has none)."""
        zone = self._zones[site]
        return zone is None or bool(points_in_zone(zone, [location])[0])
