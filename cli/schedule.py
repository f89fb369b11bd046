"""The ``check`` and ``promise`` commands: a plan someone edited, and the slots a storefront could promise."""

from __future__ import annotations

import json
import sys
from dataclasses import asdict
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from cli.common import MatrixFile, console, parse_clock, problem_and_travel, provider, run, show_clock, write_json
from geo import LegProvider
from geo.files import read_json
from routing import InputError, Problem
from routing.plan_json import plan_to_json, routes_from_json
from routing.vroom_json import load_vroom
from routing.vroom_output import plan_to_vroom, routes_from_vroom
from routing.vroom_spec import VroomIndex
from scheduling import Demand, PromiseDesk, live_at
from scheduling.check import CheckReport, ViolationKind, check_routes

__all__ = ["Format", "FormatOption", "check_command", "promise_command", "vroom_travel"]

Roads = Annotated[
    Path | None,
    typer.Option("--roads", help="OSM .pbf for road travel times (default: straight line x 1.3 at profile speed)"),
]
CacheDir = Annotated[Path | None, typer.Option("--cache-dir", help="cache road matrices here")]


class Format(StrEnum):
    """The formats of a problem and its plan: lastmile's, or VROOM's input and output."""

    LASTMILE = "lastmile"
    VROOM = "vroom"


FormatOption = Annotated[
    Format, typer.Option("--format", help="lastmile's files, or VROOM's input and output (docs/problem-format.md)")
]
VROOM_CAUSES = {
    ViolationKind.LATE: "delay",
    ViolationKind.SHIFT_EXCEEDED: "delay",
    ViolationKind.OVER_CAPACITY: "load",
    ViolationKind.MISSING_SKILL: "skills",
    ViolationKind.PICKUP_MISSING: "precedence",
    ViolationKind.BREAK_MISSED: "missing_break",
    ViolationKind.OVER_DURATION: "max_travel_time",
    ViolationKind.OVER_DISTANCE: "max_distance",
}
"""VROOM's violation ``cause`` for a lastmile violation (others keep lastmile's kind, in lower case)."""


def vroom_travel(
    path: Path, matrix: Path | None, roads: Path | None, cache_dir: Path | None
) -> tuple[Problem, LegProvider, VroomIndex]:
    """The VROOM input at ``path`` as a problem, where its travel times come from (its matrices, else ``--roads``
    or straight line) and its :class:`~routing.vroom_spec.VroomIndex`; ``InputError`` for ``--matrix``, or
    ``--roads`` beside matrices."""
    if matrix is not None:
        raise InputError("--matrix: a VROOM input gives its own matrices")
    problem, table, index = load_vroom(path)
    if table is not None and roads is not None:
        raise InputError("--roads: the VROOM input has matrices; leave --roads out")
    return problem, table or provider(roads, cache_dir), index


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
    fmt: FormatOption = Format.LASTMILE,
) -> None:
    """Re-time PLAN and list every rule it breaks (late, shift, capacity, site, stock, zone, skill, pairing).

    With --format vroom, PROBLEM is a VROOM input and PLAN a VROOM output, and -o writes the re-timed plan as VROOM
    output with the violations. Exit status: 0 when the plan is valid, 1 when it breaks a rule, 2 for bad input.
    """

    def body() -> bool:
        if fmt is Format.VROOM:
            return _check_vroom(vroom_travel(problem, matrix, roads, cache_dir), plan, out)
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


def _check_vroom(read: tuple[Problem, LegProvider, VroomIndex], plan_path: Path, out: Path | None) -> bool:
    """``check --format vroom``: the VROOM output at ``plan_path`` re-timed and checked against the VROOM input
    ``read`` by :func:`vroom_travel`; the report printed, and written to ``out`` as VROOM output whose routes list
    their violations. True when the plan breaks no rule."""
    problem, legs, index = read
    routes = routes_from_vroom(problem, index, read_json(plan_path))
    with console.status("travel matrix"):
        matrix = legs.matrix(problem.locations(), sorted({c.profile for c in problem.couriers}))
    report = check_routes(problem, matrix, routes)
    _print_check(problem, report)
    if out is not None:
        found: dict[int, list[dict[str, str]]] = {}
        for v in report.violations:
            cause = VROOM_CAUSES.get(v.kind, v.kind.value.lower())
            found.setdefault(v.courier, []).append({"cause": cause, "description": v.message})
        write_json(out, plan_to_vroom(problem, report.plan, matrix, index, violations=found))
    return report.ok


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
