"""Generate the shipped sample problem: a weekday morning in central Helsinki (``data/sample_problem.json``).

Two stores and two forward warehouses, a dozen couriers on bikes and in vans, ~150 orders with items, weights
and one-hour windows, inside the street network of ``data/helsinki.osm.pbf``. A cargo bike carries 30 kg, so
its day is several trips; the stores pick baskets with two pickers from 07:00, the forward warehouses hold
best-sellers picked ahead; reloading takes 3 minutes at a store, 2 at a warehouse; every courier takes a
15-minute break in the middle of its shift. Seeded, so the file can be made
again: ``python -m benchmarks.sample_problem -o data/sample_problem.json``.
"""

from __future__ import annotations

import argparse
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np

from routing import Capacity, Courier, Order, Problem, Site, Window, problem_to_spec
from routing.model import Break, Picking

__all__ = ["CATALOGUE", "sample_problem"]

EPOCH = datetime(2026, 11, 23, tzinfo=timezone(timedelta(hours=2)))
BBOX = (60.1650, 24.9360, 60.1785, 24.9528)  # inside the OSM extract: south, west, north, east
HOUR = 3600
# item id -> (grams, frozen: needs a courier with the "cold" skill), ordered by popularity (Zipf-like demand)
CATALOGUE: dict[str, tuple[int, bool]] = {
    "milk-1l": (1050, False),
    "bread-rye": (500, False),
    "bananas-1kg": (1000, False),
    "eggs-10": (600, False),
    "coffee-500g": (520, False),
    "yoghurt-1kg": (1040, False),
    "cheese-edam": (460, False),
    "tomatoes-500g": (520, False),
    "oat-drink-1l": (1050, False),
    "butter-500g": (510, False),
    "water-6x1.5l": (9200, False),
    "pasta-1kg": (1010, False),
    "apples-1kg": (1000, False),
    "chicken-fillet": (620, True),
    "rice-2kg": (2020, False),
    "detergent-3l": (3300, False),
    "diapers-pack": (1800, False),
    "cola-24-cans": (8900, False),
    "salmon-400g": (420, True),
    "ice-cream-1l": (650, True),
    "toilet-paper-8": (950, False),
    "cat-food-4kg": (4050, False),
    "flour-2kg": (2010, False),
    "potatoes-2kg": (2000, False),
}
SOLD_OUT = "salmon-400g"  # nobody holds it this morning: its orders come back as NO_STOCK


def _sites() -> tuple[Site, ...]:
    every = {item: 60 for item in CATALOGUE if item != SOLD_OUT}
    top = {item: 25 for item in list(CATALOGUE)[:12]}
    day = Window(7 * HOUR, 22 * HOUR)

    def warehouse(sid: str, lat: float, lon: float) -> Site:
        zone = (
            (lat - 0.004, lon - 0.008),
            (lat - 0.004, lon + 0.008),
            (lat + 0.004, lon + 0.008),
            (lat + 0.004, lon - 0.008),
        )
        return Site(sid, "forward_warehouse", (lat, lon), day, top, zone, reload_s=120)

    pickers = Picking(pickers=2, start_s=7 * HOUR, order_s=120, item_s=10)
    return (
        Site("store-kamppi", "store", (60.1688, 24.9372), day, every, reload_s=180, picking=pickers),
        Site("store-kluuvi", "store", (60.1712, 24.9466), day, every, reload_s=180, picking=pickers),
        warehouse("fw-punavuori", 60.1662, 24.9425),
        warehouse("fw-kruununhaka", 60.1760, 24.9500),
    )


def _couriers(rng: np.random.Generator) -> tuple[Courier, ...]:
    couriers = []
    for k in range(12):
        site = k % 4
        van = k in (0, 1, 6)
        start = 8 * HOUR + int(rng.choice([0, 0, 1800]))
        couriers.append(
            Courier(
                f"{'van' if van else 'bike'}-{k + 1:02d}",
                site,
                Window(start, start + 4 * HOUR),
                "car" if van else "bike",
                Capacity(400_000, items=300) if van else Capacity(30_000, items=30),  # e-cargo bikes
                frozenset({"cold"}) if van or k % 2 == 0 else frozenset(),
                fixed_cost=3000 if van else 1500,
                breaks=(Break(Window(start + 90 * 60, start + 150 * 60), 900),),
            )
        )
    return tuple(couriers)


def _orders(rng: np.random.Generator, n: int) -> tuple[Order, ...]:
    names = list(CATALOGUE)
    popularity = 1 / np.arange(1, len(names) + 1) ** 1.1
    popularity /= popularity.sum()
    orders = []
    for k in range(n):
        lines = rng.choice(len(names), size=int(rng.integers(1, 5)), replace=False, p=popularity)
        items = {names[i]: int(rng.integers(1, 3)) for i in lines}
        weight = sum(CATALOGUE[i][0] * q for i, q in items.items())
        start = 8 * HOUR + 1800 * int(rng.integers(0, 6))  # windows from 08:00-09:00 to 10:30-11:30
        location = (float(rng.uniform(BBOX[0], BBOX[2])), float(rng.uniform(BBOX[1], BBOX[3])))
        orders.append(
            Order(
                f"order-{k + 1:04d}",
                location,
                (Window(start, start + HOUR),),
                items,
                weight,
                service_s=int(rng.integers(90, 241)),
                skills=frozenset({"cold"}) if any(CATALOGUE[i][1] for i in items) else frozenset(),
                priority=1 if rng.random() < 0.1 else 0,
            )
        )
    return tuple(orders)


def sample_problem(seed: int = 7, orders: int = 150) -> Problem:
    """The Helsinki morning problem for ``seed`` (the shipped file uses the defaults)."""
    rng = np.random.default_rng(seed)
    return Problem(_sites(), _couriers(rng), _orders(rng, orders), "helsinki-morning", EPOCH)


def main() -> None:
    """Write the sample problem as JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-o", "--out", type=Path, default=Path("data/sample_problem.json"))
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--orders", type=int, default=150)
    args = parser.parse_args()
    spec = problem_to_spec(sample_problem(args.seed, args.orders))
    args.out.write_text(spec.model_dump_json(indent=1, exclude_none=True) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
