"""Greedy insertion with blinks, in numpy, for plans of plain deliveries: a recreate with no OR-Tools search in it.

A ruin-and-recreate round whose recreate is OR-Tools' local search costs tens of milliseconds on short routes and a
quarter of a second on long ones, most of it in the descent. SISR (Christiaens & Vanden Berghe 2020) shows that
ruin plus a cheap greedy insertion, repeated very many times, finds good plans. This module is that insertion for
models whose orders are plain deliveries from the courier's site with one time window each and no stock that runs
short (:func:`plain_deliveries`): every insertion position of every route is priced at once from arrays of the
earliest departure from each stop and the latest start that keeps the rest of the route on time, each position is
skipped with a small probability (a "blink"), and the order goes where it adds the fewest metres. The constraints
are the OR-Tools model's (windows, service times, shifts and site opening, capacities, allowed couriers), so OR-Tools
reads the plans back unchanged; :mod:`routing.ruin_recreate` alternates these rounds with OR-Tools' own.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from geo.matrix import Matrix
from routing.model import Problem
from routing.ortools_model import RoutingModel
from routing.partition import tight_sites
from routing.timing import StopRef

__all__ = ["GreedyRoutes", "one_window_deliveries", "plain_deliveries"]

_BLINK = 0.01
_NONE = np.iinfo(np.int64).max // 4


def plain_deliveries(problem: Problem, orders: Sequence[int], allowed: Mapping[int, Sequence[int]]) -> bool:
    """True when every order is a plain delivery (no pickup) with one window and no site is short of stock."""
    return one_window_deliveries(problem, orders) and not tight_sites(problem, orders, allowed)


def one_window_deliveries(problem: Problem, orders: Sequence[int]) -> bool:
    """True when every order of ``orders`` is a delivery (no pickup) with one time window."""
    return all(problem.orders[o].pickup is None and len(problem.orders[o].windows) == 1 for o in orders)


# rows of a route's table of insertion positions: one column per position (before its first stop, ..., after
# its last); the rows from _ROOM on are the capacity left, one per capacity dimension
_ROUTE, _AT, _PREV, _NEXT, _DEPART, _LATEST, _ARC, _OPENING, _ROOM = range(9)


@dataclass
class _Route:
    """One courier's stops, metres and table of insertion positions: per position, the route's index, the position,
    the nodes before and after, the earliest departure from the node before, the latest start at the node after that
    keeps the rest of the route on time, the metres between the two, the fixed cost of opening the route (if empty)
    and the capacity left."""

    stops: list[int]
    metres: int
    table: np.ndarray


class GreedyRoutes:
    """Routes of the couriers of ``model`` over its orders (plain deliveries), all empty at first, with greedy
    insertion of single orders under the model's constraints; ``matrix`` is the model's."""

    def __init__(self, model: RoutingModel, matrix: Matrix) -> None:
        problem, orders, allowed = model.problem, model.orders, model.allowed
        self.couriers = list(model.couriers)
        n = len(problem.orders)
        # per order: delivery node, service time, window start and end, as one table so a re-timing gathers once
        self.per_order = np.array(
            [
                [problem.delivery_node(o) for o in range(n)],
                [o.service_s for o in problem.orders],
                [o.windows[0].start_s for o in problem.orders],
                [o.windows[0].end_s for o in problem.orders],
            ],
            dtype=np.int64,
        )
        self.node, self.service, self.early, self.late = self.per_order  # views of its rows
        self.demand = np.array([[o.weight_g, o.volume_cm3, o.item_count] for o in problem.orders], dtype=np.int64)
        self.allowed = np.zeros((n, len(self.couriers)), dtype=bool)
        index = {c: k for k, c in enumerate(self.couriers)}
        for o in orders:
            for c in allowed[o]:
                if c in index:
                    self.allowed[o, index[c]] = True
        cs = [problem.couriers[c] for c in self.couriers]
        self.profiles = sorted({c.profile for c in cs})
        self.dist = {p: matrix.distance_m[p] for p in self.profiles}
        self.dur = {p: matrix.duration_s[p] for p in self.profiles}
        self.profile = [c.profile for c in cs]
        self.profile_index = np.array([self.profiles.index(c.profile) for c in cs], dtype=np.int64)
        self.ends = [(c.site, c.last_site) for c in cs]
        self.open_s = [max(c.shift.start_s, problem.sites[c.site].opening.start_s) for c in cs]
        self.close_s = [c.shift.end_s for c in cs]
        self.fixed = [int(c.fixed_cost) for c in cs]
        # weight always; volume and item count only when some courier limits them (as in the OR-Tools model)
        limits = [[c.capacity.weight_g, c.capacity.volume_cm3, c.capacity.items] for c in cs]
        dims = [d for d in range(3) if d == 0 or any(row[d] is not None for row in limits)]
        self.demand = self.demand[:, dims]
        capacity = [[_NONE if row[d] is None else row[d] for d in dims] for row in limits]
        self.capacity = np.array(capacity, dtype=np.int64)
        sites = sorted({c.site for c in cs})  # how far each order is from the nearest site, to sort insertions by
        self.remoteness = np.min([self.dist[cs[0].profile][s, self.node] for s in sites], axis=0)
        self.routes = [self._timed(k, []) for k in range(len(cs))]
        self._flat: np.ndarray | None = None

    # -- routes -------------------------------------------------------------------------------------------------
    def load(self, routes: Mapping[int, Sequence[StopRef]]) -> None:
        """Set the routes (courier → stops); couriers not in ``routes`` are empty."""
        self.routes = [self._timed(k, [o for o, _ in routes.get(c, ())]) for k, c in enumerate(self.couriers)]
        self._flat = None

    def as_routes(self) -> dict[int, list[StopRef]]:
        """The non-empty routes as courier → stops."""
        pairs = zip(self.couriers, self.routes, strict=True)
        return {c: [(o, "delivery") for o in r.stops] for c, r in pairs if r.stops}

    def cost(self) -> int:
        """Metres driven plus the fixed costs of the couriers used."""
        return sum(r.metres + self.fixed[k] for k, r in enumerate(self.routes) if r.stops)

    def snapshot(self) -> list[_Route]:
        """The routes as they are now, to :meth:`restore` later."""
        return list(self.routes)

    def restore(self, routes: list[_Route]) -> None:
        """Go back to routes taken by :meth:`snapshot`."""
        self.routes = list(routes)
        self._flat = None

    def stops(self) -> list[list[int]]:
        """Each courier's orders in visiting order, by position in the model's couriers."""
        return [r.stops for r in self.routes]

    def changed_since(self, routes: list[_Route]) -> list[int]:
        """Positions of the couriers whose route is no longer the one in ``routes`` (a :meth:`snapshot`)."""
        return [k for k, (now, then) in enumerate(zip(self.routes, routes, strict=True)) if now is not then]

    def set_stops(self, changed: Mapping[int, list[int]]) -> None:
        """Give the couriers at the positions in ``changed`` those orders as their routes."""
        for k, stops in changed.items():
            self.routes[k] = self._timed(k, stops)
        self._flat = None

    def remove(self, orders: set[int]) -> None:
        """Take ``orders`` out of their routes."""
        for k, r in enumerate(self.routes):
            if any(o in orders for o in r.stops):
                self.routes[k] = self._timed(k, [o for o in r.stops if o not in orders])
        self._flat = None

    def _timed(self, k: int, stops: list[int]) -> _Route:
        node, service, early, late = self.per_order[:, np.array(stops, dtype=np.int64)]
        table = np.empty((_ROOM + len(self.capacity[k]), len(stops) + 1), dtype=np.int64)
        table[_ROUTE] = k
        table[_AT] = np.arange(len(stops) + 1)
        table[_PREV, 0], table[_PREV, 1:] = self.ends[k][0], node
        table[_NEXT, -1], table[_NEXT, :-1] = self.ends[k][1], node
        legs = table[_PREV], table[_NEXT]
        travel, arcs = self.dur[self.profile[k]][legs], self.dist[self.profile[k]][legs]
        # reach[i]: service and travel before node i (0: the site). The earliest start at node i is reach[i] plus
        # the largest (ready time - reach) of the nodes up to i; the latest is reach[i] plus the smallest
        # (due time - reach) of the nodes from i on.
        step = travel.copy()
        step[1:] += service
        reach = np.zeros(len(stops) + 2, dtype=np.int64)
        np.cumsum(step, out=reach[1:])
        ready = np.empty(len(stops) + 1, dtype=np.int64)
        ready[0], ready[1:] = self.open_s[k], early
        table[_DEPART] = np.maximum.accumulate(ready - reach[:-1]) + reach[1:] - travel
        due = np.empty(len(stops) + 1, dtype=np.int64)
        due[-1], due[:-1] = self.close_s[k], late
        table[_LATEST] = np.minimum.accumulate((due - reach[1:])[::-1])[::-1] + reach[1:]
        table[_ARC] = arcs
        table[_OPENING] = 0 if stops else self.fixed[k]
        table[_ROOM:] = (self.capacity[k] - self.demand[stops].sum(axis=0))[:, None]
        return _Route(stops, int(arcs.sum()), table)

    # -- inserting ------------------------------------------------------------------------------------------
    def _positions(self) -> np.ndarray:
        if self._flat is None:
            self._flat = np.concatenate([r.table for r in self.routes], axis=1)
        return self._flat

    def best_position(self, o: int, rng: np.random.Generator) -> tuple[int, int, int] | None:
        """Where order ``o`` adds fewest metres (plus a fixed cost if its route is empty): ``(route, position,
        added cost)``, or ``None`` if it fits nowhere. Each position is skipped with probability ``_BLINK``."""
        f = self._positions()
        node, route = int(self.node[o]), f[_ROUTE]
        there, back, via = self._legs(route, f[_PREV], f[_NEXT], node)
        start = np.maximum(f[_DEPART] + there, self.early[o])
        ok = (start <= self.late[o]) & (start + self.service[o] + back <= f[_LATEST])
        ok &= (f[_ROOM:] >= self.demand[o][:, None]).all(axis=0)
        ok &= self.allowed[o, route]
        ok &= rng.random(len(ok)) >= _BLINK
        if not ok.any():
            return None
        price = np.where(ok, via - f[_ARC] + f[_OPENING], _NONE)
        i = int(np.argmin(price))
        return int(route[i]), int(f[_AT][i]), int(price[i])

    def _legs(
        self, route: np.ndarray, prev: np.ndarray, nxt: np.ndarray, node: int
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per position, on its route's profile: seconds from the stop before to ``node``, from ``node`` to the stop
        after, and metres of that detour (before → node → after)."""
        if len(self.profiles) == 1:
            dur, dist = self.dur[self.profiles[0]], self.dist[self.profiles[0]]
            return dur[prev, node], dur[node, nxt], dist[prev, node] + dist[node, nxt]
        there, back, via = (np.zeros(len(route), dtype=np.int64) for _ in range(3))
        of_route = self.profile_index[route]
        for k, p in enumerate(self.profiles):
            m = of_route == k
            dur, dist = self.dur[p], self.dist[p]
            there[m], back[m] = dur[prev[m], node], dur[node, nxt[m]]
            via[m] = dist[prev[m], node] + dist[node, nxt[m]]
        return there, back, via

    def insert(self, o: int, route: int, at: int) -> None:
        """Put order ``o`` at position ``at`` of route ``route`` (0: first stop)."""
        stops = self.routes[route].stops
        self.routes[route] = self._timed(route, [*stops[:at], o, *stops[at:]])
        self._flat = None

    def recreate(self, orders: Iterable[int], rng: np.random.Generator) -> set[int]:
        """Insert ``orders`` one by one, each where it adds least, in an order drawn at random among SISR's (at
        random, largest first, farthest from the sites first, tightest window first); return those that fit
        nowhere."""
        todo = np.array(sorted(orders), dtype=np.int64)
        how = int(rng.integers(4))
        if how == 0:
            rng.shuffle(todo)
        else:
            key = (-self.demand[todo, 0], -self.remoteness[todo], self.late[todo] - self.early[todo])[how - 1]
            todo = todo[np.argsort(key, kind="stable")]
        left_out: set[int] = set()
        for o in todo.tolist():
            found = self.best_position(o, rng)
            if found is None:
                left_out.add(o)
            else:
                self.insert(o, found[0], found[1])
        return left_out
