"""Orders: registered by a dispatcher (or made by confirming a promise), read by their creator, and the events
couriers report for them (picked up, delivered, failed)."""

from __future__ import annotations

import secrets
from dataclasses import replace
from datetime import UTC, datetime

from fastapi import APIRouter, HTTPException, Request

from api.deps import Caller, CourierCaller, DispatcherCaller, LiveDep, RegistryDep
from api.providers import known_place
from api.routes.common import no_location_index, order_public, own_order, parse_order
from api.schemas import ERRORS, EventCreate, EventPublic, OrderPublic, OrderSpec
from api.store import OrderRecord
from api.views import order_index, order_view
from routing.errors import Conflict
from scheduling import LivePlan

__all__ = ["router"]

router = APIRouter(prefix="/v1/orders", tags=["orders"], responses=ERRORS)


@router.post("", response_model=OrderPublic, status_code=201)
def create_order(
    body: OrderSpec, caller: DispatcherCaller, registry: RegistryDep, live: LiveDep, request: Request
) -> OrderPublic:
    """Accept an order; it is planned by the next ``POST /v1/plans`` or ``POST /v1/replan`` (mode insert)."""
    no_location_index(body.location_index, body.pickup.location_index if body.pickup else None)
    known_place(live.provider, body.location, "location")
    if body.pickup is not None:
        known_place(live.provider, body.pickup.location, "pickup.location")
    spec = body.model_dump(mode="json", exclude_none=True)
    parse_order(registry, spec)
    record = registry.new_order(spec, caller.id)
    registry.add_order(record)
    current = live.current()
    return order_public(request, current, record, order_view(current, record, request.app.state.positions))


@router.get("", response_model=list[OrderPublic])
def list_orders(caller: Caller, registry: RegistryDep, live: LiveDep, request: Request) -> list[OrderPublic]:
    """The caller's orders (a dispatcher sees all)."""
    if caller.role == "courier":
        raise HTTPException(403, "X-API-Key: a courier key may not list orders")
    current, positions = live.current(), request.app.state.positions
    return [
        order_public(request, current, r, order_view(current, r, positions))
        for r in registry.orders()
        if caller.role == "dispatcher" or r.created_by == caller.id
    ]


@router.get("/{order_id}", response_model=OrderPublic)
def get_order(order_id: str, caller: Caller, registry: RegistryDep, live: LiveDep, request: Request) -> OrderPublic:
    """One order, with its status and live ETA."""
    record = registry.order(order_id)
    own_order(caller, record)
    current = live.current()
    return order_public(request, current, record, order_view(current, record, request.app.state.positions))


def _after_event(live: LivePlan, index: int | None, kind: str) -> tuple[LivePlan, int | None]:
    """The live plan with the courier's state moved past the stop the event is about; and that courier.
    ``Conflict`` for a stop on a trip after the one under way (or being loaded)."""
    if index is None:
        return live, None
    order = live.problem.orders[index]
    stock_pickup = kind == "picked_up" and order.pickup is None  # loaded at the site: the courier has left
    want = "pickup" if kind == "picked_up" and order.pickup is not None else "delivery"
    for route in live.plan.routes:
        for k, stop in enumerate(route.stops):
            if stop.order == index and stop.kind == want:
                if k >= live.first_trip_end(route.courier):
                    raise Conflict(f"order {order.id!r}: on a later trip of its courier, not the one under way")
                state = live.state(route.courier)
                done = state.done if stock_pickup else max(state.done, k + 1)
                done_s = live.now_s if done != state.done else state.done_s
                new = replace(state, done=done, departed=True, done_s=done_s)
                return replace(live, states={**live.states, route.courier: new}), route.courier
    return live, None


@router.post("/{order_id}/events", response_model=EventPublic, status_code=201)
def post_event(
    order_id: str, body: EventCreate, caller: CourierCaller, registry: RegistryDep, live: LiveDep
) -> EventPublic:
    """Record what happened to the order (the courier carrying it, or a dispatcher). Kept before the answer; the
    live plan moves on (ETAs of the stops after it). A repeated event is answered again, not recorded twice;
    an event after delivered or failed is a 409."""
    with live.lock():
        record = registry.order(order_id)
        current = live.current()
        index = order_index(current.problem, order_id)
        moved, courier = _after_event(current, index, body.type)
        if caller.role == "courier" and (courier is None or current.problem.couriers[courier].id != caller.courier):
            raise HTTPException(403, f"X-API-Key: order {order_id!r} is not on courier {caller.courier!r}'s route")
        at = body.at or datetime.now(UTC)
        if record.status == body.type:  # a repeat (the app retried): answered, not recorded twice
            return EventPublic(order=order_id, type=body.type, at=at, reason=record.failure, status=record.status)
        if record.status in ("delivered", "failed"):
            raise Conflict(f"order {order_id!r}: already {record.status}")
        updated: OrderRecord = replace(record, status=body.type, failure=body.reason if body.type == "failed" else None)
        event = {
            "type": body.type,
            "at": at.isoformat(),
            "reason": body.reason,
            "by": caller.id,
            "id": secrets.token_hex(6),
        }
        pipe = registry.redis.pipeline()
        registry.add_event(updated, event, pipe)
        if courier is not None:
            live.commit(moved, pipe)
        else:
            pipe.execute()
    return EventPublic(order=order_id, type=body.type, at=at, reason=body.reason, status=updated.status)


@router.get("/{order_id}/events", response_model=list[EventPublic])
def list_events(order_id: str, caller: Caller, registry: RegistryDep) -> list[EventPublic]:
    """The order's events, oldest first."""
    record = registry.order(order_id)
    own_order(caller, record)
    return [
        EventPublic(order=order_id, type=e["type"], at=e["at"], reason=e["reason"], status=e["type"])
        for e in registry.events(order_id)
    ]
