"""The ``generate-history``, ``forecast`` and ``preposition`` commands."""

from __future__ import annotations

import csv
from dataclasses import asdict
from datetime import timedelta
from pathlib import Path
from typing import Annotated

import numpy as np
import typer
from rich.console import Console
from rich.table import Table

from cli.common import console, run, write_json
from forecasting.demand import daily_demand
from forecasting.generator import HistorySpec, generate_history
from forecasting.history import read_history, write_history
from forecasting.pipeline import fill_curve, plan_stock, read_forecast, read_promotions, run_forecast, write_forecast
from forecasting.plots import plot_fill_curve, plot_forecast
from forecasting.sites import StockSite, catchment_of, read_sites, sites_to_json
from geo.errors import InputError

__all__ = ["forecast_command", "generate_history_command", "preposition_command"]


def _horizon(text: str) -> int:
    days = text.removesuffix("d")
    if not days.isdigit() or not 1 <= int(days) <= 56:
        raise InputError(f"--horizon: {text!r} must be a number of days from 1d to 56d")
    return int(days)


def generate_history_command(
    out: Annotated[Path, typer.Option("-o", "--out", help="order-line CSV to write")] = Path("history.csv"),
    items: Annotated[int, typer.Option("--items", help="catalogue size")] = 500,
    days: Annotated[int, typer.Option("--days", help="days of history")] = 140,
    seed: Annotated[int, typer.Option("--seed", help="seed")] = 0,
) -> None:
    """Generate a realistic order history, its promotion calendar (OUT.promotions.csv) and sites (OUT.sites.json)."""

    def body() -> None:
        if items < 10 or days < 42:
            raise InputError("--items / --days: at least 10 items and 42 days are needed")
        spec = HistorySpec(items=items, days=days)
        with console.status("generating"):
            made = generate_history(spec, seed)
            write_history(made.lines, out)
        promotions = out.with_suffix(".promotions.csv")
        with promotions.open("w", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(("date", "item_id"))
            for promo in made.promotions:
                day = (spec.start + timedelta(days=promo.day)).isoformat()
                writer.writerows((day, made.lines.items[i]) for i in promo.items)
        weekly = made.expected.sum(axis=(0, 2)) * 7 / days
        sites = [
            StockSite(f"store-{k}", "store", loc, {item: 100_000 for item in made.lines.items})
            for k, loc in enumerate([(60.1688, 24.9372), (60.1712, 24.9466)])
        ] + [
            StockSite(f"fw-{a.name}", "forward_warehouse", a.centre, {}, None, int(weekly[k]))
            for k, a in enumerate(spec.areas)
        ]
        write_json(out.with_suffix(".sites.json"), sites_to_json(sites))
        console.print(f"wrote {out} ({len(made.lines)} lines), {promotions} and {out.with_suffix('.sites.json')}")

    run(body)


def _areas(path: Path | None, lat: np.ndarray, lon: np.ndarray) -> tuple[np.ndarray, list[str], list[StockSite]]:
    if path is None:
        return np.zeros(len(lat), dtype=np.int64), ["all"], []
    sites = read_sites(path)
    warehouses = [s for s in sites if s.kind == "forward_warehouse"]
    if not warehouses:
        raise InputError(f"{path}: sites: no forward_warehouse to forecast for")
    return catchment_of(lat, lon, warehouses), [s.id for s in warehouses], sites


def forecast_command(
    history: Annotated[Path, typer.Argument(help="order-line CSV (timestamp,order_id,item_id,quantity,lat,lon)")],
    horizon: Annotated[str, typer.Option("--horizon", help="days ahead, e.g. 1d or 7d")] = "7d",
    out: Annotated[Path, typer.Option("-o", "--out", help="forecast CSV to write")] = Path("forecast.csv"),
    sites: Annotated[Path | None, typer.Option("--sites", help="sites.json: one area per forward warehouse")] = None,
    promotions: Annotated[
        Path | None, typer.Option("--promotions", help="promotion calendar CSV (date,item_id)")
    ] = None,
    plot: Annotated[Path | None, typer.Option("--plot", help="PNG: forecast vs actual for the top items")] = None,
    backtest_weeks: Annotated[int, typer.Option("--backtest-weeks", help="rolling origins to score models")] = 4,
) -> None:
    """Backtest the models, then forecast demand per item and area with the best one."""

    def body() -> None:
        days = _horizon(horizon)
        with console.status("reading history"):
            lines = read_history(history)
        area, names, _ = _areas(sites, lines.lat, lines.lon)
        promos = read_promotions(promotions, lines) if promotions else []
        result = run_forecast(lines, area, names, days, promos, backtest_weeks, lambda m: console.print(m))
        write_forecast(result, out)
        table = Table(title=f"backtest: {backtest_weeks} windows of {days} days")
        for col in ("model", "WAPE", "bias", "WAPE on promotion days"):
            table.add_column(col)
        for s in result.scores:
            promo = f"{s.promo_wape:.3f}" if s.promo_wape is not None else "–"
            table.add_row(s.model, f"{s.wape:.3f}", f"{s.bias:+.3f}", promo)
        Console().print(table)
        if plot is not None and result.backtest_forecast is not None:
            kept = area >= 0
            actual = daily_demand(lines.select(kept), area[kept], len(names)).sum(axis=1)
            plot_forecast(actual, result.backtest_forecast.sum(axis=1), result.values.sum(axis=1), lines.items, plot)
        console.print(f"wrote {out} with {result.model}" + (f" and {plot}" if plot else ""))

    run(body)


def preposition_command(
    forecast: Annotated[Path, typer.Argument(help="forecast CSV from `lastmile forecast`")],
    sites: Annotated[Path, typer.Option("--sites", help="sites.json with capacity_units per forward warehouse")],
    history: Annotated[Path, typer.Option("--history", help="order-line CSV: the recent baskets")],
    out: Annotated[Path, typer.Option("-o", "--out", help="stocking CSV (holds and transfers)")] = Path("stocking.csv"),
    sites_out: Annotated[Path | None, typer.Option("--sites-out", help="sites.json with the new stock")] = None,
    plot: Annotated[Path | None, typer.Option("--plot", help="PNG: fill rate against capacity (backtest)")] = None,
    recent_days: Annotated[int, typer.Option("--recent-days", help="days of baskets to weigh items by")] = 28,
) -> None:
    """Choose what each forward warehouse holds (orders served in full, within capacity) and the transfers."""

    def body() -> None:
        predicted = read_forecast(forecast)
        all_sites = read_sites(sites)
        lines = read_history(history)
        area, names, _ = _areas(sites, lines.lat, lines.lon)
        recent_mask = lines.day >= lines.days - recent_days
        recent = {name: lines.select(recent_mask & (area == k)) for k, name in enumerate(names)}
        plans, transfers = plan_stock(predicted, all_sites, recent, recent_days, lambda m: console.print(m))
        tmp = out.with_name(out.name + ".tmp")
        with tmp.open("w", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(("site", "item_id", "hold", "current", "transfer", "from_site"))
            writer.writerows((t.site, t.item, t.hold, t.current, t.quantity, t.source or "") for t in transfers)
        tmp.replace(out)
        if sites_out is not None:
            stocked = [StockSite(**{**asdict(s), "stock": plans.get(s.id, s.stock)}) for s in all_sites]
            write_json(sites_out, sites_to_json(stocked))
        for site, plan in plans.items():
            console.print(f"{site}: {len(plan)} items, {sum(plan.values())} units")
        if plot is not None:
            kept = area >= 0
            horizon = predicted.values.shape[2]
            curve = fill_curve(
                lines.select(kept), area[kept], len(names), horizon, recent_days, (0.25, 0.5, 0.75, 1.0, 1.25, 1.5)
            )
            plot_fill_curve(curve, plot)
        console.print(f"wrote {out} ({len(transfers)} transfers)" + (f" and {plot}" if plot else ""))

    run(body)
