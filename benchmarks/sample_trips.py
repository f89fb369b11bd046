"""The Helsinki sample morning as multi-trip days: served orders, waits inside trips, breaks, trips per courier.

``python -m benchmarks.sample_trips [--time-limit 20 30] [--max-wait-s 900] [--solution-limit N] [--out FILE.md]``
solves ``data/sample_problem.json`` (30 kg cargo bikes, store picking, reloads, a break per courier) on the road
graph of ``data/helsinki.osm.pbf`` once per time limit (and once on solution limits), and reports what issue 24 asks
of it: every order served but the ``NO_STOCK`` ones, no courier waiting more than 15 minutes at a stop inside a trip
(its first stop aside: the trip leaves the site when it must), every break taken; with the plan's trips, distance,
how many waits there are inside trips and how long they are together, and the checker's verdict.
"""

from __future__ import annotations

import argparse
from collections import Counter
from pathlib import Path

from benchmarks.environment import write_results
from geo import RoadGraphProvider
from routing import SolveParams, load_problem, solve
from routing.plan import Plan
from routing.plan_json import plan_to_json, routes_from_json
from scheduling.check import check_routes

__all__ = ["main", "waits_in_trips"]

DATA = Path(__file__).resolve().parents[1] / "data"


def waits_in_trips(plan: Plan) -> list[int]:
    """The waits (s) at the stops inside trips (arrived before the stop starts), first stops of trips aside."""
    return [
        s.start_s - s.arrival_s
        for r in plan.routes
        for k, s in enumerate(r.stops)
        if k > 0 and r.stops[k - 1].trip == s.trip and s.start_s > s.arrival_s
    ]


def main() -> None:
    """Solve the sample at each ``--time-limit`` and print (and with ``--out`` write) the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--time-limit", type=float, nargs="+", default=[20.0, 30.0])
    parser.add_argument("--max-wait-s", type=int, default=900)
    parser.add_argument(
        "--solution-limit", type=int, help="also solve once with each search stopped after N solutions (as the test)"
    )
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    problem = load_problem(DATA / "sample_problem.json")
    matrix = RoadGraphProvider(DATA / "helsinki.osm.pbf").matrix(problem.locations(), ["bike", "car"])
    lines = [
        f"Sample problem, {len(problem.orders)} orders, {len(problem.couriers)} couriers, road matrix, "
        f"`max_wait_s` {args.max_wait_s}, seed 0.",
        "",
        "| run | served | unassigned | couriers | trips | km | longest wait in a trip | waits: count, total "
        "| breaks taken | check |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    runs = [(f"{limit:g} s", SolveParams(time_limit_s=limit, max_wait_s=args.max_wait_s)) for limit in args.time_limit]
    if args.solution_limit:
        capped = SolveParams(time_limit_s=600, solution_limit=args.solution_limit, max_wait_s=args.max_wait_s)
        runs.append((f"{args.solution_limit} solutions", capped))
    for name, params in runs:
        plan = solve(problem, matrix, params=params)
        s = plan.summary
        reasons = ", ".join(f"{n} {r}" for r, n in sorted(Counter(u.reason.value for u in plan.unassigned).items()))
        breaks = sum(len(r.breaks) for r in plan.routes)
        owed = sum(len(problem.couriers[r.courier].breaks) for r in plan.routes)
        waits = waits_in_trips(plan)
        report = check_routes(problem, matrix, routes_from_json(problem, plan_to_json(problem, plan)))
        verdict = "valid" if report.ok else ", ".join(sorted({v.kind.value for v in report.violations}))
        lines.append(
            f"| {name} ({plan.stats.wall_s:.0f} s) | {s.orders_served} | {reasons or '-'} | {s.routes} | {s.trips} | "
            f"{s.distance_m / 1000:.1f} | {max(waits, default=0) / 60:.1f} min | "
            f"{len(waits)}, {sum(waits) / 60:.0f} min | {breaks} of {owed} | {verdict} |"
        )
        print(lines[-1], flush=True)
    text = "\n".join(lines) + "\n"
    if args.out:
        write_results(args.out, text)


if __name__ == "__main__":
    main()
