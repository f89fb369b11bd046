"""Forecast and stocking quality on generated histories, several seeds, and the speed at 5,000 items × 10 areas.

``python -m benchmarks.forecast_quality [--seeds 0,1,2] [--out FILE.md]``. Targets (issue 7): best model WAPE ≤ 0.85
× seasonal-naive WAPE on held-out weeks and no worse than naive on the promotion day; basket fill rate of the
stocking plan ≥ 95 % of an oracle's and ≥ last week's top-N + 5 points at the same capacity; forecast + stocking
for 5,000 items × 10 forward warehouses ≤ 60 s.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from benchmarks.environment import write_results
from forecasting import Area, HistorySpec, backtest, daily_demand, generate_history, make_calendar, models
from forecasting.pipeline import fill_curve, run_forecast
from forecasting.stocking import baskets_of, stock_plan

__all__ = ["main"]

FRACTIONS = (0.5, 0.75, 1.0, 1.25, 1.5)


def _quality(seed: int) -> list[str]:
    made = generate_history(HistorySpec(), seed)
    areas = len(made.spec.areas)
    demand = daily_demand(made.lines, made.area, areas)
    calendar = make_calendar(made.lines, areas, [(p.day, p.items) for p in made.promotions])
    scores = {s.model: s for s in backtest(demand.reshape(-1, demand.shape[2]), calendar, models(), 7, 4)}
    naive, best = scores["seasonal_naive"], scores["smoothed_seasonal"]
    rows = [
        f"| {seed} | WAPE naive {naive.wape:.3f} / moving avg {scores['moving_average'].wape:.3f} / smoothed "
        f"{best.wape:.3f} (ratio **{best.wape / naive.wape:.2f}**) | promotion day: naive {naive.promo_wape:.3f}, "
        f"smoothed **{best.promo_wape:.3f}** | bias {best.bias:+.3f} |"
    ]
    curve = fill_curve(made.lines, made.area, areas, 7, 28, FRACTIONS)
    fills = " / ".join(
        f"{f:.2f}: {o * 100:.1f} vs {t * 100:.1f} (oracle {q * 100:.1f}, {o / q * 100:.0f} %)" for f, o, t, q in curve
    )
    rows.append(f"| {seed} | fill, capacity as share of forecast: ours vs top-N | {fills} | |")
    return rows


def _speed(seed: int) -> str:
    spec = HistorySpec(
        items=5_000,
        areas=tuple(Area(f"a{k}", (60.15 + 0.01 * (k % 5), 24.90 + 0.02 * (k // 5))) for k in range(10)),
        days=91,
        orders_per_area_day=200.0,
    )
    made = generate_history(spec, seed)
    started = time.perf_counter()
    result = run_forecast(made.lines, made.area, [a.name for a in spec.areas], 7, backtest_weeks=4)
    forecast_s = time.perf_counter() - started
    recent = made.lines.day >= made.lines.days - 28
    for a in range(10):
        baskets = baskets_of(made.lines.select(recent & (made.area == a)))
        units = result.values[:, a, :].sum(axis=1)
        stock_plan(units, baskets, 28, 7, float(units.sum()))
    total = time.perf_counter() - started
    return (
        f"{len(made.lines):,} order lines, 5,000 items × 10 areas: forecast (with a 4-window backtest of 3 models) "
        f"{forecast_s:.1f} s, + stocking plans for 10 warehouses = **{total:.1f} s**"
    )


def main() -> None:
    """Command-line entry."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", default="0,1,2", help="comma-separated seeds")
    parser.add_argument("--out", type=Path, help="also write the Markdown")
    args = parser.parse_args()
    lines = ["| seed | forecast (4 held-out weeks) | | |", "|---|---|---|---|"]
    for seed in (int(s) for s in args.seeds.split(",")):
        lines += _quality(seed)
    lines.append("")
    lines.append(_speed(0))
    text = "\n".join(lines) + "\n"
    print(text, end="")
    if args.out:
        write_results(args.out, text)


if __name__ == "__main__":
    np.seterr(all="ignore")
    main()
