"""The report's figures (matplotlib, PNG): KPI bars per scenario, delivery-time distribution, courier Gantt
chart and a map of the trips (along the streets, over them, when the day ran on a road graph)."""

from __future__ import annotations

import itertools
import math
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection

from geo import RoadGraphProvider, box_around
from geo.matrix import Point
from geo.paths import joined_path, legs_by_profile
from simulations.kpis import Kpis
from simulations.log import DayLog

__all__ = ["plot_delivery_times", "plot_gantt", "plot_kpi_bars", "plot_map"]

_KIND_COLOUR = {"store": "tab:blue", "forward_warehouse": "tab:orange"}
_MAP_MARGIN_M = 100.0
_MAX_STREETS = 20_000


def plot_kpi_bars(names: Sequence[str], kpis: Sequence[Kpis], path: Path) -> None:
    """Shares (acceptance, on time, forward warehouses, utilisation) and minutes / km side by side per scenario."""
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4))
    shares = [("accepted", "acceptance_rate"), ("on time", "on_time_rate"), ("from FW", "forward_share")]
    shares.append(("utilisation", "utilisation"))
    width = 0.8 / len(names)
    for k, (name, kpi) in enumerate(zip(names, kpis, strict=True)):
        left.bar(
            [i + k * width for i in range(len(shares))], [100 * getattr(kpi, f) for _, f in shares], width, label=name
        )
        values = [kpi.delivery_mean_min, kpi.delivery_p90_min, 10 * kpi.km_per_order]
        right.bar([i + k * width for i in range(3)], values, width, label=name)
    left.set_xticks([i + 0.4 - width / 2 for i in range(len(shares))], [s for s, _ in shares])
    left.set_ylabel("%")
    right.set_xticks(
        [i + 0.4 - width / 2 for i in range(3)], ["delivery mean (min)", "delivery p90 (min)", "km/order × 10"]
    )
    left.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plot_delivery_times(names: Sequence[str], logs: Sequence[DayLog], path: Path) -> None:
    """Histogram of minutes from order to door, one outline per scenario."""
    fig, ax = plt.subplots(figsize=(8, 4))
    for name, log in zip(names, logs, strict=True):
        minutes = [(o.arrival_s - o.placed_s) / 60 for o in log.orders if o.arrival_s is not None]
        ax.hist(minutes, bins=range(0, 241, 10), histtype="step", linewidth=2, label=f"{name} ({len(minutes)})")
    ax.set_xlabel("minutes from order to door")
    ax.set_ylabel("orders")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plot_gantt(log: DayLog, path: Path) -> None:
    """One row per courier: its shift (grey) and its trips (coloured by the site's kind)."""
    fig, ax = plt.subplots(figsize=(11, max(3, 0.25 * len(log.couriers) + 1)))
    row = {c.id: k for k, c in enumerate(log.couriers)}
    for c in log.couriers:
        ax.barh(row[c.id], (c.shift.end_s - c.shift.start_s) / 3600, left=c.shift.start_s / 3600, color="0.9")
    for trip in log.trips:
        colour = _KIND_COLOUR.get(log.site_kinds.get(trip.site, ""), "tab:gray")
        ax.barh(row[trip.courier], (trip.end_s - trip.start_s) / 3600, left=trip.start_s / 3600, color=colour)
    ax.set_yticks(range(len(log.couriers)), [c.id for c in log.couriers], fontsize=6)
    ax.set_xlabel("hour of the day")
    ax.set_title(f"{log.scenario}: trips per courier (blue from stores, orange from forward warehouses)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _trip_lines(log: DayLog, roads: RoadGraphProvider | None) -> list[list[Point]]:
    """Each trip's line through the places the courier reached: straight, or along the streets of ``roads``."""
    if roads is None:
        return [list(trip.path) for trip in log.trips]
    profile = {c.id: c.profile for c in log.couriers}
    hops = [(profile[t.courier], a, b) for t in log.trips for a, b in itertools.pairwise(t.path)]
    legs = legs_by_profile(roads, hops)
    return [
        joined_path([legs[(profile[t.courier], a, b)] for a, b in itertools.pairwise(t.path)])
        if len(t.path) > 1
        else list(t.path)
        for t in log.trips
    ]


def _street_backdrop(ax: Axes, roads: RoadGraphProvider, profile: str, box: tuple[float, float, float, float]) -> None:
    """The streets of ``profile`` that touch ``box`` (south, west, north, east) as thin light-grey lines."""
    streets = roads.streets(profile).within(*box, _MAX_STREETS)
    lines = [[(lon, lat) for lat, lon in street] for street in streets]
    ax.add_collection(LineCollection(lines, colors="0.85", linewidths=0.5, zorder=0))


def plot_map(log: DayLog, path: Path, roads: RoadGraphProvider | None = None) -> None:
    """Every trip as a line through the places the courier reached, coloured by the site's kind, on a map with
    metres the same both ways. With ``roads`` (the road graph the day ran on) the lines follow the streets, over
    a light backdrop of the streets of the couriers' most common profile."""
    fig, ax = plt.subplots(figsize=(7, 7))
    lines = _trip_lines(log, roads)
    refused = [o.location for o in log.orders if o.status == "refused"]
    everywhere = [p for line in lines for p in line] + refused
    if everywhere:
        south, west, north, east = box_around(everywhere, _MAP_MARGIN_M, aspect=1.0)
        if roads is not None and log.couriers:
            profile = Counter(c.profile for c in log.couriers).most_common(1)[0][0]
            _street_backdrop(ax, roads, profile, (south, west, north, east))
        ax.set_xlim(west, east)
        ax.set_ylim(south, north)
        ax.set_aspect(1 / math.cos(math.radians((south + north) / 2)))
    for trip, line in zip(log.trips, lines, strict=True):
        colour = _KIND_COLOUR.get(log.site_kinds.get(trip.site, ""), "tab:gray")
        ax.plot([p[1] for p in line], [p[0] for p in line], color=colour, linewidth=0.6, alpha=0.5)
    ax.scatter([p[1] for p in refused], [p[0] for p in refused], s=6, color="tab:red", label="refused orders")
    ax.set_xlabel("longitude")
    ax.set_ylabel("latitude")
    ax.set_title(f"{log.scenario}: trips")
    ax.legend(loc="lower right")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
