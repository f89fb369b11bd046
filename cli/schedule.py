"""The ``check`` and ``promise`` commands: a plan someone edited, and the slots a storefront could promise."""

from __future__ import annotations

import json
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from cli.common import MatrixFile, console, parse_clock, problem_and_travel, run, show_clock, write_json
from geo import LegProvider
from geo.files import read_json
from routing import InputError, Problem
from routing.plan_json import plan_to_json, routes_from_json
from scheduling import Demand, PromiseDesk, live_at
from scheduling.check import CheckReport, check_routes

__all__ = ["check_command", "promise_command"]

Roads = Annotated[
    Path | None,
    typer.Option("--roads", help="OSM .pbf for road travel times (default: straight line x 1.3 at profile speed)"),
]
CacheDir = Annotated[Path | None, typer.Option("--cache-dir", help="cache road matrices here")]


def _checked(problem: Problem, legs: LegProvider, plan_path: Path) -> tuple[CheckReport, Any]:
    """The plan at ``plan_path`` re-timed and checked, and the travel matrix it was timed with."""
    routes = routes_from_json(problem, read_json(plan_path))
    profiles = sorted({c.profile for c in problem.couriers})
    with console.status("travel matrix"):
        matrix = legs.matrix(problem.locations(), profiles)
    return check_routes(problem, matrix, routes), matrix


def _print_check(problem: Problem, report: CheckReport) -> None:
    table = Table(title=f"{problem.name}: {len(report.plan.routes)} routes re-timed")
    for col in ("courier", "stops", "start", "end", "late stops"):
        table.add_column(col)
    for timed in report.timed:
        r = timed.route
        late = sum(1 for x in timed.late_s if x > 0)
        table.add_row(
            problem.couriers[r.courier].id,
            str(len(r.stops)),
            show_clock(problem, r.start_s),
            show_clock(problem, r.end_s),
            str(late),
        )
    out = Console()
    out.print(table)
    for v in report.violations:
        out.print(f"{v.kind.value:<15} {v.message}", highlight=False)
    out.print("plan is valid" if report.ok else f"{len(report.violations)} violations")


def check_command(
    problem: Annotated[Path, typer.Argument(help="problem JSON (docs/problem-format.md)")],
    plan: Annotated[Path, typer.Argument(help="plan JSON as `lastmile solve` writes it, maybe edited by hand")],
    out: Annotated[Path | None, typer.Option("-o", "--out", help="also write the report (times, violations)")] = None,
    roads: Roads = None,
    cache_dir: CacheDir = None,
    matrix: MatrixFile = None,
) -> None:
    """Re-time PLAN and list every rule it breaks (late, shift, capacity, site, stock, zone, skill, pairing).

    Exit status: 0 when the plan is valid, 1 when it breaks a rule, 2 for bad input.
    """

    def body() -> bool:
        problem_, legs = problem_and_travel(problem, matrix, roads, cache_dir)
        report, _ = _checked(problem_, legs, plan)
        _print_check(problem_, report)
        if out is not None:
            data = plan_to_json(problem_, report.plan)
            data["violations"] = [
                {
                    **asdict(v),
                    "kind": v.kind.value,
                    "courier": problem_.couriers[v.courier].id,
                    "order": (problem_.orders[v.order].id if v.order is not None else None),
                }
                for v in report.violations
            ]
            write_json(out, data)
        return report.ok

    if not run(body):
        raise typer.Exit(1)


def _parse_items(text: str) -> dict[str, int]:
    items: dict[str, int] = {}
    for part in filter(None, text.split(",")):
        sku, _, qty = part.partition(":")
        if not sku or not (qty or "1").isdigit() or int(qty or "1") <= 0:
            raise InputError(f"--items: {part!r} is not SKU:QUANTITY with a quantity above 0")
        items[sku] = items.get(sku, 0) + int(qty or "1")
    if not items:
        raise InputError("--items: at least one SKU:QUANTITY is needed")
    return items


def _parse_address(text: str) -> tuple[float, float]:
    try:
        lat, lon = (float(v) for v in text.split(","))
    except ValueError:
        raise InputError(f"--address: {text!r} is not LAT,LON") from None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise InputError(f"--address: {text!r} is outside the globe")
    return lat, lon


def promise_command(
    problem: Annotated[Path, typer.Argument(help="problem JSON")],
    plan: Annotated[Path, typer.Argument(help="the live plan JSON")],
    address: Annotated[str, typer.Option("--address", help="delivery address as LAT,LON")],
    items: Annotated[str, typer.Option("--items", help="basket as SKU:QTY,SKU:QTY")],
    at: Annotated[str, typer.Option("--at", help="when the customer asks: ISO 8601, HH:MM or seconds")],
    weight_g: Annotated[int, typer.Option("--weight-g", help="basket weight in grams")] = 1000,
    service_s: Annotated[int, typer.Option("--service-s", help="handover time at the door, seconds")] = 120,
    as_json: Annotated[bool, typer.Option("--json", help="print the offer as JSON on stdout")] = False,
    roads: Roads = None,
    cache_dir: CacheDir = None,
    matrix: MatrixFile = None,
) -> None:
    """Delivery slots the plan can keep for a basket at an address, as if the plan ran on time until --at."""

    def body() -> None:
        basket, where = _parse_items(items), _parse_address(address)
        if weight_g < 0 or service_s < 0:
            raise InputError("--weight-g / --service-s: must be >= 0")
        problem_, legs = problem_and_travel(problem, matrix, roads, cache_dir)
        report, travel = _checked(problem_, legs, plan)
        now = parse_clock(problem_, at, "--at")
        desk = PromiseDesk(live_at(problem_, travel, report.plan, now), legs)
        offer = desk.offer(Demand(basket, weight_g, service_s=service_s), where, now)
        slots = [
            {
                "from": show_clock(problem_, s.window.start_s),
                "to": show_clock(problem_, s.window.end_s),
                "site": problem_.sites[s.site].id,
                "expected": show_clock(problem_, s.arrival_s),
                "confidence": s.confidence,
                "asap": s.asap,
            }
            for s in offer.slots
        ]
        if as_json:
            reason = offer.reason.value if offer.reason else None
            sys.stdout.write(json.dumps({"slots": slots, "reason": reason}, indent=1) + "\n")
            return
        if not slots:
            Console().print(f"no slot: {offer.reason.value if offer.reason else 'none'}")
            return
        table = Table(title=f"slots for {sum(basket.values())} items at {where[0]:.5f},{where[1]:.5f}")
        for col in ("window", "site", "expected", "confidence"):
            table.add_column(col)
        for s in slots:
            label = f"{s['from']}–{s['to']}" + (" (asap)" if s["asap"] else "")
            table.add_row(label, str(s["site"]), str(s["expected"]), f"{s['confidence']:.0%}")
        Console().print(table)

    run(body)
