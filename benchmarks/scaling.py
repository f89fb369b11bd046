"""Solver scaling on a synthetic city: wall time, peak memory, orders served and routes from 100 to 5,000 orders.

``python -m benchmarks.scaling [--sizes 100,500,1000,2000,5000] [--time-limit 60] [--workers 2] [--out FILE.md]``
solves each size in a fresh process (so that its peak memory is its own): one site per 250 orders (stores and
forward warehouses spread over a 16 × 12 km city, every site stocking the catalogue), one courier per 12 orders on
bikes and in vans, in a morning (07–15) or an afternoon (13–21) shift, and orders with one-hour windows from 08:00
to 20:00; straight-line matrix for bikes and vans. Peak memory is ``ru_maxrss`` of the solving process and of its
largest worker process (forked workers share the matrix with it, so the two are not to be added).
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from benchmarks.environment import write_results
from geo import StraightLineProvider
from routing import Capacity, Courier, Order, Problem, Site, SolveParams, Window, solve

__all__ = ["city", "main", "measure"]

HOUR = 3600
CENTRE = (60.19, 24.94)
ITEMS = [f"sku-{k:03d}" for k in range(60)]


def city(orders: int, seed: int = 0) -> Problem:
    """A city of ``orders`` orders, ``orders // 250`` sites (at least 2) and ``orders // 12`` couriers (at least 4)."""
    rng = np.random.default_rng(seed)
    hours = Window(7 * HOUR, 22 * HOUR)
    stock = {item: 100_000 for item in ITEMS}
    n_sites = max(2, orders // 250)
    sites = tuple(
        Site(
            f"site-{k}",
            "store" if k % 3 == 0 else "forward_warehouse",
            (CENTRE[0] + rng.uniform(-0.05, 0.05), CENTRE[1] + rng.uniform(-0.14, 0.14)),
            hours,
            stock,
        )
        for k in range(n_sites)
    )
    shifts = (Window(7 * HOUR, 15 * HOUR), Window(13 * HOUR, 21 * HOUR))
    couriers = tuple(
        Courier(
            f"c{k:04d}",
            k % n_sites,
            shifts[(k // n_sites) % 2],
            "bike" if k % 4 else "car",
            Capacity(40_000 if k % 4 else 300_000),
        )
        for k in range(max(4, orders // 12))
    )
    made = []
    for k in range(orders):
        lat, lon = CENTRE[0] + rng.uniform(-0.055, 0.055), CENTRE[1] + rng.uniform(-0.15, 0.15)
        start = int(8 * HOUR + rng.integers(0, 24) * 1800)
        picked = rng.choice(ITEMS, size=int(rng.integers(1, 5)), replace=False)
        basket = {str(i): int(rng.integers(1, 3)) for i in picked}
        made.append(Order(f"o{k}", (lat, lon), (Window(start, start + HOUR),), basket, weight_g=3_000, service_s=120))
    return Problem(sites, couriers, tuple(made), f"city-{orders}")


def measure(orders: int, time_limit_s: float, workers: int, seed: int = 0) -> dict[str, float | int]:
    """Build and solve one city in this process; wall time covers the matrix and the solve."""
    problem = city(orders, seed)
    started = time.monotonic()
    matrix = StraightLineProvider().matrix(problem.locations(), ["bike", "car"])
    matrix_s = time.monotonic() - started
    plan = solve(problem, matrix, params=SolveParams(time_limit_s=time_limit_s, workers=workers), seed=seed)
    wall_s = time.monotonic() - started
    summary = plan.summary
    return {
        "orders": orders,
        "sites": len(problem.sites),
        "couriers": len(problem.couriers),
        "matrix_s": round(matrix_s, 2),
        "wall_s": round(wall_s, 2),
        "solve_s": plan.stats.wall_s,
        "served": summary.orders_served,
        "routes": summary.routes,
        "distance_km": round(summary.distance_m / 1000, 1),
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024,
        "worker_peak_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024,
    }


def _table(rows: list[dict[str, float | int]], time_limit_s: float, workers: int) -> str:
    head = (
        f"Synthetic city, straight-line matrix (bike, car), time limit {time_limit_s:g} s per size "
        f"(matrix excluded), {workers} workers.\n\n"
        "| orders | sites | couriers | served | routes | km | wall s (matrix + solve) | solve s "
        "| peak MB (solver process) | peak MB (largest worker) |\n|---|---|---|---|---|---|---|---|---|---|\n"
    )
    return head + "".join(
        f"| {r['orders']} | {r['sites']} | {r['couriers']} | {r['served']} | {r['routes']} | {r['distance_km']} "
        f"| {r['wall_s']} | {r['solve_s']} | {r['peak_mb']} | {r['worker_peak_mb']} |\n"
        for r in rows
    )


def main() -> None:
    """Command-line entry: one fresh process per size, then the table (printed, and written with ``--out``)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100,500,1000,2000,5000", help="comma-separated order counts")
    parser.add_argument("--time-limit", type=float, default=60.0, help="solve budget per size, seconds")
    parser.add_argument("--workers", type=int, default=2, help="worker processes")
    parser.add_argument("--out", type=Path, help="also write the table as Markdown")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)  # internal: measure one size, print JSON
    args = parser.parse_args()
    if args.one is not None:
        print(json.dumps(measure(args.one, args.time_limit, args.workers)))
        return
    rows = []
    for size in (int(s) for s in args.sizes.split(",")):
        command = [sys.executable, "-m", "benchmarks.scaling", "--one", str(size)]
        command += ["--time-limit", str(args.time_limit), "--workers", str(args.workers)]
        done = subprocess.run(command, check=True, capture_output=True, text=True)
        rows.append(json.loads(done.stdout.strip().splitlines()[-1]))
        print(rows[-1], flush=True)
    table = _table(rows, args.time_limit, args.workers)
    print(table, end="")
    if args.out:
        write_results(args.out, table)


if __name__ == "__main__":
    main()
