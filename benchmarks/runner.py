"""``lastmile bench``: solve public instances, re-check the routes independently, compare with best-known.

Each row of the results CSV is recomputed by :mod:`benchmarks.checker` from the returned routes (double
precision), never taken from the solver: ``set,instance,seed,vehicles,distance,bks_vehicles,bks_distance,gap_pct,
feasible,wall_s,solver``. ``wall_s`` covers reading, converting, solving and checking the instance. With ``repeat``
> 1 every instance is solved once per seed (``seed``, ``seed + 1``, ...), one row each, so that a change can be
judged against the run-to-run spread. With ``peer="pyvrp"`` each instance and seed is also solved by PyVRP on the
same integer problem, seed and wall time (:mod:`benchmarks.pyvrp_peer`; its search gets what is left of the limit
after reading and converting), one more row (``solver`` = ``pyvrp``), and the summary gives the distance ratio.
"""

from __future__ import annotations

import csv
import importlib.util
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path

from rich.console import Console
from rich.table import Table

from benchmarks.checker import check_routes
from benchmarks.convert import instance_to_problem, plan_to_routes
from benchmarks.environment import packages_beside
from benchmarks.instances import list_instances, read_bks, read_instance
from benchmarks.pyvrp_peer import PYVRP_GRACE, bounded, solve_pyvrp
from routing import InputError, SolveParams, solve

__all__ = ["COLUMNS", "PEERS", "BenchRow", "default_data_dir", "peer_ratio", "run_bench", "run_instance"]

COLUMNS = (
    "set",
    "instance",
    "seed",
    "vehicles",
    "distance",
    "bks_vehicles",
    "bks_distance",
    "gap_pct",
    "feasible",
    "wall_s",
    "solver",
)
PEERS = ("pyvrp",)

_SUMMARY = (  # the summary table's columns, for each seed and for all runs
    "feasible",
    "routes > BKS",
    "routes > BKS+1",
    "extra routes",
    "at BKS routes",
    "mean gap there",
    "max wall_s",
)


@dataclass(frozen=True)
class BenchRow:
    """One instance's result, as written to the CSV."""

    set: str
    instance: str
    seed: int
    vehicles: int
    distance: float
    bks_vehicles: int | None
    bks_distance: float | None
    feasible: bool
    wall_s: float
    solver: str = "lastmile"

    @property
    def gap_pct(self) -> float | None:
        """Distance above the best-known, in percent (whatever the number of routes)."""
        return None if self.bks_distance is None else 100 * (self.distance / self.bks_distance - 1)

    def as_csv(self) -> list[str]:
        """The row's cells, in ``COLUMNS`` order."""
        gap = self.gap_pct
        return [
            self.set,
            self.instance,
            str(self.seed),
            str(self.vehicles),
            f"{self.distance:.4f}",
            "" if self.bks_vehicles is None else str(self.bks_vehicles),
            "" if self.bks_distance is None else f"{self.bks_distance:.4f}",
            "" if gap is None else f"{gap:.3f}",
            str(self.feasible).lower(),
            f"{self.wall_s:.2f}",
            self.solver,
        ]


def default_data_dir() -> Path | None:
    """``../shared/benchmarks`` beside the project checkout, if it exists."""
    candidate = Path(__file__).resolve().parents[1].parent / "shared" / "benchmarks"
    return candidate if candidate.is_dir() else None


def run_instance(
    path: Path,
    set_name: str,
    params: SolveParams,
    seed: int,
    bks: dict[tuple[str, str], tuple[int, float]],
    solver: str = "lastmile",
) -> BenchRow:
    """Read, solve (with lastmile, or the peer ``solver``) and independently check one instance within
    ``params.time_limit_s`` (reading included)."""
    started = time.monotonic()
    instance = read_instance(path, set_name)
    problem, matrix, nodes = instance_to_problem(instance)
    left = max(params.time_limit_s - (time.monotonic() - started), 0.2)
    if solver == "lastmile":
        routes = plan_to_routes(solve(problem, matrix, params=replace(params, time_limit_s=left), seed=seed), nodes)
    else:
        job = partial(solve_pyvrp, problem, matrix, nodes, left, seed, reloads=False)
        days = bounded(job, PYVRP_GRACE * left)
        routes = [] if days is None else [[node for trip in day for node in trip] for day in days]
    check = check_routes(instance, routes)
    best = bks.get((set_name, instance.name))
    return BenchRow(
        set_name,
        instance.name,
        seed,
        check.vehicles,
        check.distance,
        best[0] if best else None,
        best[1] if best else None,
        check.feasible,
        time.monotonic() - started,
        solver,
    )


def _select(data_dir: Path, set_name: str, names: Sequence[str] | None) -> list[Path]:
    if not (data_dir / set_name).is_dir():
        sets = sorted(str(p.parent.relative_to(data_dir)) for p in data_dir.glob("*/*/*.txt"))
        raise InputError(f"SET: no folder {set_name!r} in {data_dir}; sets: {', '.join(sorted(set(sets)))}")
    paths = list_instances(data_dir, set_name)
    if names is None:
        return paths
    by_name = {p.stem.lower(): p for p in paths}
    missing = [n for n in names if n.lower() not in by_name]
    if missing:
        raise InputError(f"--instances: no instance {missing[0]!r} in {set_name}")
    return [by_name[n.lower()] for n in names]


def run_bench(
    set_name: str,
    names: Sequence[str] | None,
    params: SolveParams,
    data_dir: Path | None,
    out: Path,
    seed: int,
    console: Console,
    repeat: int = 1,
    peer: str | None = None,
) -> list[BenchRow]:
    """Run a benchmark set ``repeat`` times (seeds ``seed`` onwards), and with the ``peer`` solver too, write the CSV
    (atomically, when done) and print a summary table with a row per seed and solver. Raises ``InputError`` for a
    wrong option, a peer that is not installed or cannot model the set."""
    if repeat < 1:
        raise InputError(f"--repeat: must be >= 1, got {repeat}")
    solvers = ["lastmile", *_peer(peer, set_name)]
    data_dir = data_dir or default_data_dir()
    if data_dir is None or not data_dir.is_dir():
        raise InputError("--data-dir: not given and ../shared/benchmarks does not exist")
    set_name = set_name.strip("/")
    paths = _select(data_dir, set_name, names)
    bks = read_bks(data_dir / "bks.csv") if (data_dir / "bks.csv").exists() else {}
    rows: list[BenchRow] = []
    tmp = out.with_name(out.name + ".tmp")
    with tmp.open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(COLUMNS)
        runs = [(path, s, solver) for path in paths for s in range(seed, seed + repeat) for solver in solvers]
        for k, (path, run_seed, solver) in enumerate(runs, 1):
            row = run_instance(path, set_name, params, run_seed, bks, solver)
            rows.append(row)
            writer.writerow(row.as_csv())
            fh.flush()
            gap = "" if row.gap_pct is None else f" gap {row.gap_pct:+.2f}%"
            console.print(
                f"[{k}/{len(runs)}] {row.instance} seed {run_seed} {solver}: {row.vehicles} routes "
                f"(bks {row.bks_vehicles}), "
                f"{row.distance:.2f}{gap}, {'feasible' if row.feasible else 'INFEASIBLE'}, "
                f"{row.wall_s:.1f} s",
                highlight=False,
            )
    tmp.replace(out)
    packages_beside(out)
    _print_summary(set_name, rows, params)
    console.print(f"wrote {out}")
    return rows


def _peer(peer: str | None, set_name: str) -> list[str]:
    """The peer solvers to run beside lastmile: none, or ``peer`` if it is known, installed and can model the set."""
    if peer is None:
        return []
    if peer not in PEERS:
        raise InputError(f"--peer: unknown peer {peer!r}; known: {', '.join(PEERS)}")
    if not set_name.startswith("vrptw/"):
        raise InputError(f"--peer: {peer} runs on the VRPTW sets only (PyVRP has no pickup-and-delivery pairs)")
    if importlib.util.find_spec(peer) is None:
        raise InputError(f"--peer: {peer} is not installed; install the peers extra: pip install -e '.[peers]'")
    return [peer]


def _print_summary(set_name: str, rows: list[BenchRow], params: SolveParams) -> None:
    seeds, solvers = sorted({r.seed for r in rows}), list(dict.fromkeys(r.solver for r in rows))
    instances = len(rows) // max(1, len(seeds) * len(solvers))
    table = Table(title=f"{set_name}: {instances} instances at {params.time_limit_s:g} s, {params.workers} workers")
    for col in ("seed", "solver", *_SUMMARY):
        table.add_column(col, justify="right")
    for solver in solvers:
        mine = [r for r in rows if r.solver == solver]
        for s in seeds:
            table.add_row(str(s), solver, *_summary_cells([r for r in mine if r.seed == s]))
        if len(seeds) > 1:
            table.add_row("all", solver, *_summary_cells(mine))
    Console().print(table)
    if len(solvers) > 1:
        Console().print(peer_ratio(rows, solvers[1]))


def peer_ratio(rows: Sequence[BenchRow], peer: str) -> str:
    """A line comparing lastmile with ``peer`` over the instance runs both solved feasibly: the ratio of total
    distances and the extra routes lastmile uses."""
    theirs = {(r.instance, r.seed): r for r in rows if r.solver == peer and r.feasible}
    ours = [r for r in rows if r.solver == "lastmile" and r.feasible and (r.instance, r.seed) in theirs]
    pairs = [(r, theirs[r.instance, r.seed]) for r in ours]
    if not pairs:
        return f"lastmile / {peer}: no run both solved feasibly"
    ratio = sum(a.distance for a, b in pairs) / sum(b.distance for a, b in pairs)
    extra = sum(a.vehicles - b.vehicles for a, b in pairs) / len(pairs)
    return (
        f"lastmile / {peer} over {len(pairs)} runs both solved feasibly: distance ratio {ratio:.4f}, "
        f"{extra:+.2f} routes per instance"
    )


def _summary_cells(rows: list[BenchRow]) -> list[str]:
    """The summary columns (``_SUMMARY``) over ``rows``."""
    known = [r for r in rows if r.bks_vehicles is not None]
    at_bks = [r for r in known if r.vehicles <= (r.bks_vehicles or 0) and r.gap_pct is not None]
    return [
        f"{sum(r.feasible for r in rows)}/{len(rows)}",
        str(sum(r.vehicles > (r.bks_vehicles or 0) for r in known)),
        str(sum(r.vehicles > (r.bks_vehicles or 0) + 1 for r in known)),
        str(sum(r.vehicles - (r.bks_vehicles or 0) for r in known)),
        str(len(at_bks)),
        f"{sum(r.gap_pct or 0 for r in at_bks) / len(at_bks):+.2f}%" if at_bks else "-",
        f"{max((r.wall_s for r in rows), default=0):.1f}",
    ]
