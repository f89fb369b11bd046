"""Writing a plan at the edge: ids instead of indices, ISO 8601 times, and a GeoJSON of the routes."""

from __future__ import annotations

from dataclasses import asdict
from datetime import timedelta
from typing import Any

from routing.model import Problem
from routing.plan import Plan, Route

__all__ = ["plan_to_geojson", "plan_to_json"]


def _clock(problem: Problem, seconds: int) -> str | int:
    """ISO 8601 time when the problem has an epoch, else the raw seconds."""
    return (problem.epoch + timedelta(seconds=seconds)).isoformat() if problem.epoch else seconds


def _route_json(problem: Problem, route: Route) -> dict[str, Any]:
    locations = problem.locations()
    return {
        "courier": problem.couriers[route.courier].id,
        "site": problem.sites[route.site].id,
        "start": _clock(problem, route.start_s),
        "end": _clock(problem, route.end_s),
        "distance_m": route.distance_m,
        "duration_s": route.duration_s,
        "stops": [
            {
                "order": problem.orders[s.order].id,
                "kind": s.kind,
                "location": list(locations[s.node]),
                "arrival": _clock(problem, s.arrival_s),
                "start": _clock(problem, s.start_s),
                "departure": _clock(problem, s.departure_s),
                "load_g": s.load_g,
            }
            for s in route.stops
        ],
    }


def plan_to_json(problem: Problem, plan: Plan) -> dict[str, Any]:
    """The plan as JSON-ready data: summary, routes with timed stops, unassigned orders with reasons, stats."""
    return {
        "problem": problem.name,
        "epoch": problem.epoch.isoformat() if problem.epoch else None,
        "summary": asdict(plan.summary),
        "routes": [_route_json(problem, r) for r in plan.routes],
        "unassigned": [{"order": problem.orders[u.order].id, "reason": u.reason.value} for u in plan.unassigned],
        "stats": asdict(plan.stats),
    }


def plan_to_geojson(problem: Problem, plan: Plan) -> dict[str, Any]:
    """A GeoJSON FeatureCollection: one LineString per route (straight legs between stops), one Point per site.

    Coordinates are ``[lon, lat]`` as GeoJSON requires.
    """
    locations = problem.locations()
    features: list[dict[str, Any]] = []
    for route in plan.routes:
        courier = problem.couriers[route.courier]
        path = [route.site, *(s.node for s in route.stops), courier.last_site]
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "LineString", "coordinates": [[locations[n][1], locations[n][0]] for n in path]},
                "properties": {
                    "courier": courier.id,
                    "site": problem.sites[route.site].id,
                    "profile": courier.profile,
                    "stops": len(route.stops),
                    "distance_m": route.distance_m,
                },
            }
        )
    for site in problem.sites:
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [site.location[1], site.location[0]]},
                "properties": {"site": site.id, "kind": site.kind},
            }
        )
    return {"type": "FeatureCollection", "features": features}
