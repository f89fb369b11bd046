"""Promises: the delivery windows a storefront can offer for a basket at an address, held for a few minutes;
confirming one turns it into an order in the live plan, idempotently with an ``Idempotency-Key`` header."""

from __future__ import annotations

import json
import secrets
from typing import Annotated

from fastapi import APIRouter, Header, Request
from fastapi.responses import JSONResponse

from api.deps import LiveDep, RegistryDep, SettingsDep, StorefrontCaller
from api.routes.common import order_public
from api.schemas import ERRORS, ConfirmCreate, OrderPublic, PromiseCreate, PromisePublic, SlotPublic
from api.store import KEYS
from api.views import at_time, order_view
from routing.errors import Conflict, InputError, NotFound
from routing.problem_json import order_to_json
from scheduling import Demand

__all__ = ["router"]

router = APIRouter(prefix="/v1/promises", tags=["promises"], responses=ERRORS)


@router.post("", response_model=PromisePublic, status_code=201)
async def create_promise(body: PromiseCreate, _: StorefrontCaller, live: LiveDep) -> PromisePublic:
    """The windows that can be promised now, earliest (``asap``) first, each with the site that would serve it
    and a confidence; their stock is held until ``expires_at``. No slots, with a ``reason``, when none fits."""
    desk = live.desk()
    now = live.clock(desk.live.problem)
    demand = Demand(dict(body.items), body.weight_g, body.volume_cm3, frozenset(body.skills), body.service_s)
    offer = desk.offer(demand, body.address, max(now, desk.live.now_s))
    problem = desk.live.problem
    return PromisePublic(
        id=offer.id,
        expires_at=at_time(problem, offer.expires_s),
        slots=[
            SlotPublic(
                index=k,
                start=at_time(problem, s.window.start_s),
                end=at_time(problem, s.window.end_s),
                site=problem.sites[s.site].id,
                expected_arrival=at_time(problem, s.arrival_s),
                confidence=s.confidence,
                asap=s.asap,
            )
            for k, s in enumerate(offer.slots)
        ],
        reason=offer.reason.value if offer.reason else None,
    )


IdempotencyKey = Annotated[
    str | None,
    Header(alias="Idempotency-Key", max_length=200, description="repeat a request with the same key: same answer"),
]


@router.post(
    "/{promise_id}/confirm",
    response_model=OrderPublic,
    status_code=201,
    responses={404: {"description": "unknown or expired"}, 409: {"description": "slot no longer possible"}},
)
def confirm_promise(
    promise_id: str,
    body: ConfirmCreate,
    caller: StorefrontCaller,
    live: LiveDep,
    registry: RegistryDep,
    settings: SettingsDep,
    request: Request,
    idempotency_key: IdempotencyKey = None,
) -> object:
    """Turn slot ``slot`` of a held promise into an order (its stock reserved, placed in the live plan). With an
    ``Idempotency-Key``, a retry gets the first answer again and never makes a second order."""
    memo = KEYS.idempotency(caller.id, idempotency_key) if idempotency_key else None
    if memo is not None:
        seen = registry.redis.get(memo)
        if seen is not None:
            if seen == b"pending":
                raise Conflict("Idempotency-Key: the first request with this key is still running")
            replay = json.loads(seen)
            return JSONResponse(replay["body"], status_code=replay["status"])
        if not registry.redis.set(memo, "pending", nx=True, ex=120):
            raise Conflict("Idempotency-Key: the first request with this key is still running")
    try:
        return _confirm(promise_id, body, caller.id, live, registry, settings, request, memo)
    except (InputError, NotFound, Conflict) as exc:
        if memo is not None:
            status = 422 if isinstance(exc, InputError) else 404 if isinstance(exc, NotFound) else 409
            registry.redis.set(
                memo, json.dumps({"status": status, "body": {"detail": str(exc)}}), ex=settings.idempotency_ttl_s
            )
        raise
    except BaseException:
        if memo is not None:
            registry.redis.delete(memo)
        raise


def _confirm(
    promise_id: str,
    body: ConfirmCreate,
    owner: str,
    live: LiveDep,
    registry: RegistryDep,
    settings: SettingsDep,
    request: Request,
    memo: str | None,
) -> JSONResponse:
    order_id = body.order_id or "o_" + secrets.token_hex(8)
    if registry.redis.hexists(KEYS.orders, order_id):
        raise InputError(f"order_id: {order_id!r} is already an order")
    with live.lock():
        desk = live.desk()
        now = max(live.clock(desk.live.problem), desk.live.now_s)
        placed = desk.confirm(promise_id, body.slot, order_id, now)
        spec = order_to_json(placed.problem, placed.problem.orders[-1])
        record = registry.new_order(spec, owner)
        public = order_public(request, placed, record, order_view(placed, record, request.app.state.positions))
        content = json.loads(public.model_dump_json())
        pipe = registry.redis.pipeline()
        registry.add_order(record, pipe)
        if memo is not None:
            pipe.set(memo, json.dumps({"status": 201, "body": content}), ex=settings.idempotency_ttl_s)
        live.commit(placed, pipe)
    return JSONResponse(content, status_code=201)
