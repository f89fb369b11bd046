"""Offline what-if simulations: a scenario, its day of orders, the event loop, KPIs and the report."""

from simulations.batch import run_batch, run_day
from simulations.engine import simulate_day
from simulations.kpis import Kpis, day_kpis, mean_kpis
from simulations.log import DayLog
from simulations.report import write_report
from simulations.scenario import Scenario, load_scenario
from simulations.world import World, build_world

__all__ = [
    "DayLog",
    "Kpis",
    "Scenario",
    "World",
    "build_world",
    "day_kpis",
    "load_scenario",
    "mean_kpis",
    "run_batch",
    "run_day",
    "simulate_day",
    "write_report",
]
