"""Writing a plan at the edge: ids instead of indices, ISO 8601 times, and a GeoJSON of the routes."""

from __future__ import annotations

import itertools
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from geo.matrix import Point
from geo.paths import Leg, PathProvider, joined_path, legs_by_profile
from routing.errors import InputError
from routing.model import Problem
from routing.plan import Plan, Route
from routing.timing import break_position

__all__ = ["EditedRoute", "plan_to_geojson", "plan_to_json", "routes_from_json"]


@dataclass(frozen=True)
class EditedRoute:
    """A route as a person wrote it: courier, site and stops ``(order, kind)`` in order, no times; ``reloads``
    are the positions where a new trip starts (from each stop's ``trip``); ``breaks`` where each of the courier's
    breaks is taken, as :func:`routing.timing.time_route` takes them (``None``: wherever they first fit)."""

    courier: int
    site: int
    stops: tuple[tuple[int, Literal["pickup", "delivery"]], ...]
    reloads: tuple[int, ...] = ()
    breaks: tuple[int, ...] | None = None


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
        "trips": [
            {
                "depart": _clock(problem, t.depart_s),
                "back": _clock(problem, t.back_s),
                "distance_m": t.distance_m,
                "stops": [problem.orders[s.order].id for s in route.stops if s.trip == k and s.kind == "delivery"],
            }
            for k, t in enumerate(route.trips)
        ],
        "breaks": [{"start": _clock(problem, a), "end": _clock(problem, b)} for a, b in route.breaks],
        "stops": [
            {
                "order": problem.orders[s.order].id,
                "kind": s.kind,
                "trip": s.trip,
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


def _trip_stops(problem: Problem, route: Route) -> list[list[tuple[int, str]]]:
    """Each trip of ``route`` as the ``(matrix node, id)`` of its site, of its stops in order (the order's id) and
    of the site it comes back to."""
    trips = []
    for k in range(len(route.trips)):
        end = problem.couriers[route.courier].last_site if k == len(route.trips) - 1 else route.site
        stops = [(s.node, problem.orders[s.order].id) for s in route.stops if s.trip == k]
        trips.append([(route.site, problem.sites[route.site].id), *stops, (end, problem.sites[end].id)])
    return trips


def _street_trip(
    locations: list[Point], stops: list[tuple[int, str]], legs: dict[tuple[str, Point, Point], Leg], profile: str
) -> tuple[list[list[float]], list[dict[str, Any]]]:
    """A trip's line along the streets (``[lon, lat]`` points) and its ``legs`` property."""
    hops = [(a, b, legs[(profile, locations[a[0]], locations[b[0]])]) for a, b in itertools.pairwise(stops)]
    described = [
        {"from": a[1], "to": b[1], "distance_m": leg.distance_m, "duration_s": leg.duration_s} for a, b, leg in hops
    ]
    return [[lon, lat] for lat, lon in joined_path([leg for *_, leg in hops])], described


def plan_to_geojson(problem: Problem, plan: Plan, paths: PathProvider | None = None) -> dict[str, Any]:
    """A GeoJSON FeatureCollection: one LineString per trip from the site through its stops and back, one Point
    per site. Coordinates are ``[lon, lat]`` as GeoJSON requires.

    Without ``paths`` the legs are straight lines. With ``paths`` (a road graph) each trip's line follows the
    streets and its feature gets ``legs``: ``[{from, to, distance_m, duration_s}]`` per hop, ``from`` / ``to``
    the site's or order's id, the figures those of the provider's matrix (they add up to the trip's
    ``distance_m`` when the plan was solved on that provider's matrix).
    """
    locations = problem.locations()
    trips = [(route, _trip_stops(problem, route)) for route in plan.routes]
    legs: dict[tuple[str, Point, Point], Leg] = {}
    if paths is not None:
        hops = [
            (problem.couriers[route.courier].profile, locations[a], locations[b])
            for route, of_route in trips
            for stops in of_route
            for (a, _), (b, _) in itertools.pairwise(stops)
        ]
        legs = legs_by_profile(paths, hops)
    features: list[dict[str, Any]] = []
    for route, of_route in trips:
        courier = problem.couriers[route.courier]
        for k, (trip, stops) in enumerate(zip(route.trips, of_route, strict=True)):
            properties: dict[str, Any] = {
                "courier": courier.id,
                "site": problem.sites[route.site].id,
                "profile": courier.profile,
                "trip": k,
                "stops": len(stops) - 2,
                "distance_m": trip.distance_m,
            }
            if paths is None:
                line = [[locations[n][1], locations[n][0]] for n, _ in stops]
            else:
                line, properties["legs"] = _street_trip(locations, stops, legs, courier.profile)
            features.append(
                {"type": "Feature", "geometry": {"type": "LineString", "coordinates": line}, "properties": properties}
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


def _index(ids: dict[str, int], value: Any, where: str, kind: str) -> int:
    if not isinstance(value, str) or value not in ids:
        raise InputError(f"{where}: unknown {kind} {value!r}")
    return ids[value]


def _seconds(problem: Problem, value: Any) -> int | None:
    """A plan time (ISO 8601 with the problem's epoch, or seconds) in seconds, or ``None`` if it is not one."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and problem.epoch is not None:
        try:
            at = datetime.fromisoformat(value)
        except ValueError:
            return None
        return int((at - problem.epoch).total_seconds()) if at.tzinfo is not None else None
    return None


def _break_positions(problem: Problem, route: dict[str, Any], count: int) -> tuple[int, ...] | None:
    """Where the plan took each break (:func:`routing.timing.break_position` of its start); ``None`` unless the
    route gives a time for every break and stop and its end."""
    breaks, stops = route.get("breaks"), route.get("stops", [])
    if not isinstance(breaks, list) or len(breaks) != count or count == 0:
        return None
    starts = [_seconds(problem, b.get("start")) if isinstance(b, dict) else None for b in breaks]
    begins = [_seconds(problem, s.get("start")) for s in stops]
    back = _seconds(problem, route.get("end"))
    known_starts = [t for t in starts if t is not None]
    known_begins = [t for t in begins if t is not None]
    if back is None or len(known_starts) < len(starts) or len(known_begins) < len(begins):
        return None
    return tuple(break_position(at, known_begins, back) for at in known_starts)


def routes_from_json(problem: Problem, data: Any) -> list[EditedRoute]:
    """Read the routes of a plan in the format :func:`plan_to_json` writes (times are ignored: only the courier,
    its site, the order of the stops and their trips count), e.g. one a dispatcher edited by hand.

    A stop may give only ``order`` (then it is the delivery) and no ``trip`` (then it is on the trip before); a
    new trip starts wherever ``trip`` changes.
    Raises ``InputError`` naming the field for an unknown courier, site or order, or a malformed entry.
    """
    couriers = {c.id: k for k, c in enumerate(problem.couriers)}
    sites = {s.id: k for k, s in enumerate(problem.sites)}
    orders = {o.id: k for k, o in enumerate(problem.orders)}
    if not isinstance(data, dict) or not isinstance(data.get("routes"), list):
        raise InputError("routes: a plan needs a list of routes")
    edited = []
    for r, route in enumerate(data["routes"]):
        where = f"routes[{r}]"
        if not isinstance(route, dict) or not isinstance(route.get("stops", []), list):
            raise InputError(f"{where}: must be an object with a list of stops")
        courier = _index(couriers, route.get("courier"), f"{where}.courier", "courier")
        site = route.get("site")
        home = problem.couriers[courier].site if site is None else _index(sites, site, f"{where}.site", "site")
        stops: list[tuple[int, Literal["pickup", "delivery"]]] = []
        trips: list[int] = []
        for k, stop in enumerate(route.get("stops", [])):
            if not isinstance(stop, dict):
                raise InputError(f"{where}.stops[{k}]: must be an object")
            order = _index(orders, stop.get("order"), f"{where}.stops[{k}].order", "order")
            kind = stop.get("kind", "delivery")
            if kind not in ("pickup", "delivery") or (kind == "pickup" and problem.orders[order].pickup is None):
                raise InputError(f"{where}.stops[{k}].kind: must be delivery, or pickup for an order with a pickup")
            trip = stop.get("trip", trips[-1] if trips else 0)
            if not isinstance(trip, int) or isinstance(trip, bool) or trip < 0:
                raise InputError(f"{where}.stops[{k}].trip: must be a whole number >= 0")
            stops.append((order, kind))
            trips.append(trip)
        reloads = tuple(k for k in range(1, len(trips)) if trips[k] != trips[k - 1])
        breaks = _break_positions(problem, route, len(problem.couriers[courier].breaks))
        edited.append(EditedRoute(courier, home, tuple(stops), reloads, breaks))
    return edited
