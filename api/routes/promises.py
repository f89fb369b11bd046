"""Promises: the delivery windows a storefront can offer for a basket at an address, held for a few minutes;
confirming one turns it into an order in the live plan, idempotently with an ``Idempotency-Key`` header."""

from __future__ import annotations

import json
import secrets
from typing import Annotated

from fastapi import APIRouter, Header, Request
from fastapi.responses import JSONResponse
from redis.exceptions import WatchError

from api.deps import LiveDep, RegistryDep, SettingsDep, StorefrontCaller
from api.errors import STATUS
from api.idempotency import IdempotencyRecord, fingerprint
from api.providers import known_place
from api.routes.common import order_public
from api.schemas import ERRORS, ConfirmCreate, OrderPublic, PromiseCreate, PromisePublic, SlotPublic
from api.store import KEYS
from api.views import at_time, order_view
from routing.errors import Conflict, Forbidden, InputError, NotFound
from routing.problem_json import order_to_json
from scheduling import Demand

__all__ = ["router"]

router = APIRouter(prefix="/v1/promises", tags=["promises"], responses=ERRORS)
_WRITE_TRIES = 5


@router.post("", response_model=PromisePublic, status_code=201)
async def create_promise(body: PromiseCreate, caller: StorefrontCaller, live: LiveDep) -> PromisePublic:
    """The windows that can be promised now, earliest (``asap``) first, each with the site that would serve it
    and a confidence; their stock is held until ``expires_at``. No slots, with a ``reason``, when none fits."""
    known_place(live.provider, body.address, "address")
    desk = live.desk()
    now = live.clock(desk.live.problem)
    demand = Demand(dict(body.items), body.weight_g, body.volume_cm3, frozenset(body.skills), body.service_s)
    offer = desk.offer(demand, body.address, max(now, desk.live.now_s), owner=caller.id)
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
    responses={
        403: {"description": "asked for by another storefront"},
        404: {"description": "unknown or expired"},
        409: {"description": "slot no longer possible, or the first request with this Idempotency-Key still runs"},
        422: {"description": "bad body, or an Idempotency-Key already used for another request"},
    },
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
    """Turn slot ``slot`` of a held promise into an order (its stock reserved, placed in the live plan). Only the
    storefront that asked for the promise (or a dispatcher) may. With an ``Idempotency-Key``, a retry of the same
    request gets the first answer again and never makes a second order; the key with another request is a 422."""
    memo = None
    if idempotency_key:
        request_print = fingerprint(request.url.path, body.model_dump_json())
        key = KEYS.idempotency(caller.id, idempotency_key)
        memo = IdempotencyRecord(registry.redis, key, request_print, settings.idempotency_ttl_s)
        replay = memo.claim()
        if replay is not None:
            return replay
    owner = None if caller.role == "dispatcher" else caller.id
    try:
        return _confirm(promise_id, body, caller.id, owner, live, registry, request, memo)
    except (InputError, NotFound, Conflict, Forbidden) as exc:
        if memo is not None:
            memo.answer(STATUS[type(exc)], {"detail": str(exc)})
        raise
    except BaseException:
        if memo is not None:
            memo.release()
        raise


def _confirm(
    promise_id: str,
    body: ConfirmCreate,
    caller_id: str,
    owner: str | None,
    live: LiveDep,
    registry: RegistryDep,
    request: Request,
    memo: IdempotencyRecord | None,
) -> JSONResponse:
    order_id = body.order_id or "o_" + secrets.token_hex(8)
    if registry.redis.hexists(KEYS.orders, order_id):
        raise InputError(f"order_id: {order_id!r} is already an order")
    with live.lock():
        desk = live.desk()
        now = max(live.clock(desk.live.problem), desk.live.now_s)
        placed = desk.confirm(promise_id, body.slot, order_id, now, owner)
        spec = order_to_json(placed.problem, placed.problem.orders[-1])
        record = registry.new_order(spec, caller_id)
        public = order_public(request, placed, record, order_view(placed, record, request.app.state.positions))
        content = json.loads(public.model_dump_json())
        for _ in range(_WRITE_TRIES):
            with registry.redis.pipeline() as pipe:
                pipe.watch(KEYS.orders)  # a POST /v1/orders meanwhile (not under the live lock) aborts the write
                if pipe.hexists(KEYS.orders, order_id):
                    raise InputError(f"order_id: {order_id!r} is already an order")
                pipe.multi()
                registry.add_order(record, pipe)
                if memo is not None:
                    memo.answer(201, content, pipe)
                try:
                    live.commit(placed, pipe)
                    return JSONResponse(content, status_code=201)
                except WatchError:
                    continue
    raise Conflict("orders: changing too fast to add this one; try again")
