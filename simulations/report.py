"""The simulation report: a Markdown page and the same as HTML, with the KPI table, what changed between the
scenarios and why, and the figures."""

from __future__ import annotations

import html
import math
import re
from collections.abc import Mapping, Sequence
from pathlib import Path

from geo import RoadGraphProvider
from simulations.kpis import ETA_HORIZONS_MIN, KPI_TABLE, Kpis, by_scenario
from simulations.log import DayLog
from simulations.plots import plot_delivery_times, plot_gantt, plot_kpi_bars, plot_map

__all__ = ["compare", "kpi_rows", "write_report"]


def _cell(value: float, fmt: str) -> str:
    return "–" if isinstance(value, float) and math.isnan(value) else fmt.format(value)


def kpi_rows(names: Sequence[str], kpis: Sequence[Kpis]) -> list[list[str]]:
    """The KPI table as rows of text: a header (``KPI`` and the scenario names), then one row per KPI."""
    rows = [["KPI", *names]]
    for field, label, fmt in KPI_TABLE:
        rows.append([label, *(_cell(getattr(k, field), fmt) for k in kpis)])
    for m in ETA_HORIZONS_MIN:
        rows.append(
            [
                f"ETA mean absolute error {m} min before arrival (min)",
                *(_cell(k.eta_mae_min[m], "{:.1f}") for k in kpis),
            ]
        )
    for field, label in (("refused_by_reason", "refused"), ("refused_idle_by_reason", "refused, an able courier idle")):
        reasons = sorted({r for k in kpis for r in getattr(k, field)})
        for r in reasons:
            rows.append([f"{label}: {r}", *(_cell(getattr(k, field).get(r, 0.0), "{:.0f}") for k in kpis)])
    return rows


def compare(names: Sequence[str], kpis: Sequence[Kpis]) -> list[str]:
    """Sentences saying how each scenario differs from the first and through what: where the orders were
    served from, how far couriers drove per order, how many orders could be taken and kept on time."""
    base, lines = kpis[0], []
    for name, k in zip(names[1:], kpis[1:], strict=True):
        lines.append(
            f"**{name}** against **{names[0]}**: {k.accepted - base.accepted:+.0f} orders accepted "
            f"({k.acceptance_rate:.1%} vs {base.acceptance_rate:.1%}), on time {k.on_time_rate:.1%} vs "
            f"{base.on_time_rate:.1%}, mean delivery {k.delivery_mean_min:.0f} vs {base.delivery_mean_min:.0f} min."
        )
        lines.append(
            f"Why: {k.forward_share:.0%} of the orders reached were served from forward warehouses "
            f"(vs {base.forward_share:.0%}); couriers drove {k.km_per_order:.2f} km per order (vs "
            f"{base.km_per_order:.2f}) and were out {k.utilisation:.0%} of their shift time "
            f"(vs {base.utilisation:.0%}); "
            f"{k.orders_per_courier_hour:.2f} orders per courier-hour (vs {base.orders_per_courier_hour:.2f}) in "
            f"{k.trips_per_courier_hour:.2f} trips per courier-hour (vs {base.trips_per_courier_hour:.2f}), "
            f"leaving {k.order_to_departure_min:.0f} min after the order (vs {base.order_to_departure_min:.0f}) and "
            f"waiting {k.wait_per_trip_min:.1f} min at doors per trip (vs {base.wait_per_trip_min:.1f}). "
            + _refusals(base, k)
        )
    return lines


def _refusals(base: Kpis, other: Kpis) -> str:
    reasons = sorted(set(base.refused_by_reason) | set(other.refused_by_reason))
    if not reasons:
        return "No order was refused in either."
    parts = [f"{r} {other.refused_by_reason.get(r, 0):.0f} vs {base.refused_by_reason.get(r, 0):.0f}" for r in reasons]
    idle = (
        f" Refused while an able courier was idle: {other.refused_idle:.0f} ({other.refused_idle_share:.0%} of the "
        f"refusals) vs {base.refused_idle:.0f} ({base.refused_idle_share:.0%})."
    )
    return "Refusals by reason: " + ", ".join(parts) + "." + idle


def _markdown(
    title: str, intro: list[str], rows: list[list[str]], explained: list[str], images: list[tuple[str, str]]
) -> str:
    out = [f"# {title}", "", "\n\n".join(intro), "", "| " + " | ".join(rows[0]) + " |", "|" + "---|" * len(rows[0])]
    out += ["| " + " | ".join(r) + " |" for r in rows[1:]]
    if explained:
        out += ["", "## What changed, and why", "", *(f"- {line}" for line in explained)]
    out += ["", "## Figures", ""]
    out += [f"![{alt}]({src})\n" for alt, src in images]
    return "\n".join(out) + "\n"


def _inline(text: str) -> str:
    return re.sub(r"\*\*(.+?)\*\*", r"<b>\1</b>", html.escape(text))


def _html(
    title: str, intro: list[str], rows: list[list[str]], explained: list[str], images: list[tuple[str, str]]
) -> str:
    head = "".join(f"<th>{html.escape(c)}</th>" for c in rows[0])
    body = "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in r) + "</tr>" for r in rows[1:])
    parts = [
        "<!doctype html><html><head><meta charset='utf-8'>",
        f"<title>{html.escape(title)}</title><style>body{{font-family:sans-serif;max-width:1100px;margin:auto}}",
        "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}",
        "td:first-child{text-align:left}img{max-width:100%}</style></head><body>",
        f"<h1>{html.escape(title)}</h1>",
        *(f"<p>{_inline(p)}</p>" for p in intro),
        f"<table><tr>{head}</tr>{body}</table>",
    ]
    if explained:
        parts += ["<h2>What changed, and why</h2><ul>", *(f"<li>{_inline(x)}</li>" for x in explained), "</ul>"]
    parts += ["<h2>Figures</h2>", *(f"<p><img src='{src}' alt='{html.escape(alt)}'></p>" for alt, src in images)]
    return "\n".join([*parts, "</body></html>"]) + "\n"


def write_report(days: Sequence[DayLog], out: Path, roads: Mapping[str, RoadGraphProvider] | None = None) -> list[Path]:
    """Write ``report.md``, ``report.html`` and the PNG figures into ``out`` (created if needed); return the paths.

    Days of the same scenario (several seeds) are averaged in the table; the figures show each scenario's first
    seed. ``roads`` gives the road graph a scenario (by name) ran on: its map's trips follow those streets, drawn
    under them; a scenario without one is drawn in straight lines.
    """
    out.mkdir(parents=True, exist_ok=True)
    names, kpis = by_scenario(days)
    first = [next(d for d in days if d.scenario == n) for n in names]
    seeds = {n: sorted(d.seed for d in days if d.scenario == n) for n in names}
    images = [("KPIs per scenario", "kpis.png"), ("delivery times", "delivery_times.png")]
    plot_kpi_bars(names, kpis, out / "kpis.png")
    plot_delivery_times(names, first, out / "delivery_times.png")
    for k, day in enumerate(first):
        plot_gantt(day, out / f"gantt_{k + 1}.png")
        plot_map(day, out / f"map_{k + 1}.png", (roads or {}).get(day.scenario))
        images += [
            (f"{day.scenario}: courier timeline", f"gantt_{k + 1}.png"),
            (f"{day.scenario}: trips", f"map_{k + 1}.png"),
        ]
    epoch = first[0].epoch
    intro = [
        f"Simulated day{'' if epoch is None else f' {epoch:%Y-%m-%d}'}; scenarios: "
        + "; ".join(f"**{n}** (seeds {', '.join(map(str, seeds[n]))})" for n in names)
        + ". Figures are means over the seeds.",
        "Wall time per day: "
        + ", ".join(
            f"{d.scenario} seed {d.seed} ({d.dispatch} dispatch): {d.wall_s:.0f} s, "
            f"{d.replans_kept}/{d.replans} re-plans kept"
            for d in days
        )
        + ".",
    ]
    rows = kpi_rows(names, kpis)
    explained = compare(names, kpis) if len(names) > 1 else []
    title = "lastmile what-if report"
    (out / "report.md").write_text(_markdown(title, intro, rows, explained, images))
    (out / "report.html").write_text(_html(title, intro, rows, explained, images))
    return [out / "report.md", out / "report.html", *(out / src for _, src in images)]
