"""lastmile against VROOM (pyvroom) on VROOM inputs: the ``tests/data/vroom`` fixtures and Solomon instances.

``python -m benchmarks.vroom_peer --time-limit 10 --out benchmarks/results/vroom_peer.md [--data-dir DIR]
[--instances C101,R101,RC101,R201] [--workers 2] [--seed 0]`` compares with pyvroom 1.15.2 (``pip install -e
.[peers]``; without it the VROOM columns stay empty and the results say why) and, for the Solomon rows, needs the
public instances (``--data-dir``, default ``../shared/benchmarks``; without them those rows are left out, saying so).

Both solvers get each input with matrices: a fixture with coordinates gets lastmile's straight-line matrix per
profile (:func:`with_matrices`, what ``lastmile solve`` would use), a Solomon instance becomes VROOM jobs
(:func:`solomon_to_vroom`: distances × ``SCALE`` rounded, travel times rounded up, its vehicles at the depot).
lastmile solves as ``lastmile solve --format vroom`` does, with ``--workers`` processes; pyvroom with
``exploration_level`` 5, as many threads and ``timeout`` the time limit. lastmile's limit covers reading the input
and building its model, pyvroom's its search. Both VROOM outputs are then re-timed and checked by the code of
``lastmile check --format vroom``, which gives both rows their figures the same way: tasks served, cost (VROOM's:
travel time), distance, routes, violations. Solomon routes are checked again by the independent double-precision
checker (:mod:`benchmarks.checker`), in instance units. Wall time is each solver's whole call.
"""

from __future__ import annotations

import argparse
import copy
import importlib.util
import json
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.checker import CheckResult, check_routes
from benchmarks.environment import write_results
from benchmarks.instances import Instance, read_bks, read_instance
from benchmarks.runner import default_data_dir
from geo import StraightLineProvider
from routing import SolveParams, solve
from routing.vroom_json import PROFILE_NAMES, read_vroom
from routing.vroom_output import plan_to_vroom, routes_from_vroom
from scheduling.check import check_routes as check_plan

__all__ = [
    "SCALE",
    "SOLOMON",
    "Outcome",
    "Row",
    "compare",
    "evaluate",
    "main",
    "report",
    "solomon_to_vroom",
    "solve_lastmile",
    "solve_vroom",
    "with_matrices",
]

FIXTURES = Path(__file__).resolve().parents[1] / "tests" / "data" / "vroom"
SOLOMON = ("C101", "R101", "RC101", "R201")
SET = "vrptw/solomon"
SCALE = 100
"""VROOM units per Solomon unit: VROOM's times are 32-bit and lastmile's within 14 days, so 1000 is too many."""


def _places(data: dict[str, Any]) -> list[dict[str, Any]]:
    """Every object of a VROOM input that has a location, with the keys of its location and index."""
    places = [(v, end, f"{end}_index") for end in ("start", "end") for v in data["vehicles"]]
    places += [(j, "location", "location_index") for j in data.get("jobs", [])]
    steps = [s[side] for s in data.get("shipments", []) for side in ("pickup", "delivery")]
    places += [(step, "location", "location_index") for step in steps]
    return [{"at": obj, "location": key, "index": index} for obj, key, index in places if key in obj]


def with_matrices(data: dict[str, Any]) -> dict[str, Any]:
    """``data`` itself when it has matrices; else a copy with every distinct location numbered (``*_index``) and
    ``matrices`` (durations and distances) from lastmile's straight line for each profile its vehicles use."""
    if "matrices" in data or "matrix" in data:
        return data
    data = copy.deepcopy(data)
    numbered: dict[tuple[float, float], int] = {}
    for place in _places(data):
        lon, lat = place["at"][place["location"]]
        place["at"][place["index"]] = numbered.setdefault((lat, lon), len(numbered))
    profiles = sorted({v.get("profile", "car") for v in data["vehicles"]})
    lines = StraightLineProvider().matrix(list(numbered), [PROFILE_NAMES[p] for p in profiles])
    data["matrices"] = {
        p: {
            "durations": lines.duration_s[PROFILE_NAMES[p]].tolist(),
            "distances": lines.distance_m[PROFILE_NAMES[p]].tolist(),
        }
        for p in profiles
    }
    return data


def solomon_to_vroom(instance: Instance) -> dict[str, Any]:
    """A Solomon instance as VROOM input: node ``i`` is matrix row ``i`` and customer ``i`` job ``i``."""
    xy = np.column_stack([instance.x, instance.y])
    length = np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1)) * SCALE
    window = [round(instance.ready[0] * SCALE), round(instance.due[0] * SCALE)]
    vehicle = {"start_index": 0, "end_index": 0, "capacity": [instance.capacity], "time_window": window}
    return {
        "vehicles": [{"id": k, **vehicle} for k in range(instance.vehicles)],
        "jobs": [
            {
                "id": i,
                "location_index": i,
                "delivery": [int(instance.demand[i])],
                "service": round(instance.service[i] * SCALE),
                "time_windows": [[round(instance.ready[i] * SCALE), round(instance.due[i] * SCALE)]],
            }
            for i in range(1, len(instance.x))
        ],
        "matrices": {
            "car": {
                "durations": np.ceil(length - 1e-6).astype(np.int64).tolist(),
                "distances": np.rint(length).astype(np.int64).tolist(),
            }
        },
    }


def solve_lastmile(data: dict[str, Any], time_limit_s: float, workers: int, seed: int) -> dict[str, Any]:
    """``lastmile solve --format vroom`` of ``data``: its VROOM output."""
    started = time.monotonic()
    problem, table, index = read_vroom(data)
    assert table is not None  # with_matrices gave it matrices
    matrix = table.matrix(problem.locations(), sorted({c.profile for c in problem.couriers}))
    left = time_limit_s - (time.monotonic() - started)
    plan = solve(problem, matrix, params=SolveParams(time_limit_s=left, workers=workers), seed=seed)
    return plan_to_vroom(problem, plan, matrix, index)


def solve_vroom(data: dict[str, Any], time_limit_s: float, workers: int) -> dict[str, Any]:
    """pyvroom's solve of ``data`` (read from a JSON file, as ``vroom -i`` does): its VROOM output. Raises
    ``ImportError`` if pyvroom is not installed."""
    import vroom

    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / "input.json"
        path.write_text(json.dumps(data))
        problem = vroom.Input.from_json(path)
    solution = problem.solve(exploration_level=5, nb_threads=workers, timeout=timedelta(seconds=time_limit_s))
    return dict(solution.to_dict())


@dataclass(frozen=True)
class Outcome:
    """One solver's output on one input, as ``lastmile check --format vroom`` re-times it: tasks served, cost
    (travel time), distance (``None`` when the input has no real distances), routes, violations, wall time; for
    Solomon, the independent checker's result."""

    served: int
    cost: int
    distance: int | None
    routes: int
    violations: int
    wall_s: float
    checked: CheckResult | None = None


def evaluate(data: dict[str, Any], output: dict[str, Any], wall_s: float, instance: Instance | None) -> Outcome:
    """Re-time and check ``output`` against ``data``; with ``instance``, check its routes independently too."""
    problem, table, index = read_vroom(data)
    assert table is not None
    matrix = table.matrix(problem.locations(), sorted({c.profile for c in problem.couriers}))
    report = check_plan(problem, matrix, routes_from_vroom(problem, index, output))
    summary = plan_to_vroom(problem, report.plan, matrix, index)["summary"]
    tasks = sum(len(o.tasks) for o in index.orders)
    checked = None
    if instance is not None:
        routes = [[st["id"] for st in r["steps"] if st["type"] == "job"] for r in output["routes"]]
        checked = check_routes(instance, routes)
    served, violations = tasks - summary["unassigned"], len(report.violations)
    distance = summary.get("distance")
    return Outcome(served, summary["cost"], distance, summary["routes"], violations, wall_s, checked)


@dataclass(frozen=True)
class Row:
    """One input: its name and number of tasks, lastmile's outcome and VROOM's (``None`` without pyvroom); for a
    Solomon instance, its best-known ``(vehicles, distance)``."""

    name: str
    tasks: int
    lastmile: Outcome
    vroom: Outcome | None
    best: tuple[int, float] | None = None


def _timed(solver: Any, *args: Any) -> tuple[dict[str, Any], float]:
    started = time.monotonic()
    output = solver(*args)
    return output, time.monotonic() - started


def compare(
    name: str, data: dict[str, Any], args: argparse.Namespace, with_vroom: bool, instance: Instance | None, best: Any
) -> Row:
    """Solve ``data`` (given matrices) with lastmile, then with pyvroom when ``with_vroom``, one after the other;
    ``instance`` and ``best`` (its best-known result) for a Solomon input."""
    data = with_matrices(data)
    ours, wall = _timed(solve_lastmile, data, args.time_limit, args.workers, args.seed)
    row_ours = evaluate(data, ours, wall, instance)
    row_theirs = None
    if with_vroom:
        theirs, wall = _timed(solve_vroom, data, args.time_limit, args.workers)
        row_theirs = evaluate(data, theirs, wall, instance)
    tasks = len(data.get("jobs", [])) + 2 * len(data.get("shipments", []))
    return Row(name, tasks, row_ours, row_theirs, best)


def _cells(o: Outcome | None) -> str:
    if o is None:
        return "| | | | | |"
    distance = "-" if o.distance is None else f"{o.distance:,}"
    return f"| {o.served} | {o.cost:,} | {distance} | {o.routes} | {o.violations} | {o.wall_s:.1f}"


def report(rows: Sequence[Row], args: argparse.Namespace, notes: Sequence[str]) -> str:
    """The Markdown results: one row per input, then the Solomon rows' independent check and best-known."""
    version = metadata.version("pyvroom") if importlib.util.find_spec("vroom") else "not installed"
    lines = [
        f"# lastmile against VROOM (pyvroom {version}) on VROOM inputs",
        "",
        f"`python -m benchmarks.vroom_peer --time-limit {args.time_limit:g} --workers {args.workers} --seed "
        f"{args.seed}`: each input solved by `lastmile solve --format vroom`'s code and by pyvroom "
        f"(exploration level 5, {args.workers} threads, timeout {args.time_limit:g} s), one after the other; both "
        "outputs re-timed and checked by `lastmile check --format vroom`'s code, which gives every figure: tasks "
        "served, cost (travel time, VROOM's default cost; Solomon in instance units × 100), distance, routes, "
        "violations. Wall: each solver's whole call.",
        "",
        "| input | tasks | lastmile served | cost | distance | routes | violations | wall s "
        "| VROOM served | cost | distance | routes | violations | wall s |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    lines += [f"| {r.name} | {r.tasks} {_cells(r.lastmile)} {_cells(r.vroom)} |" for r in rows]
    solomon = [r for r in rows if r.lastmile.checked is not None]
    if solomon:
        lines += [
            "",
            "Solomon routes, independent double-precision checker (instance units): distance (routes), feasible; "
            "best-known (hierarchical: fewest vehicles first) for reference. Neither solver minimises vehicles here "
            "(no fixed cost in the VROOM input).",
            "",
            "| instance | lastmile | feasible | VROOM | feasible | best-known |",
            "|---|---|---|---|---|---|",
        ]
        for r in solomon:
            cells = []
            for o in (r.lastmile, r.vroom):
                c = o.checked if o is not None else None
                cells += ["", ""] if c is None else [f"{c.distance:.2f} ({c.vehicles})", "yes" if c.feasible else "NO"]
            best = "" if r.best is None else f"{r.best[1]:.2f} ({r.best[0]})"
            lines.append(f"| {r.name} | {' | '.join(cells)} | {best} |")
    lines += ["", *(f"- {note}" for note in notes)]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Command-line entry: compare on every fixture and the Solomon instances (progress on stderr), print the
    Markdown and write it with ``--out``. Returns 2 for a wrong argument."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.vroom_peer", description=__doc__.splitlines()[0])
    parser.add_argument("--time-limit", type=float, default=10.0, help="seconds per solver and input")
    parser.add_argument("--out", type=Path, help="write the Markdown results here")
    parser.add_argument("--data-dir", type=Path, help="benchmark data (default: ../shared/benchmarks)")
    parser.add_argument("--instances", default=",".join(SOLOMON), help="Solomon instances, comma-separated")
    parser.add_argument("--workers", type=int, default=2, help="lastmile's processes and pyvroom's threads")
    parser.add_argument("--seed", type=int, default=0, help="lastmile's seed")
    args = parser.parse_args(argv)
    if args.time_limit <= 0 or args.workers < 1:
        print("error: --time-limit must be > 0 and --workers >= 1", file=sys.stderr)
        return 2
    with_vroom = importlib.util.find_spec("vroom") is not None
    notes = [] if with_vroom else ["pyvroom is not installed (pip install -e .[peers]): the VROOM columns are empty"]
    inputs: list[tuple[str, dict[str, Any], Instance | None]] = [
        (path.stem, json.loads(path.read_text()), None) for path in sorted(FIXTURES.glob("*.json"))
    ]
    data_dir = args.data_dir or default_data_dir()
    bks = read_bks(data_dir / "bks.csv") if data_dir and (data_dir / "bks.csv").is_file() else {}
    for name in filter(None, args.instances.split(",")):
        path = (data_dir / SET / f"{name}.txt") if data_dir else None
        if path is None or not path.is_file():
            notes.append(f"{name}: no {SET}/{name}.txt under --data-dir {data_dir}; left out")
            continue
        solomon = read_instance(path, SET)
        inputs.append((name, solomon_to_vroom(solomon), solomon))
    rows = []
    for name, data, instance in inputs:
        print(f"{name} ...", file=sys.stderr, flush=True)
        rows.append(compare(name, data, args, with_vroom, instance, bks.get((SET, name))))
    text = report(rows, args, notes)
    print(text)
    if args.out:
        write_results(args.out, text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
