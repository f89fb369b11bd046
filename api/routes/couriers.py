"""Couriers: registered by the dispatcher; their app polls its assignments and sends GPS pings."""

from __future__ import annotations

import hashlib
from typing import Literal

from fastapi import APIRouter, HTTPException, Request, Response

from api.deps import CourierCaller, DispatcherCaller, LiveDep, RegistryDep, SettingsDep
from api.routes.common import same_id
from api.schemas import (
    ERRORS,
    AssignmentsPublic,
    AssignmentStop,
    AssignmentTrip,
    CourierSpec,
    PositionAck,
    PositionCreate,
    TripEventCreate,
    TripEventPublic,
)
from api.store import KEYS, ApiKey
from api.views import at_time, live_with_ping, seconds_at, windows_of
from routing.errors import InputError, NotFound
from scheduling import CourierEta, LivePlan, courier_eta
from scheduling.dispatch import DispatchPolicy
from scheduling.live import trip_groups
from scheduling.trips import finish_trip, start_trip

POLL_QUANTUM_S = 15

router = APIRouter(prefix="/v1/couriers", tags=["couriers"], responses=ERRORS)


def _own(caller: ApiKey, courier_id: str) -> None:
    if caller.role == "courier" and caller.courier != courier_id:
        raise HTTPException(403, f"X-API-Key: bound to courier {caller.courier!r}, not {courier_id!r}")


@router.put("/{courier_id}", response_model=CourierSpec)
def put_courier(
    courier_id: str, body: CourierSpec, _: DispatcherCaller, live: LiveDep, registry: RegistryDep, response: Response
) -> CourierSpec:
    """Register or update a courier (shift, vehicle, capacity); it joins the live plan at once, free of stops."""
    same_id(body.id, courier_id)
    for field, site in (("site", body.site), ("end_site", body.end_site)):
        if site is not None and not registry.redis.hexists(KEYS.sites, site):
            raise InputError(f"{field}: unknown site {site!r}")
    created = live.register(KEYS.couriers, courier_id, body.model_dump_json(exclude_none=True))
    response.status_code = 201 if created else 200
    return body


@router.get("", response_model=list[CourierSpec])
def list_couriers(_: DispatcherCaller, registry: RegistryDep) -> list[CourierSpec]:
    """Every registered courier."""
    return [CourierSpec.model_validate(c) for c in registry.all(KEYS.couriers)]


@router.get("/{courier_id}", response_model=CourierSpec)
def get_courier(courier_id: str, _: DispatcherCaller, registry: RegistryDep) -> CourierSpec:
    """One courier."""
    return CourierSpec.model_validate(registry.get(KEYS.couriers, courier_id, "courier"))


@router.get(
    "/{courier_id}/assignments",
    response_model=AssignmentsPublic,
    responses={304: {"description": "unchanged since the ETag sent in If-None-Match"}},
)
async def assignments(
    courier_id: str, caller: CourierCaller, live: LiveDep, settings: SettingsDep, request: Request
) -> Response:
    """The courier's stops still to come, in order, with live ETAs, and its trips (the one under way or being
    loaded, with when to leave, then the planned ones). Send the last ``ETag`` back in ``If-None-Match``: the
    answer is 304 with no body while nothing changed. The answer is reused for ``POLL_QUANTUM_S`` while the live
    plan and the courier's last ping stay the same."""
    _own(caller, courier_id)
    plan = live.current()
    ping = request.app.state.positions.last(courier_id)
    key = (live.versions, ping, plan.now_s // POLL_QUANTUM_S)
    polls: dict[str, tuple[object, str, str]] = request.app.state.polls
    seen = polls.get(courier_id)
    if seen is None or seen[0] != key:
        text = _assignments(plan, courier_id, ping, settings.dispatch_policy()).model_dump_json()
        seen = polls[courier_id] = (key, text, '"' + hashlib.blake2b(text.encode(), digest_size=12).hexdigest() + '"')
    _, text, tag = seen
    if request.headers.get("if-none-match") == tag:
        return Response(status_code=304, headers={"ETag": tag})
    return Response(text, media_type="application/json", headers={"ETag": tag, "Cache-Control": "no-cache"})


def _index(plan: LivePlan, courier_id: str) -> int:
    index = next((k for k, c in enumerate(plan.problem.couriers) if c.id == courier_id), None)
    if index is None:
        raise NotFound(f"courier {courier_id!r}: not in the live plan")
    return index


def _trips(plan: LivePlan, index: int, eta: CourierEta, dispatch: DispatchPolicy) -> list[AssignmentTrip]:
    """The courier's trips still to end, with their status, departure and expected return."""
    route = plan.routes[index]
    departed = plan.state(index).departed
    trips = []
    for k, (first, end) in enumerate(trip_groups(route.stops)):
        status: Literal["under_way", "loading", "planned"] = (
            "under_way" if k == 0 and departed else "loading" if k == 0 else "planned"
        )
        leave = dispatch.departure_s(plan, index) if status == "loading" else route.trips[k].depart_s
        trips.append(
            AssignmentTrip(
                trip=k,
                status=status,
                leave_at=None if status == "under_way" else at_time(plan.problem, leave),
                back_eta=at_time(plan.problem, eta.backs[min(k, len(eta.backs) - 1)]),
                orders=[plan.problem.orders[s.order].id for s in route.stops[first:end] if s.kind == "delivery"],
            )
        )
    return trips


def _assignments(
    plan: LivePlan, courier_id: str, ping: tuple[float, float, float] | None, dispatch: DispatchPolicy
) -> AssignmentsPublic:
    index = _index(plan, courier_id)
    problem, locations = plan.problem, plan.locations
    route = plan.routes.get(index)
    eta = courier_eta(live_with_ping(plan, index, ping), index) if route else None
    stops = [
        AssignmentStop(
            order=problem.orders[s.order].id,
            kind=s.kind,
            location=locations[stop.node],
            windows=windows_of(problem, problem.stop_windows(s.order, s.kind)),
            eta=at_time(problem, s.arrival_s),
            late_s=s.late_s,
            p_late=round(s.p_late, 3),
            trip=stop.trip - route.stops[0].trip if route else 0,
        )
        for s, stop in zip(eta.stops if eta else (), plan.remaining(index), strict=True)
    ]
    return AssignmentsPublic(
        courier=courier_id,
        site=problem.sites[route.site if route else problem.couriers[index].site].id,
        departed=plan.state(index).departed,
        stops=stops,
        trips=_trips(plan, index, eta, dispatch) if route and eta else [],
        return_eta=at_time(problem, eta.end_s) if eta else None,
    )


@router.post("/{courier_id}/events", response_model=TripEventPublic, status_code=201)
def post_trip_event(courier_id: str, body: TripEventCreate, caller: CourierCaller, live: LiveDep) -> TripEventPublic:
    """The courier left its site on its next trip (``trip_started``) or is back from one (``back_at_site``):
    the trip's orders leave the live plan and the next trip is timed from the end of the site's reload. A repeat
    (already under way, already back) is answered with ``applied`` false and changes nothing; a trip that cannot
    start (none planned) or end (stops not done) is a 409."""
    _own(caller, courier_id)
    with live.lock():
        current = live.current()
        index = _index(current, courier_id)
        state = current.state(index)
        at_s = max(current.now_s, seconds_at(current.problem, body.at)) if body.at else current.now_s
        starting = body.type == "trip_started"
        applied = state.departed != starting
        if applied:
            moved = start_trip(current, index, at_s) if starting else finish_trip(current, index, at_s)
            live.commit(moved, live.redis.pipeline())
            state = moved.state(index)
    return TripEventPublic(
        courier=courier_id,
        type=body.type,
        at=at_time(current.problem, at_s),
        applied=applied,
        trips_done=state.trips_done,
    )


@router.post("/{courier_id}/positions", response_model=PositionAck, status_code=202)
async def post_position(
    courier_id: str, body: PositionCreate, caller: CourierCaller, registry: RegistryDep, request: Request
) -> PositionAck:
    """A GPS ping. Pings may come late or twice: only one newer than the last kept counts (``applied``)."""
    _own(caller, courier_id)
    registry.get(KEYS.couriers, courier_id, "courier")
    applied = request.app.state.positions.record(courier_id, body.lat, body.lon, body.at.timestamp())
    return PositionAck(applied=applied)
