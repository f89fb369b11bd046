"""A small morning in a straight-line city: two sites (the warehouse with a zone), six bikes, 24 orders."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from geo import StraightLineProvider
from routing import Capacity, Courier, Order, Problem, Site, SolveParams, Window, solve

HOUR = 3600
STORE = (60.170, 24.940)
WAREHOUSE = (60.185, 24.960)
ZONE = ((60.178, 24.948), (60.178, 24.972), (60.192, 24.972), (60.192, 24.948))
PARAMS = SolveParams(time_limit_s=600, solution_limit=200, metaheuristic="GREEDY_DESCENT", ruin_iterations=3, workers=1)


def city(orders: int = 24, seed: int = 3) -> Problem:
    """Orders spread around the store, one-hour windows between 08:00 and 11:00."""
    rng = np.random.default_rng(seed)
    sites = (
        Site("store", "store", STORE, Window(7 * HOUR, 20 * HOUR), {"milk": 100, "bread": 100, "rare": 1}),
        Site("fw", "forward_warehouse", WAREHOUSE, Window(7 * HOUR, 20 * HOUR), {"milk": 50}, zone=ZONE),
    )
    couriers = tuple(
        Courier(f"bike-{k}", k % 2, Window(8 * HOUR, 12 * HOUR), "bike", Capacity(30_000, items=40), max_trips=1)
        for k in range(6)
    )
    made = []
    for k in range(orders):
        lat, lon = STORE[0] + rng.normal(0, 0.008), STORE[1] + rng.normal(0, 0.015)
        start = int(8 * HOUR + rng.integers(0, 7) * 1800)
        made.append(
            Order(f"o{k}", (lat, lon), (Window(start, start + HOUR),), {"milk": 1}, weight_g=2_000, service_s=120)
        )
    return Problem(sites, couriers, tuple(made), "city")


@pytest.fixture(scope="session")
def morning() -> SimpleNamespace:
    """The city problem, its straight-line matrix and provider, and a plan solved at seed 0."""
    problem = city()
    provider = StraightLineProvider()
    matrix = provider.matrix(problem.locations(), ["bike"])
    plan = solve(problem, matrix, params=PARAMS, seed=0)
    return SimpleNamespace(problem=problem, matrix=matrix, plan=plan, provider=provider)
