"""Small hand-made problems on a straight street: points at x km, 1 km = 100 s by every profile."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest

from benchmarks.convert import instance_to_problem
from benchmarks.instances import read_instance
from geo.matrix import Matrix
from routing import Capacity, Courier, Order, Problem, Site, SolveParams, Window
from routing.eligibility import eligibility
from routing.ortools_model import RoutingModel
from routing.plan import Plan
from routing.plan_json import EditedRoute
from routing.solve import _penalties

DATA = Path(__file__).resolve().parents[1] / "data"

HOUR = 3600


def street_matrix(problem: Problem) -> Matrix:
    """Distances along the x axis (the location's longitude, in km): 1 km = 1,000 m = 100 s."""
    x = np.array([lon for _, lon in problem.locations()])
    metres = np.rint(np.abs(x[:, None] - x[None, :]) * 1000).astype(np.int64)
    return Matrix({p: metres for p in ("bike", "car", "foot")}, {p: metres // 10 for p in ("bike", "car", "foot")})


def site(sid: str = "s1", x: float = 0.0, stock: dict[str, int] | None = None, **kw: Any) -> Site:
    return Site(sid, "store", (0.0, x), Window(0, 10 * HOUR), stock if stock is not None else {"milk": 100}, **kw)


def courier(cid: str = "c1", site_index: int = 0, **kw: object) -> Courier:
    kw.setdefault("shift", Window(0, 8 * HOUR))
    kw.setdefault("profile", "bike")
    kw.setdefault("capacity", Capacity(20_000))
    return Courier(cid, site_index, **kw)  # type: ignore[arg-type]


def order(oid: str, x: float, start: int = 0, end: int = 8 * HOUR, **kw: object) -> Order:
    kw.setdefault("items", {"milk": 1})
    kw.setdefault("weight_g", 1_000)
    return Order(oid, (0.0, x), (Window(start, end),), **kw)  # type: ignore[arg-type]


@pytest.fixture
def street() -> SimpleNamespace:
    """Builders for street problems: ``street.site``, ``street.courier``, ``street.order``, ``street.matrix``."""
    return SimpleNamespace(site=site, courier=courier, order=order, matrix=street_matrix)


def model_of(file: str, set_name: str) -> tuple[Problem, Matrix, RoutingModel]:
    """A benchmark instance from ``tests/data`` and a fresh OR-Tools model of all its couriers and orders."""
    problem, matrix, _ = instance_to_problem(read_instance(DATA / file, set_name))
    able = eligibility(problem, matrix)
    penalty = _penalties(problem, matrix, SolveParams())
    couriers = range(len(problem.couriers))
    model = RoutingModel(problem, matrix, couriers, able.servable, dict(enumerate(able.couriers)), penalty)
    return problem, matrix, model


@pytest.fixture
def fresh_model() -> Callable[[str, str], tuple[Problem, Matrix, RoutingModel]]:
    """``fresh_model(file, set_name)``: an instance and a fresh model of it (OR-Tools operators keep state between
    searches, so a test that compares searches builds a model for each)."""
    return model_of


def edited_routes(plan: Plan) -> list[EditedRoute]:
    """``plan``'s routes as a hand-edited plan gives them to the plan checker (stops, where each trip starts)."""
    routes = []
    for r in plan.routes:
        stops = tuple((s.order, s.kind) for s in r.stops)
        reloads = tuple(k for k in range(1, len(r.stops)) if r.stops[k].trip != r.stops[k - 1].trip)
        routes.append(EditedRoute(r.courier, r.site, stops, reloads))
    return routes
