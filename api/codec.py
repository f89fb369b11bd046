"""Internal JSON forms of what the service keeps in Redis: a live plan (problem, plan, courier states) and a
held offer. Lossless, unlike the public plan JSON: stop indices and times survive a round trip exactly."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import asdict, fields, replace
from typing import Any

from routing import Plan, Problem, parse_problem
from routing.model import Order, Window
from routing.plan import Reason, Route, SolveStats, Stop, Trip, Unassigned
from routing.problem_json import order_to_json, problem_to_json
from scheduling import CourierState, Demand, Offer, Slot

__all__ = [
    "ProblemWriter",
    "dump_offer",
    "dump_plan",
    "dump_states",
    "load_offer",
    "load_plan",
    "load_problem_text",
    "load_states",
]


class ProblemWriter:
    """Writes a problem in the public problem format (it needs an epoch), keeping each order's text from the last
    problem it wrote: a live plan is written on every confirmation and changes by an order or two at a time."""

    def __init__(self) -> None:
        self._orders: dict[int, tuple[Order, tuple[object, ...], str]] = {}

    def dump(self, problem: Problem) -> str:
        """The problem as compact JSON text, the same as ``json.dumps(problem_to_json(problem))`` would give."""
        context = (problem.epoch, tuple(s.id for s in problem.sites))  # what an order's JSON depends on
        kept: dict[int, tuple[Order, tuple[object, ...], str]] = {}
        for order in problem.orders:
            known = self._orders.get(id(order))
            if known is None or known[0] is not order or known[1] != context:
                known = (order, context, json.dumps(order_to_json(problem, order), separators=(",", ":")))
            kept[id(order)] = known  # holding the order keeps its id from being reused while it is here
        self._orders = kept
        head = problem_to_json(replace(problem, orders=()))
        del head["orders"]
        orders = ",".join(text for _, _, text in kept.values())  # in the problem's order (ids are unique in it)
        return json.dumps(head, separators=(",", ":"))[:-1] + ',"orders":[' + orders + "]}"


def load_problem_text(text: str | bytes) -> Problem:
    """The problem back from :meth:`ProblemWriter.dump`."""
    return parse_problem(json.loads(text), check_horizon=False)


_STOP_FIELDS = tuple(f.name for f in fields(Stop))
_ROUTE_FIELDS = tuple(f.name for f in fields(Route) if f.name not in ("stops", "trips", "breaks"))


def dump_plan(plan: Plan) -> str:
    """Every route, stop, unassigned order and statistic, indices and seconds as they are (a stop as the list of
    its fields in order: the live plan is written on every confirmation, so this is kept cheap)."""
    routes = [
        {
            **{k: getattr(r, k) for k in _ROUTE_FIELDS},
            "stops": [[getattr(s, k) for k in _STOP_FIELDS] for s in r.stops],
            "trips": [[t.depart_s, t.back_s, t.distance_m] for t in r.trips],
            "breaks": [list(b) for b in r.breaks],
        }
        for r in plan.routes
    ]
    unassigned = [[u.order, u.reason.value] for u in plan.unassigned]
    return json.dumps({"routes": routes, "unassigned": unassigned, "stats": asdict(plan.stats)}, separators=(",", ":"))


def load_plan(text: str | bytes) -> Plan:
    """The plan back from :func:`dump_plan`."""
    data = json.loads(text)
    routes = tuple(
        Route(
            **{
                **r,
                "stops": tuple(Stop(*s) for s in r["stops"]),
                "trips": tuple(Trip(*t) for t in r.get("trips", ())),
                "breaks": tuple((a, b) for a, b in r.get("breaks", ())),
            }
        )
        for r in data["routes"]
    )
    unassigned = tuple(Unassigned(order, Reason(reason)) for order, reason in data["unassigned"])
    return Plan(routes, unassigned, SolveStats(**data["stats"]))


def dump_states(states: dict[int, CourierState]) -> str:
    """Courier states by courier index."""
    return json.dumps({str(c): asdict(s) for c, s in states.items()})


def load_states(text: str | bytes) -> dict[int, CourierState]:
    """Courier states back from :func:`dump_states`."""
    out = {}
    for c, s in json.loads(text).items():
        position = tuple(s["position"]) if s["position"] is not None else None
        out[int(c)] = CourierState(
            s["done"], s["departed"], position, s["ping_s"], s.get("trips_done", 0), s.get("free_s"), s.get("done_s")
        )
    return out


def dump_offer(offer: Offer) -> str:
    """A held offer: slots, basket, address and the stock it holds per site."""
    d = offer.demand
    demand = {
        "items": dict(d.items),
        "weight_g": d.weight_g,
        "volume_cm3": d.volume_cm3,
        "skills": sorted(d.skills),
        "service_s": d.service_s,
        "site": d.site,
    }
    return json.dumps(
        {
            "id": offer.id,
            "slots": [
                {
                    "window": {"start_s": s.window.start_s, "end_s": s.window.end_s},
                    "site": s.site,
                    "courier": s.courier,
                    "arrival_s": s.arrival_s,
                    "confidence": s.confidence,
                    "asap": s.asap,
                }
                for s in offer.slots
            ],
            "reason": offer.reason.value if offer.reason else None,
            "expires_s": offer.expires_s,
            "demand": demand,
            "address": list(offer.address),
            "held": {str(site): dict(items) for site, items in offer.held.items()},
            "owner": offer.owner,
        }
    )


def load_offer(text: str | bytes) -> Offer:
    """The offer back from :func:`dump_offer`."""
    data: dict[str, Any] = json.loads(text)
    slots = tuple(Slot(**{**s, "window": Window(**s["window"])}) for s in data["slots"])
    demand = Demand(**{**data["demand"], "skills": frozenset(data["demand"]["skills"])})
    held = {int(site): Counter(items) for site, items in data["held"].items()}
    reason = Reason(data["reason"]) if data["reason"] else None
    lat, lon = data["address"]
    return Offer(data["id"], slots, reason, data["expires_s"], demand, (lat, lon), held, data.get("owner"))
