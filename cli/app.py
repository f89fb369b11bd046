"""The ``lastmile`` command line: solve, bench, schema, warm, check, promise, forecasting, simulate, demo, serve,
worker."""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from cli.common import MatrixFile, console, problem_and_travel, run, show_clock, write_json
from cli.forecast import forecast_command, generate_history_command, preposition_command
from cli.schedule import Format, FormatOption, check_command, promise_command, vroom_travel
from cli.serve import serve_command, worker_command
from cli.simulate import demo_command, simulate_command
from geo import Matrix, MatrixProvider, PathProvider
from routing import InputError, Plan, Problem, SolveParams, fastls, problem_json_schema, solve, tripls
from routing.plan_json import plan_to_geojson, plan_to_json
from routing.vroom_output import plan_to_vroom

__all__ = ["app"]

app = typer.Typer(
    add_completion=False,
    pretty_exceptions_enable=False,
    no_args_is_help=True,
    help="lastmile: last-mile delivery routing from stores and forward warehouses.",
)
REPO_DATA = Path(__file__).resolve().parents[1] / "data"


@contextmanager
def _progress_bar(time_limit_s: float) -> Iterator[Callable[[str, float, int], None]]:
    with Progress(
        TextColumn("{task.description:<18}"),
        BarColumn(),
        TextColumn("{task.fields[objective]}"),
        TimeElapsedColumn(),
        console=console,
        transient=False,
    ) as bar:
        task = bar.add_task("building", total=time_limit_s, objective="")

        def report(phase: str, elapsed_s: float, objective: int) -> None:
            bar.update(task, description=phase, completed=min(elapsed_s, time_limit_s), objective=f"cost {objective:,}")

        yield report
        bar.update(task, description="done", completed=time_limit_s)


def _solve_file(problem: Problem, provider: MatrixProvider, params: SolveParams, seed: int) -> tuple[Plan, Matrix]:
    """Build the travel matrix and solve within ``params.time_limit_s`` (the matrix included); the plan and the
    matrix it was solved on."""
    started = time.monotonic()
    with console.status("travel matrix"):
        matrix = provider.matrix(problem.locations(), sorted({c.profile for c in problem.couriers}))
    left = params.time_limit_s - (time.monotonic() - started)
    if left <= 0.2:
        raise InputError(f"--time-limit: {params.time_limit_s} s is used up by the travel matrix alone")
    if not (fastls.ready() and tripls.ready()):
        console.print(
            "note: the compiled searches are not compiled yet, so this solve uses OR-Tools' search alone; "
            "'lastmile warm' compiles them once (~1.5 min)"
        )
    with _progress_bar(left) as report:
        plan = solve(problem, matrix, params=replace(params, time_limit_s=left), seed=seed, progress=report)
    return plan, matrix


def _print_summary(problem: Problem, plan: Plan) -> None:
    s = plan.summary
    table = Table(title=f"{problem.name}: {s.orders_served}/{len(problem.orders)} orders served")
    for col in ("courier", "site", "profile", "trips", "stops", "km", "start", "end"):
        table.add_column(col, justify="right" if col in ("trips", "stops", "km") else "left")
    for r in plan.routes:
        c = problem.couriers[r.courier]
        start, end = (show_clock(problem, t) for t in (r.start_s, r.end_s))
        table.add_row(
            c.id,
            problem.sites[r.site].id,
            c.profile,
            str(len(r.trips)),
            str(len(r.stops)),
            f"{r.distance_m / 1000:.1f}",
            start,
            end,
        )
    table.add_section()
    table.add_row("total", "", "", str(s.trips), str(s.orders_served), f"{s.distance_m / 1000:.1f}", "", "")
    Console().print(table)
    reasons: dict[str, int] = {}
    for u in plan.unassigned:
        reasons[u.reason.value] = reasons.get(u.reason.value, 0) + 1
    if reasons:
        Console().print("unassigned: " + ", ".join(f"{n} {reason}" for reason, n in sorted(reasons.items())))
    Console().print(
        f"{s.routes} routes, {s.trips} trips, {s.distance_m / 1000:.1f} km, {s.duration_s / 3600:.1f} courier-hours, "
        f"solved in {plan.stats.wall_s:.1f} s ({plan.stats.solutions} solutions)"
    )


def _solve_and_write(
    problem_path: Path,
    out: Path,
    geojson: Path | None,
    params: SolveParams,
    seed: int,
    roads: Path | None,
    cache_dir: Path | None,
    matrix: Path | None,
) -> None:
    problem, travel = problem_and_travel(problem_path, matrix, roads, cache_dir)
    plan, _ = _solve_file(problem, travel, params, seed)
    write_json(out, plan_to_json(problem, plan))
    if geojson is not None:
        paths = travel if isinstance(travel, PathProvider) else None  # streets with --roads
        write_json(geojson, plan_to_geojson(problem, plan, paths))
    _print_summary(problem, plan)
    console.print(f"wrote {out}" + (f" and {geojson}" if geojson else ""))


def _solve_vroom(
    problem_path: Path,
    out: Path,
    geojson: Path | None,
    params: SolveParams,
    seed: int,
    travel: tuple[Path | None, Path | None, Path | None],
) -> None:
    """``solve --format vroom``: the VROOM input at ``problem_path`` solved, written to ``out`` as VROOM output;
    ``travel`` is ``(--matrix, --roads, --cache-dir)``."""
    if geojson is not None:
        raise InputError("--geojson: not written with --format vroom")
    started = time.monotonic()
    problem, legs, index = vroom_travel(problem_path, *travel)
    plan, matrix = _solve_file(problem, legs, params, seed)  # a VROOM output needs the legs it was solved on
    solving_ms = round(plan.stats.wall_s * 1000)
    loading_ms = max(0, round((time.monotonic() - started) * 1000) - solving_ms)
    write_json(out, plan_to_vroom(problem, plan, matrix, index, computing_ms=(loading_ms, solving_ms)))
    _print_summary(problem, plan)
    console.print(f"wrote {out}")


TimeLimit = Annotated[float, typer.Option("--time-limit", help="hard wall-clock budget in seconds, matrix included")]
Seed = Annotated[int, typer.Option("--seed", help="seed for repeatable runs")]
Workers = Annotated[int, typer.Option("--workers", help="parallel search processes (default: all cores)")]
CORES = os.cpu_count() or 1


@app.command("solve")
def solve_command(
    problem: Annotated[Path, typer.Argument(help="problem JSON (docs/problem-format.md)")],
    out: Annotated[Path, typer.Option("-o", "--out", help="where to write the plan JSON")] = Path("plan.json"),
    time_limit: TimeLimit = 10.0,
    seed: Seed = 0,
    geojson: Annotated[Path | None, typer.Option("--geojson", help="also write the routes as GeoJSON")] = None,
    roads: Annotated[
        Path | None,
        typer.Option("--roads", help="OSM .pbf for road travel times (default: straight line x 1.3 at profile speed)"),
    ] = None,
    params: Annotated[Path | None, typer.Option("--params", help="solver parameters TOML")] = None,
    cache_dir: Annotated[Path | None, typer.Option("--cache-dir", help="cache road matrices here")] = None,
    workers: Workers = CORES,
    matrix: MatrixFile = None,
    fmt: FormatOption = Format.LASTMILE,
) -> None:
    """Solve PROBLEM and write the plan (routes, stop times, unassigned orders with reasons).

    With --format vroom, PROBLEM is a VROOM input and the plan is written as VROOM output.
    """

    def body() -> None:
        base = SolveParams.from_toml(params) if params else SolveParams()
        chosen = replace(base, time_limit_s=time_limit, workers=workers)
        if fmt is Format.VROOM:
            _solve_vroom(problem, out, geojson, chosen, seed, (matrix, roads, cache_dir))
        else:
            _solve_and_write(problem, out, geojson, chosen, seed, roads, cache_dir, matrix)

    run(body)


@app.command("schema")
def schema_command() -> None:
    """Print the JSON Schema of the problem format."""
    sys.stdout.write(json.dumps(problem_json_schema(), indent=1) + "\n")


@app.command("warm")
def warm_command() -> None:
    """Compile lastmile's two compiled searches ahead, once per install (numba keeps them on disk): a timed solve
    uses them only once compiled, OR-Tools' search alone before."""

    def body() -> None:
        for name, warm_up in (
            ("single-trip descent (routing.fastls)", fastls.warm_up),
            ("search of whole days of trips (routing.tripls)", tripls.warm_up),
        ):
            with console.status(f"compiling the {name}"):
                took_s = warm_up()
            console.print(f"the {name}: ready in {took_s:.1f} s")

    run(body)


@app.command("bench")
def bench_command(
    set_name: Annotated[str, typer.Argument(metavar="SET", help="e.g. vrptw/solomon, pdptw/li_lim_100")],
    instances: Annotated[str | None, typer.Option("--instances", help="comma-separated names (default: all)")] = None,
    time_limit: TimeLimit = 10.0,
    data_dir: Annotated[
        Path | None, typer.Option("--data-dir", help="benchmark data (default ../shared/benchmarks)")
    ] = None,
    out: Annotated[Path, typer.Option("--out", help="results CSV")] = Path("results.csv"),
    seed: Seed = 0,
    workers: Workers = CORES,
    repeat: Annotated[
        int, typer.Option("--repeat", help="solve each instance this many times, seeds SEED, SEED+1, ...")
    ] = 1,
    peer: Annotated[
        str | None, typer.Option("--peer", help="also solve each instance with this peer solver: pyvrp (peers extra)")
    ] = None,
) -> None:
    """Solve public benchmark instances and compare with the best-known solutions (and a peer solver)."""
    from benchmarks.runner import run_bench

    params = SolveParams(time_limit_s=time_limit, workers=workers)
    names = instances.split(",") if instances else None
    run(lambda: run_bench(set_name, names, params, data_dir, out, seed, console, repeat, peer))


app.command("check")(check_command)
app.command("promise")(promise_command)
app.command("generate-history")(generate_history_command)
app.command("forecast")(forecast_command)
app.command("preposition")(preposition_command)
app.command("simulate")(simulate_command)
app.command("demo")(demo_command)
app.command("serve")(serve_command)
app.command("worker")(worker_command)
