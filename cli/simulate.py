"""``lastmile simulate`` (what-if days, scenario against scenario) and ``lastmile demo`` (the shipped Helsinki
comparison): a progress bar per simulated day, a KPI table on the terminal, the report written to a folder."""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, cast

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from cli.common import console, run
from geo import RoadGraphProvider
from routing.errors import InputError
from simulations.batch import QUEUE, run_batch, run_day
from simulations.kpis import by_scenario
from simulations.log import DayLog
from simulations.report import kpi_rows, write_report
from simulations.scenario import Scenario, load_scenario
from simulations.world import city_provider

__all__ = ["demo_command", "simulate_command"]

SCENARIOS = Path(__file__).resolve().parents[1] / "data" / "scenarios"
CORES = os.cpu_count() or 1
DEMO = ("helsinki_prepositioned.toml", "helsinki_stores_only.toml")


def _seeds(text: str | None, scenario: Scenario) -> list[int]:
    if text is None:
        return [scenario.seed]
    try:
        seeds = [int(part) for part in text.split(",")]
    except ValueError:
        raise InputError(f"--seeds: {text!r} is not a comma-separated list of integers") from None
    if not seeds or min(seeds) < 0:
        raise InputError("--seeds: give one or more seeds >= 0")
    return seeds


def _on_queue(runs: Sequence[tuple[Scenario, int]], redis_url: str) -> list[DayLog]:
    """Enqueue every day on the RQ ``simulations`` queue and wait for ``lastmile worker`` processes to run them."""
    from redis import Redis
    from redis.exceptions import ConnectionError as RedisDown
    from rq import Queue

    redis = Redis.from_url(redis_url)
    try:
        redis.ping()
    except RedisDown:
        raise InputError(f"--redis-url: no Redis answers at {redis_url}") from None
    jobs = [Queue(QUEUE, connection=redis).enqueue(run_day, s, seed, job_timeout=3600) for s, seed in runs]
    with console.status(f"{len(jobs)} days queued on {QUEUE!r}; waiting for `lastmile worker`s"):
        while any(j.get_status(refresh=True) not in ("finished", "failed") for j in jobs):
            time.sleep(0.5)
    failed = [j.id for j in jobs if j.get_status() == "failed"]
    if failed:
        raise RuntimeError(f"simulation jobs failed on the workers: {', '.join(failed)}")
    return [cast(DayLog, j.return_value()) for j in jobs]


def _road_graphs(scenarios: Sequence[Scenario]) -> dict[str, RoadGraphProvider]:
    """The road graph each scenario runs on, by name (one provider per extract), for the report's maps."""
    graphs: dict[Path, RoadGraphProvider] = {}
    by_name = {}
    for scenario in (s for s in scenarios if s.city.network == "helsinki"):  # the others have no streets
        city = city_provider(scenario)
        assert isinstance(city, RoadGraphProvider)
        by_name[scenario.name] = graphs.setdefault(city.pbf_path, city)
    return by_name


def _simulate(paths: Sequence[Path], seeds: str | None, out: Path, workers: int, redis_url: str | None) -> None:
    scenarios = [load_scenario(p) for p in paths]
    runs = [(s, seed) for s in scenarios for seed in _seeds(seeds, s)]
    started = time.monotonic()
    if redis_url is not None:
        days = _on_queue(runs, redis_url)
    else:
        with Progress(
            TextColumn("{task.description:<28}"),
            BarColumn(),
            TextColumn("{task.fields[clock]}"),
            TimeElapsedColumn(),
            console=console,
        ) as bar:
            tasks = [bar.add_task(f"{s.name} (seed {seed})", total=1.0, clock="") for s, seed in runs]

            def progress(k: int, now_s: int, end_s: int) -> None:
                bar.update(tasks[k], completed=now_s / end_s, clock=f"{now_s // 3600:02d}:{now_s % 3600 // 60:02d}")

            days = run_batch(runs, workers, progress)
    _print_kpis(days)
    written = write_report(days, out, _road_graphs(scenarios))
    console.print(
        f"wrote {written[0]} and {written[1]} with {len(written) - 2} figures in {time.monotonic() - started:.0f} s"
    )


def _print_kpis(days: Sequence[DayLog]) -> None:
    header, *rows = kpi_rows(*by_scenario(days))
    table = Table(title="simulated day: KPIs (mean over seeds)")
    table.add_column(header[0])
    for name in header[1:]:
        table.add_column(name, justify="right")
    for row in rows:
        table.add_row(*row)
    Console().print(table)


Out = Annotated[Path, typer.Option("-o", "--out", help="report folder (report.md, report.html, PNG figures)")]
Seeds = Annotated[str | None, typer.Option("--seeds", help="comma-separated seeds (default: each scenario's own)")]
Workers = Annotated[int, typer.Option("--workers", help="days simulated in parallel (default: all cores)")]


def simulate_command(
    scenario: Annotated[Path, typer.Argument(help="scenario TOML (docs/simulations.md)")],
    compare: Annotated[list[Path] | None, typer.Option("--compare", help="other scenario TOML to compare")] = None,
    out: Out = Path("report"),
    seeds: Seeds = None,
    workers: Workers = CORES,
    redis_url: Annotated[
        str | None, typer.Option("--redis-url", help="run the days on `lastmile worker`s through this Redis")
    ] = None,
) -> None:
    """Simulate a day of SCENARIO (and of each --compare scenario) and write the KPI report."""
    run(lambda: _simulate([scenario, *(compare or [])], seeds, out, workers, redis_url))


def demo_command(
    out: Out = Path("report"),
    seeds: Seeds = None,
    workers: Workers = CORES,
) -> None:
    """A simulated day in central Helsinki: forward warehouses pre-positioned from the forecast vs stores only."""

    def body() -> None:
        paths = [SCENARIOS / name for name in DEMO]
        missing = [p for p in paths if not p.exists()]
        if missing:
            raise InputError(f"demo: {missing[0]} is missing; install from a checkout with `pip install -e .`")
        _simulate(paths, seeds, out, workers, None)

    run(body)
