"""The report's figures (matplotlib, PNG): KPI bars per scenario, delivery-time distribution, courier Gantt
chart and a map of the trips."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from simulations.kpis import Kpis
from simulations.log import DayLog

__all__ = ["plot_delivery_times", "plot_gantt", "plot_kpi_bars", "plot_map"]

_KIND_COLOUR = {"store": "tab:blue", "forward_warehouse": "tab:orange"}


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


def plot_map(log: DayLog, path: Path) -> None:
    """Every trip as a line through the places the courier reached, coloured by the site's kind."""
    fig, ax = plt.subplots(figsize=(7, 7))
    for trip in log.trips:
        colour = _KIND_COLOUR.get(log.site_kinds.get(trip.site, ""), "tab:gray")
        ax.plot([p[1] for p in trip.path], [p[0] for p in trip.path], color=colour, linewidth=0.6, alpha=0.5)
    refused = [o.location for o in log.orders if o.status == "refused"]
    ax.scatter([p[1] for p in refused], [p[0] for p in refused], s=6, color="tab:red", label="refused orders")
    ax.set_xlabel("longitude")
    ax.set_ylabel("latitude")
    ax.set_title(f"{log.scenario}: trips")
    ax.legend(loc="lower right")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
