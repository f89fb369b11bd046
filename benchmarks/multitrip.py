"""Multi-trip VRPTW: lastmile against PyVRP on Gehring–Homberger instances made multi-trip, checked independently.

``python -m benchmarks.multitrip --time-limit 30 --out benchmarks/results/multitrip_30s.md [--data-dir DIR]
[--instances N] [--seed 0]`` needs PyVRP (``pip install -e .[peers]``) and the public instances (``--data-dir``,
default ``../shared/benchmarks`` beside the checkout). It takes the first ``N`` (default all) of ``SUBSET``, the
``*_2_1`` instance of each 200-customer class (C1, R1, RC1, C2, R2, RC2) and ``r1_2_6``, ``rc1_2_6``, and makes each
multi-trip (:func:`make_multitrip`), in instance units:

- fleet: ``ceil(b / 3)`` identical vehicles, ``b`` the best-known number of routes in ``bks.csv``;
- capacity: ``instance.capacity // 2`` per trip, any number of trips;
- reload: ``RELOAD_TIME`` (10) at the depot before every trip but the first, after the previous trip is back;
- day: at most ``floor(0.75 × (due_0 − ready_0))`` from the first departure to the last return;
- release: each customer ``i`` with ``(i − 1) % 4 == r``, ``r = random.Random(seed).randrange(4)``, is released at
  ``max(0, floor(min(ready_i / 2, due_i − t_0i)))``, ``t_0i`` the travel time from the depot (so that it can still
  be served alone): a trip carrying it leaves the depot no earlier. The other customers have no release time.

A customer no vehicle can serve alone is left out by both solvers (the table counts, with the checker, those that
can be); served counts are reported. Both solvers get the problem :func:`benchmarks.convert.instance_to_problem`
builds (integer matrices: distances × ``SCALE``, travel times rounded up), the same time limit (one thread each)
and seed, and the same objective: per vehicle used its fixed cost (twice the longest arc), plus the distance, plus
for every customer left out lastmile's drop penalty (PyVRP: the same value as the prize of an optional client).
Every day is re-evaluated by :func:`benchmarks.checker.check_trips` in double precision.

PyVRP's model (0.14.1) and how it is made to match lastmile's:

- ``Depot.service_duration`` is incurred at the start of *every* trip, the first included; lastmile reloads only
  between trips. So PyVRP gets every time shifted later by the reload time ``R`` (client windows, depot and vehicle
  closing) except the opening: its first loading may start at the opening, i.e. ``R`` before the opening in lastmile
  time, and ``shift_duration`` (the hard limit, with no overtime) is the day plus ``R``.
- ``Client.release_time`` bounds the start of a trip's loading at the depot; with the shift it is the release time
  itself, and a trip leaves at ``max(back + R, release)`` in both models.
- ``VehicleType.reload_depots=[0]`` with ``max_reloads`` left unlimited; clients are optional (``required=False``).
- PyVRP caps its penalty per unit of excess load (``PenaltyParams.max_penalty``, default 1e5), which in demand units
  stays far below a prize, so that its search would carry overloaded trips rather than leave customers out: the cap
  is raised to ``MAX_PENALTY``. Higher caps (1e7, 1e8), or the loads scaled by ``SCALE``, made one of PyVRP's
  local-search calls run for minutes past its time limit on c1_2_1 at 15 s.

The two models then agree on feasibility. What still differs: lastmile models each courier with a bounded number
of trips (:mod:`routing.trips`) where PyVRP has no bound, lastmile's time limit covers building its model where
PyVRP's ``MaxRuntime`` starts with its search, and lastmile prefers fewer couriers before a lower cost in its route
elimination where PyVRP weighs them in one objective.
"""

from __future__ import annotations

import argparse
import importlib.util
import itertools
import math
import random
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from functools import partial
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING

from benchmarks.checker import TripsCheckResult, check_trips
from benchmarks.convert import SCALE, instance_to_problem
from benchmarks.environment import write_results
from benchmarks.instances import Instance, read_bks, read_instance
from benchmarks.pyvrp_peer import PYVRP_GRACE, Days, bounded, solve_pyvrp
from benchmarks.runner import default_data_dir
from geo.matrix import Matrix
from routing import Capacity, Plan, Problem, SolveParams, SolveStats, solve, tripls

if TYPE_CHECKING:
    pass

__all__ = [
    "RELOAD_TIME",
    "SET",
    "SUBSET",
    "Comparison",
    "MultiTrip",
    "check_multitrip",
    "compare",
    "main",
    "make_multitrip",
    "multitrip_problem",
    "plan_trips",
    "report",
    "solve_lastmile",
]

SET = "vrptw/homberger_200"
SUBSET = ("c1_2_1", "r1_2_1", "rc1_2_1", "c2_2_1", "r2_2_1", "rc2_2_1", "r1_2_6", "rc1_2_6")
FLEET_DIVISOR = 3
RELOAD_TIME = 10
DURATION_SHARE = 0.75
RELEASE_EVERY = 4


@dataclass(frozen=True)
class MultiTrip:
    """A multi-trip variant of a VRPTW instance, in instance units: ``release`` maps a customer node to the time
    a trip carrying it may leave the depot."""

    instance: Instance
    fleet: int
    capacity: int
    reload_time: int
    max_duration: int
    release: Mapping[int, int]


def make_multitrip(instance: Instance, bks_routes: int, seed: int) -> MultiTrip:
    """Apply the module docstring's rules to ``instance`` (``bks_routes``: its best-known number of routes)."""
    offset = random.Random(seed).randrange(RELEASE_EVERY)
    release = {}
    for i in range(1 + offset, len(instance.x), RELEASE_EVERY):
        reach = math.hypot(instance.x[i] - instance.x[0], instance.y[i] - instance.y[0]) / instance.speed
        release[i] = max(0, math.floor(min(instance.ready[i] / 2, instance.due[i] - reach)))
    return MultiTrip(
        instance,
        fleet=math.ceil(bks_routes / FLEET_DIVISOR),
        capacity=instance.capacity // 2,
        reload_time=RELOAD_TIME,
        max_duration=math.floor(DURATION_SHARE * (instance.due[0] - instance.ready[0])),
        release=release,
    )


def multitrip_problem(mt: MultiTrip) -> tuple[Problem, Matrix, list[int]]:
    """lastmile's problem for ``mt``: :func:`~benchmarks.convert.instance_to_problem` with the site's reload time,
    ``fleet`` couriers of ``capacity`` without a trip limit and with the day limit, and the release times as
    the orders' ready times. Returns ``(problem, matrix, nodes)`` as that function does; raises ``ValueError`` if
    the instance has fewer vehicles than the fleet."""
    problem, matrix, nodes = instance_to_problem(mt.instance)
    if mt.fleet > len(problem.couriers):
        raise ValueError(f"{mt.instance.name}: fleet {mt.fleet} above the instance's {len(problem.couriers)} vehicles")
    site = replace(problem.sites[0], reload_s=mt.reload_time * SCALE)
    couriers = tuple(
        replace(c, max_trips=None, max_duration_s=mt.max_duration * SCALE, capacity=Capacity(mt.capacity))
        for c in problem.couriers[: mt.fleet]
    )
    node_of = {o: nodes[problem.delivery_node(o)] for o in range(len(problem.orders))}
    ready = {o: mt.release[node] * SCALE for o, node in node_of.items() if node in mt.release}
    orders = tuple(replace(order, ready_s=ready.get(o)) for o, order in enumerate(problem.orders))
    return replace(problem, sites=(site,), couriers=couriers, orders=orders), matrix, nodes


def plan_trips(plan: Plan, nodes: Sequence[int]) -> Days:
    """The plan's routes as days of trips of instance nodes: a new trip wherever a stop's trip index changes."""
    return [
        [[nodes[stop.node] for stop in stops] for _, stops in itertools.groupby(route.stops, key=lambda s: s.trip)]
        for route in plan.routes
    ]


def solve_lastmile(
    problem: Problem, matrix: Matrix, nodes: Sequence[int], params: SolveParams, seed: int
) -> tuple[Days, SolveStats]:
    """Solve with :func:`routing.solve`; returns the days as instance nodes and the solve's statistics."""
    plan = solve(problem, matrix, params=params, seed=seed)
    return plan_trips(plan, nodes), plan.stats


def check_multitrip(mt: MultiTrip, days: Sequence[Sequence[Sequence[int]]]) -> TripsCheckResult:
    """:func:`~benchmarks.checker.check_trips` of ``days`` against ``mt``'s rules."""
    return check_trips(
        mt.instance,
        days,
        reload_time=mt.reload_time,
        release=mt.release,
        max_duration=mt.max_duration,
        capacity=mt.capacity,
        fleet=mt.fleet,
    )


@dataclass(frozen=True)
class Comparison:
    """One instance: its size, how many customers a vehicle can serve alone, the fleet, both checks, and how
    lastmile's solve ended (status, solutions, wall time)."""

    instance: str
    customers: int
    servable: int
    fleet: int
    lastmile: TripsCheckResult
    pyvrp: TripsCheckResult
    lastmile_status: str = ""
    pyvrp_returned: bool = True

    @property
    def gap_pct(self) -> float | None:
        """lastmile's distance above PyVRP's in percent, when both are feasible."""
        if not (self.lastmile.feasible and self.pyvrp.feasible) or self.pyvrp.distance == 0:
            return None
        return 100 * (self.lastmile.distance / self.pyvrp.distance - 1)


def compare(mt: MultiTrip, time_limit_s: float, seed: int) -> Comparison:
    """Solve ``mt`` with both solvers for ``time_limit_s`` each and check both."""
    problem, matrix, nodes = multitrip_problem(mt)
    customers = range(1, len(mt.instance.x))
    servable = sum(check_multitrip(mt, [[[i]]]).feasible for i in customers)
    ours, stats = solve_lastmile(problem, matrix, nodes, SolveParams(time_limit_s=time_limit_s), seed)
    pyvrp_run = partial(solve_pyvrp, problem, matrix, nodes, time_limit_s, seed, reloads=True)
    theirs = bounded(pyvrp_run, PYVRP_GRACE * time_limit_s)
    return Comparison(
        mt.instance.name,
        len(customers),
        servable,
        mt.fleet,
        check_multitrip(mt, ours),
        check_multitrip(mt, theirs or []),
        f"{stats.status}, {stats.solutions} solutions in {stats.wall_s:.1f} s",
        theirs is not None,
    )


def _cells(check: TripsCheckResult) -> str:
    return f"{check.served} | {check.distance:.2f} | {check.trips} | {'yes' if check.feasible else 'NO'}"


def report(rows: Sequence[Comparison], time_limit_s: float, seed: int) -> str:
    """The Markdown results: the rules, a row per instance, the totals and targets, and the first five violations
    of each solver on each instance."""
    version = metadata.version("pyvrp")
    offset = random.Random(seed).randrange(RELEASE_EVERY)
    lines = [
        f"# Multi-trip VRPTW: lastmile against PyVRP {version}",
        "",
        f"Gehring–Homberger 200-customer instances made multi-trip (`benchmarks/multitrip.py`): fleet ⌈BKS routes / "
        f"{FLEET_DIVISOR}⌉, capacity halved per trip, reload {RELOAD_TIME} at the depot between trips, day at most "
        f"{DURATION_SHARE} × the depot horizon, release times on customers {1 + offset}, {1 + offset + RELEASE_EVERY}, "
        f"… (seed {seed}). Both solvers get the same integer matrices and objective, {time_limit_s:g} s, one thread "
        f"and seed {seed}; served, distance (instance units, double precision) and trips are the independent "
        "checker's. Gap: lastmile's distance above PyVRP's when both are feasible, in parentheses where they serve "
        "different numbers of customers.",
        "",
        "| instance | customers (servable alone) | fleet | lastmile served | distance | trips | feasible "
        "| PyVRP served | distance | trips | feasible | gap % |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        if not r.pyvrp_returned:
            lines.append(
                f"| {r.instance} | {r.customers} ({r.servable}) | {r.fleet} | {_cells(r.lastmile)} "
                f"| no result: PyVRP's search did not return within {PYVRP_GRACE:g} × the limit | | | | - |"
            )
            continue
        gap = "-" if r.gap_pct is None else f"{r.gap_pct:+.2f}"
        if r.gap_pct is not None and r.lastmile.served != r.pyvrp.served:
            gap = f"({gap})"
        lines.append(
            f"| {r.instance} | {r.customers} ({r.servable}) | {r.fleet} | {_cells(r.lastmile)} | {_cells(r.pyvrp)} "
            f"| {gap} |"
        )
    both = [r for r in rows if r.pyvrp_returned]
    ours, theirs = sum(r.lastmile.served for r in both), sum(r.pyvrp.served for r in both)
    fewer = sum(r.lastmile.served < r.pyvrp.served for r in both)
    level = [r.gap_pct for r in both if r.gap_pct is not None and r.lastmile.served == r.pyvrp.served]
    mean = sum(level) / len(level) if level else None
    lines += [
        "",
        f"- served, on the {len(both)} instances where PyVRP returned: lastmile {ours}, PyVRP {theirs} (lastmile "
        f"serves fewer on {fewer})",
        "- mean gap where both are feasible and serve as many: "
        + ("-" if mean is None else f"{mean:+.2f} % over {len(level)} instances"),
        f"- targets: lastmile serves at least as many customers: {'met' if ours >= theirs else 'NOT met'}; drives at "
        f"most 2 % more on the mean: {'-' if mean is None else 'met' if mean <= 2 else 'NOT met'}",
        "- models: the same feasibility (PyVRP charges its depot service, the reload time, before every trip: its "
        "times are shifted by it so that the first loading ends at the opening); lastmile bounds each courier's "
        "trips (`routing.trips`), PyVRP does not; lastmile's time limit includes building its model, and its route "
        "elimination prefers fewer couriers before a lower cost.",
    ]
    for r in rows:
        for solver, check in (("lastmile", r.lastmile), ("PyVRP", r.pyvrp)):
            if check.violations:
                shown = "; ".join(check.violations[:5])
                more = f" (and {len(check.violations) - 5} more)" if len(check.violations) > 5 else ""
                lines.append(f"- {r.instance} {solver} violations: {shown}{more}")
    return "\n".join(lines) + "\n"


def _fail(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return 2


def main(argv: list[str] | None = None) -> int:
    """Command-line entry: compare on each instance (progress on stderr), print the Markdown and write it with
    ``--out``. Returns 2 (with a message) when PyVRP, the data or an argument is missing or wrong."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.multitrip", description=__doc__.splitlines()[0])
    parser.add_argument("--time-limit", type=float, default=30.0, help="seconds per solver and instance")
    parser.add_argument("--out", type=Path, help="write the Markdown results here")
    parser.add_argument("--data-dir", type=Path, help="benchmark data (default: ../shared/benchmarks)")
    parser.add_argument("--instances", type=int, help=f"solve only the first N of {len(SUBSET)}")
    parser.add_argument("--seed", type=int, default=0, help="picks the released customers; seeds both solvers")
    args = parser.parse_args(argv)
    if importlib.util.find_spec("pyvrp") is None:
        return _fail("pyvrp is not installed; install the peers extra: pip install -e .[peers]")
    if args.time_limit <= 0 or (args.instances is not None and args.instances < 1):
        return _fail("--time-limit must be > 0 and --instances >= 1")
    data_dir = args.data_dir or default_data_dir()
    if data_dir is None or not data_dir.is_dir():
        return _fail(f"--data-dir: {data_dir or '../shared/benchmarks'} does not exist")
    names = SUBSET[: args.instances]
    paths = [data_dir / SET / f"{name}.txt" for name in names]
    missing = [str(p) for p in paths if not p.is_file()]
    if missing or not (data_dir / "bks.csv").is_file():
        return _fail(f"--data-dir: missing {(missing or [str(data_dir / 'bks.csv')])[0]}")
    bks = read_bks(data_dir / "bks.csv")
    if unknown := [n for n in names if (SET, n) not in bks]:
        return _fail(f"{data_dir / 'bks.csv'}: no best-known result for {unknown[0]}")
    # a compile of the multi-trip search (once per install) would otherwise land in the first instance's time
    print(f"routing.tripls compiled or loaded in {tripls.warm_up():.1f} s", file=sys.stderr, flush=True)
    rows = []
    for k, (name, path) in enumerate(zip(names, paths, strict=True), 1):
        started = time.monotonic()
        mt = make_multitrip(read_instance(path, SET), bks[(SET, name)][0], args.seed)
        row = compare(mt, args.time_limit, args.seed)
        rows.append(row)
        print(
            f"[{k}/{len(names)}] {name}: lastmile {row.lastmile.served} served, {row.lastmile.distance:.2f}, "
            f"{'feasible' if row.lastmile.feasible else 'INFEASIBLE'} ({row.lastmile_status}); "
            f"PyVRP {row.pyvrp.served} served, "
            f"{row.pyvrp.distance:.2f}, {'feasible' if row.pyvrp.feasible else 'INFEASIBLE'} "
            f"(both {time.monotonic() - started:.1f} s)",
            file=sys.stderr,
            flush=True,
        )
    text = report(rows, args.time_limit, args.seed)
    print(text, end="")
    if args.out:
        write_results(args.out, text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
