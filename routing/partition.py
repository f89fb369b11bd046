"""How a large problem is cut into sub-problems: by site and polar angle for a first plan, by neighbouring routes
of the current plan for improvement, and how much of a site's stock a sub-problem may use.

Pure numpy on the problem's coordinates and the travel matrix, no solver: ``routing.decompose`` runs the loop.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace

import numpy as np

from geo.matrix import Matrix
from routing.model import Courier, Problem
from routing.timing import StopRef

__all__ = [
    "Sector",
    "nearest_route",
    "neighbours",
    "representative",
    "route_cost",
    "route_metres",
    "sectors",
    "shared_stock",
    "short_stock",
    "stock_left",
    "stop_node",
    "tight_sites",
    "with_stock",
]

Sector = tuple[list[int], list[int]]
"""A sub-problem of the first plan: ``(couriers, orders)``."""


def _order_point(problem: Problem, o: int) -> tuple[float, float]:
    """Where an order is, for angles: its delivery, or the middle of its pickup and delivery."""
    order = problem.orders[o]
    if order.pickup is None:
        return order.location
    (a, b), (c, d) = order.location, order.pickup.location
    return (a + c) / 2, (b + d) / 2


def _by_angle(problem: Problem, site: int, orders: list[int]) -> list[int]:
    """``orders`` sorted by polar angle around the site, starting after the widest empty angle."""
    lat0, lon0 = problem.sites[site].location
    angles = np.array([math.atan2(p[0] - lat0, p[1] - lon0) for p in map(lambda o: _order_point(problem, o), orders)])
    order = np.argsort(angles, kind="stable")
    sorted_angles = angles[order]
    gaps = np.diff(np.append(sorted_angles, sorted_angles[0] + 2 * math.pi))
    first = (int(np.argmax(gaps)) + 1) % len(order)
    return [orders[int(k)] for k in np.roll(order, -first)]


def _home_sites(problem: Problem, matrix: Matrix, orders: Sequence[int], allowed: Mapping[int, Sequence[int]]) -> dict:
    """Each order's home site: the nearest site with a courier allowed to serve it."""
    dist = matrix.distance_m[problem.couriers[0].profile]
    home: dict[int, list[int]] = {}
    for o in orders:
        sites = sorted({problem.couriers[c].site for c in allowed[o]})
        node = problem.delivery_node(o)
        best = min(sites, key=lambda s: (int(dist[s, node]), s))
        home.setdefault(best, []).append(o)
    return home


def sectors(
    problem: Problem, matrix: Matrix, orders: Sequence[int], allowed: Mapping[int, Sequence[int]], size: int
) -> list[Sector]:
    """Cut the orders into sub-problems of about ``size`` orders for a first plan.

    Each order goes to its home site (the nearest one that can serve it); a site's orders are cut into slices of
    polar angle around it, and the site's couriers, sorted by shift and vehicle, are dealt round-robin to its
    slices, so every slice gets couriers of every shift and vehicle (dealt in their given order, couriers listed
    morning, afternoon, morning, … would give one slice all the mornings and leave its afternoon orders unserved).
    """
    by_site: dict[int, list[int]] = {}
    for c, courier in sorted(enumerate(problem.couriers), key=lambda kc: _courier_kind(kc[1])):
        by_site.setdefault(courier.site, []).append(c)
    result: list[Sector] = []
    for site, site_orders in sorted(_home_sites(problem, matrix, orders, allowed).items()):
        couriers = by_site.get(site, [])
        k = max(1, min(round(len(site_orders) / size), len(couriers)))
        for j, part in enumerate(np.array_split(np.array(_by_angle(problem, site, site_orders)), k)):
            result.append((couriers[j::k], [int(o) for o in part]))
    return result


def _courier_kind(courier: Courier) -> tuple[int, int, str, int]:
    return courier.shift.start_s, courier.shift.end_s, courier.profile, -courier.capacity.weight_g


def stop_node(problem: Problem, stop: StopRef) -> int:
    """The matrix node of a stop."""
    o, kind = stop
    return problem.pickup_node[o] if kind == "pickup" else problem.delivery_node(o)


def route_metres(problem: Problem, matrix: Matrix, courier: int, stops: Sequence[StopRef]) -> int:
    """Metres ``courier`` drives from its site through ``stops`` to its last site."""
    c = problem.couriers[courier]
    nodes = [c.site, *(stop_node(problem, s) for s in stops), c.last_site]
    return int(matrix.distance_m[c.profile][nodes[:-1], nodes[1:]].sum())


def route_cost(problem: Problem, matrix: Matrix, courier: int, stops: Sequence[StopRef]) -> int:
    """What a route adds to the solver's objective: the courier's fixed cost plus the metres driven."""
    return int(problem.couriers[courier].fixed_cost) + route_metres(problem, matrix, courier, stops)


def left_out(routes: Mapping[int, Sequence[StopRef]], orders: Iterable[int]) -> list[int]:
    """The ``orders`` that none of ``routes`` serves, in their given order."""
    served = {o for stops in routes.values() for o, _ in stops}
    return [o for o in orders if o not in served]


def representative(problem: Problem, dist: np.ndarray, stops: Sequence[StopRef]) -> int:
    """The route's medoid: the stop node with the least travel to and from the route's other stops."""
    nodes = np.array(sorted({stop_node(problem, s) for s in stops}))
    sub = dist[np.ix_(nodes, nodes)]
    return int(nodes[int(np.argmin(sub.sum(axis=0) + sub.sum(axis=1)))])


def neighbours(dist: np.ndarray, seed: int, candidates: Sequence[tuple[int, int]]) -> list[int]:
    """``candidates`` as ``(key, node)`` sorted by travel between ``seed`` and their node (both ways), nearest first."""
    if not candidates:
        return []
    nodes = np.array([n for _, n in candidates])
    closeness = dist[seed, nodes] + dist[nodes, seed]
    return [candidates[int(k)][0] for k in np.argsort(closeness, kind="stable")]


def nearest_route(dist: np.ndarray, reps: Mapping[int, int], nodes: Sequence[int]) -> list[int]:
    """For each node, the route (key of ``reps``) whose representative is nearest."""
    keys = list(reps)
    if not keys or not nodes:
        return []
    rep_nodes = np.array([reps[k] for k in keys])
    near = np.argmin(dist[np.ix_(rep_nodes, np.asarray(nodes))], axis=0)
    return [keys[int(k)] for k in near]


def tight_sites(problem: Problem, orders: Sequence[int], allowed: Mapping[int, Sequence[int]]) -> set[int]:
    """Sites whose stock of some item cannot cover every order that could be served from there."""
    return {site for site, _ in short_stock(problem, orders, allowed)}


def short_stock(problem: Problem, orders: Sequence[int], allowed: Mapping[int, Sequence[int]]) -> set[tuple[int, str]]:
    """The ``(site, item)`` pairs whose stock cannot cover every order of ``orders`` (deliveries from stock; pickups
    carry no stock) that a courier ``allowed`` to serve it could take from that site."""
    demand: dict[tuple[int, str], int] = {}
    for o in orders:
        order = problem.orders[o]
        if order.pickup is not None:
            continue
        for site in {problem.couriers[c].site for c in allowed[o]}:
            for item, qty in order.items.items():
                demand[site, item] = demand.get((site, item), 0) + qty
    return {(site, item) for (site, item), qty in demand.items() if qty > problem.sites[site].stock.get(item, 0)}


def stock_left(
    problem: Problem, sites: set[int], routes: Mapping[int, Sequence[StopRef]], outside: Sequence[int]
) -> dict[int, dict[str, int]]:
    """Stock of ``sites`` not used by the routes of the couriers ``outside`` a sub-problem."""
    left = {s: dict(problem.sites[s].stock) for s in sites}
    for c in outside:
        site = problem.couriers[c].site
        if site not in left:
            continue
        for o, kind in routes.get(c, ()):
            if kind == "delivery" and problem.orders[o].pickup is None:
                for item, qty in problem.orders[o].items.items():
                    left[site][item] = left[site].get(item, 0) - qty
    return {s: {item: max(0, q) for item, q in stock.items()} for s, stock in left.items()}


def with_stock(problem: Problem, stock: Mapping[int, dict[str, int]]) -> Problem:
    """``problem`` with the stock of the sites in ``stock`` replaced (the same problem when ``stock`` is empty)."""
    if not stock:
        return problem
    sites = tuple(replace(site, stock=stock[k]) if k in stock else site for k, site in enumerate(problem.sites))
    return replace(problem, sites=sites)


def shared_stock(problem: Problem, sites: set[int], parts: Sequence[Sector]) -> list[dict[int, dict[str, int]]]:
    """For a first plan: each sector's share of the stock of ``sites`` (those of its couriers), in proportion to
    its orders' demand among the sectors of the same site."""
    demand = [_demand(problem, orders) for _, orders in parts]
    mine = [{problem.couriers[c].site for c in couriers} & sites for couriers, _ in parts]
    total: dict[int, dict[str, int]] = {}
    for d, own in zip(demand, mine, strict=True):
        for s in own:
            for item, q in d.items():
                total.setdefault(s, {})[item] = total.setdefault(s, {}).get(item, 0) + q
    return [
        {
            s: {item: problem.sites[s].stock.get(item, 0) * d.get(item, 0) // max(1, q) for item, q in total[s].items()}
            for s in own
        }
        for d, own in zip(demand, mine, strict=True)
    ]


def _demand(problem: Problem, orders: Sequence[int]) -> dict[str, int]:
    need: dict[str, int] = {}
    for o in orders:
        for item, qty in problem.orders[o].items.items():
            need[item] = need.get(item, 0) + qty
    return need
