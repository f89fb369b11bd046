"""Tracking for customers, by the order's unguessable token only: status, window, live ETA, and the courier's
position while it is on its way; plus a small page (plain HTML + JS, no CDN) that shows them."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from api.deps import LiveDep, RegistryDep
from api.schemas import ERRORS, TrackingPublic
from api.views import at_time, order_view, order_windows

__all__ = ["router"]

router = APIRouter(tags=["tracking"], responses=ERRORS)
PAGE = (Path(__file__).resolve().parents[1] / "static" / "track.html").read_text()


@router.get("/v1/tracking/{token}", response_model=TrackingPublic)
def tracking(token: str, registry: RegistryDep, live: LiveDep, request: Request) -> TrackingPublic:
    """Where the order with this tracking token is. No API key: the token is the secret."""
    record = registry.order_for_token(token)
    current = live.current()
    view = order_view(current, record, request.app.state.positions)
    problem = current.problem
    position, site = None, None
    if view.courier is not None:
        state = current.state(view.courier)
        site = problem.sites[view.site].location if view.site is not None else None
        pinged = view.eta is not None and state.departed and view.status in ("planned", "picked_up")
        ping = request.app.state.positions.last(problem.couriers[view.courier].id) if pinged else None
        position = (ping[0], ping[1]) if ping else None
    eta, p_late = view.eta_s(), view.p_late()
    lat, lon = record.spec["location"]
    return TrackingPublic(
        order=record.id,
        status=view.status,
        windows=order_windows(problem, record),
        eta=at_time(problem, eta) if eta is not None else None,
        p_late=round(p_late, 3) if p_late is not None else None,
        stops_before=view.stop,
        courier_position=position,
        site_location=site,
        destination=(lat, lon),
    )


@router.get("/track/{token}", response_class=HTMLResponse, include_in_schema=False, name="tracking_page")
def tracking_page(token: str) -> HTMLResponse:
    """The tracking page; it reads ``/v1/tracking/{token}`` every 15 s."""
    return HTMLResponse(PAGE, headers={"Cache-Control": "no-cache"})
