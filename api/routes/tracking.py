"""Tracking for customers, by the order's unguessable token only: status, window, live ETA, the steps so far, and
while the courier is on its way to the order its first name, phone and position; the streets around for a
backdrop; plus a small page (plain HTML + JS, no CDN) that shows them."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from api.deps import LiveDep, RegistryDep
from api.live_store import LiveStore
from api.schemas import ERRORS, StreetsPublic, TrackingCourier, TrackingPublic
from api.store import KEYS, OrderRecord, Registry
from api.views import OrderView, at_time, order_view, order_windows, timeline, trip_under_way
from geo import RoadGraphProvider, box_around
from routing import Problem
from scheduling import LivePlan

__all__ = ["router"]

router = APIRouter(tags=["tracking"], responses=ERRORS)
PAGE = (Path(__file__).resolve().parents[1] / "static" / "track.html").read_text()
STREETS_MARGIN_M = 400.0
MAX_STREETS = 500
SKETCH_ASPECT = 260 / 160  # width over height of track.html's drawing area


def _tracked(
    token: str, registry: Registry, live: LiveStore, request: Request
) -> tuple[OrderRecord, LivePlan, OrderView]:
    """The order of this token (404 when unknown), the live plan and where the order stands in it."""
    record = registry.order_for_token(token)
    current = live.current()
    return record, current, order_view(current, record, request.app.state.positions)


@router.get("/v1/tracking/{token}", response_model=TrackingPublic)
def tracking(token: str, registry: RegistryDep, live: LiveDep, request: Request) -> TrackingPublic:
    """Where the order with this tracking token is. No API key: the token is the secret."""
    record, current, view = _tracked(token, registry, live, request)
    problem = current.problem
    site = problem.sites[view.site].location if view.site is not None else None
    courier, position = None, None
    if view.on_the_way and view.courier is not None:
        courier_id = problem.couriers[view.courier].id
        courier = TrackingCourier.of(registry.get(KEYS.couriers, courier_id, "courier"))
        ping = request.app.state.positions.last(courier_id)
        position = (ping[0], ping[1]) if ping else None
    departed = registry.first_event_at(trip_under_way(current, record.id))
    eta, p_late = view.eta_s(), view.p_late()
    lat, lon = record.spec["location"]
    return TrackingPublic(
        order=record.id,
        status=view.status,
        windows=order_windows(problem, record),
        eta=at_time(problem, eta) if eta is not None else None,
        p_late=round(p_late, 3) if p_late is not None else None,
        stops_before=view.stop,
        courier=courier,
        courier_position=position,
        site_location=site,
        destination=(lat, lon),
        timeline=timeline(record, registry.events(record.id), departed, view.on_the_way),
    )


def _profile(problem: Problem, view: OrderView) -> str:
    """Whose road graph the streets come from: the order's courier's, else the first courier's (graphs the travel
    matrices loaded already), else the car's."""
    courier = view.courier if view.courier is not None else 0
    return problem.couriers[courier].profile if problem.couriers else "car"


@router.get("/v1/tracking/{token}/streets", response_model=StreetsPublic)
def streets(token: str, registry: RegistryDep, live: LiveDep, request: Request) -> StreetsPublic:
    """Street lines of the road graph around the order's address and the site serving it (at most
    ``MAX_STREETS``, the longest), as ``[lat, lon]`` polylines; none without a road graph. No API key."""
    record, current, view = _tracked(token, registry, live, request)
    if not isinstance(live.provider, RoadGraphProvider):
        return StreetsPublic(streets=[])
    problem = current.problem
    points = [(record.spec["location"][0], record.spec["location"][1])]
    if view.site is not None:
        points.append(problem.sites[view.site].location)
    box = box_around(points, STREETS_MARGIN_M, SKETCH_ASPECT)
    return StreetsPublic(streets=live.provider.streets(_profile(problem, view)).within(*box, MAX_STREETS))


@router.get("/track/{token}", response_class=HTMLResponse, include_in_schema=False, name="tracking_page")
def tracking_page(token: str) -> HTMLResponse:
    """The tracking page; it reads ``/v1/tracking/{token}`` every 15 s and the streets once per site and address."""
    return HTMLResponse(PAGE, headers={"Cache-Control": "no-cache"})
