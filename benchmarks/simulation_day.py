"""Simulated days against the clock: the wall time of a whole day (world built, every order promised, dispatched,
driven) and its KPIs.

``python -m benchmarks.simulation_day [--scenario FILE.toml ...] [--seeds 0,1] [--policy greedy,lazy] [--out FILE.md]``
runs each scenario (default: the 5,000-order, 100-courier grid city with re-planning every 5 minutes, and the two
Helsinki demo scenarios) one day after another in this process, with each dispatch policy given (default: the
scenario's), and writes a Markdown table. Targets (issue 25): the default scenario accepts ≥ 85 %, on time ≥ 95 %,
delivery from order mean ≤ 45 and p90 ≤ 75 min, refusals with an able courier idle ≤ 10 % of the refusals; the
5,000-order day in ≤ 5 min on 2 cores, on time ≥ 95 %.
"""

from __future__ import annotations

import argparse
import resource
import time
from pathlib import Path

from benchmarks.environment import write_results
from scheduling.dispatch import POLICIES
from simulations.engine import simulate_day
from simulations.kpis import Kpis, day_kpis
from simulations.scenario import load_scenario
from simulations.world import build_world

__all__ = ["main"]

SCENARIOS = Path(__file__).resolve().parents[1] / "data" / "scenarios"
DEFAULT = ("grid_city_5000.toml", "helsinki_prepositioned.toml", "helsinki_stores_only.toml")


def _row(name: str, policy: str, seed: int, wall_s: float, day_s: float, replans: str, k: Kpis) -> str:
    eta = " / ".join(f"{k.eta_mae_min[m]:.1f}" for m in (30, 10, 2))
    return (
        f"| {name} | {policy} | {seed} | {k.orders:.0f} | {wall_s:.0f} | {day_s:.0f} | {replans} | "
        f"{k.acceptance_rate:.1%} | {k.on_time_rate:.1%} | {k.late_over_60:.0f} | "
        f"{k.delivery_mean_min:.0f} / {k.delivery_p90_min:.0f} | {k.refused_idle:.0f} ({k.refused_idle_share:.0%}) | "
        f"{k.order_to_departure_min:.0f} | {k.trips_per_courier_hour:.2f} | {k.wait_per_trip_min:.1f} | "
        f"{k.forward_share:.0%} | {k.utilisation:.0%} | {k.km_per_order:.3f} | {eta} |"
    )


def main() -> None:
    """Run the scenarios and write the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", type=Path, action="append", help="scenario TOML (repeatable)")
    parser.add_argument("--seeds", default="0", help="comma-separated seeds")
    parser.add_argument("--policy", default="", help="comma-separated dispatch policies (default: the scenario's)")
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results/simulation_day.md"))
    args = parser.parse_args()
    paths = args.scenario or [SCENARIOS / name for name in DEFAULT]
    policies = args.policy.split(",") if args.policy else []
    if unknown := [p for p in policies if p not in POLICIES]:
        parser.error(f"--policy: unknown {', '.join(unknown)} (choose from {', '.join(POLICIES)})")
    lines = [
        "| scenario | dispatch | seed | orders | wall s | of which the day s | re-plans kept / run | accepted | "
        "on time | > 60 min late | delivery mean / p90 min | refused, able courier idle | order to departure min | "
        "trips / courier-h | door wait / trip min | from FW | utilisation | km/order | ETA MAE 30 / 10 / 2 min |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for path in paths:
        scenario = load_scenario(path)
        for policy in policies or [scenario.dispatch.policy]:
            dispatch = scenario.dispatch.model_copy(update={"policy": policy})
            for seed in (int(s) for s in args.seeds.split(",")):
                started = time.monotonic()
                world = build_world(scenario.model_copy(update={"seed": seed, "dispatch": dispatch}))
                day = simulate_day(world)
                wall = time.monotonic() - started
                replans = f"{day.replans_kept} / {day.replans}"
                row = _row(day.scenario, policy, seed, wall, day.wall_s, replans, day_kpis(day))
                print(row, flush=True)
                lines.append(row)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    lines += ["", f"Peak memory of the process: {peak:.0f} MB. One process, one day at a time."]
    write_results(args.out, "\n".join(lines))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
