"""Small helpers the routers share."""

from __future__ import annotations

from typing import Any

from fastapi import HTTPException, Request

from api.schemas import OrderPublic
from api.store import KEYS, ApiKey, OrderRecord, Registry
from api.views import OrderView, at_time, order_windows
from routing import Problem, parse_problem
from routing.errors import InputError
from scheduling import LivePlan

__all__ = ["ensure_courier", "no_location_index", "order_public", "own_order", "parse_order", "same_id"]


def same_id(body_id: str, path_id: str) -> None:
    """422 unless the body's id is the one in the path."""
    if body_id != path_id:
        raise InputError(f"id: {body_id!r} does not match the path's {path_id!r}")


def no_location_index(*indices: int | None) -> None:
    """422 for a ``location_index``: the service finds places by their location (``LASTMILE_MATRIX`` lists them)."""
    if any(i is not None for i in indices):
        raise InputError("location_index: the service finds places by their location; leave it out")


def ensure_courier(registry: Registry, courier: str) -> None:
    """404 unless the courier is registered."""
    registry.get(KEYS.couriers, courier, "courier")


def own_order(caller: ApiKey, record: OrderRecord) -> None:
    """403 unless a storefront caller created the order (dispatchers see all)."""
    if caller.role == "storefront" and record.created_by != caller.id:
        raise HTTPException(403, "X-API-Key: this order was created by another storefront")
    if caller.role == "courier":
        raise HTTPException(403, "X-API-Key: a courier key may not read orders")


def parse_order(registry: Registry, spec: dict[str, Any]) -> Problem:
    """Validate one order against the registered sites (a one-order problem)."""
    return parse_problem({"name": "order", "sites": registry.all(KEYS.sites), "couriers": [], "orders": [spec]})


def order_public(request: Request, live: LivePlan, record: OrderRecord, view: OrderView) -> OrderPublic:
    """The public form of an order and where it stands."""
    problem = live.problem
    eta = view.eta_s()
    return OrderPublic(
        id=record.id,
        status=view.status,
        reason=view.reason,
        site=problem.sites[view.site].id if view.site is not None else None,
        courier=problem.couriers[view.courier].id if view.courier is not None else None,
        eta=at_time(problem, eta) if eta is not None else None,
        windows=order_windows(problem, record),
        created_by=record.created_by,
        tracking_token=record.token,
        tracking_url=str(request.url_for("tracking_page", token=record.token)),
    )
