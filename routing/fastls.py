"""A compiled neighbourhood search for plans of plain deliveries, beside OR-Tools' local search.

Ruin and recreate with greedy insertion (:mod:`routing.greedy`) makes thousands of rounds a second but never
reorders what it did not ruin; OR-Tools' descent does, at tens to hundreds of milliseconds a round. This module is
the descent in numba (:mod:`routing.fastls_kernels`): relocate of one to three consecutive stops (or-opt), swap,
2-opt* (two routes exchange their tails) and 2-opt within a route, over granular neighbourhoods (each order's
``neighbours`` nearest orders by metres and time-window fit, as in HGS), first improvement until no move improves
the plan. Time windows, capacities and opening and closing times are checked in O(1) per move from each route's
earliest and latest service starts, on the model's integer (possibly asymmetric) matrices; the objective is metres
plus the fixed cost of every used route, so emptying a route gains its fixed cost. It models the OR-Tools model
exactly for the cases :func:`applies` accepts, so OR-Tools reads every plan it returns back at the same objective.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence

import numpy as np

from geo.matrix import Matrix
from routing.fastls_kernels import Instance, descend
from routing.greedy import plain_deliveries
from routing.numba_cache import compiled_or_cached
from routing.ortools_model import RoutingModel

__all__ = ["NEIGHBOURS", "LocalSearch", "applies", "ready", "warm_up"]

NEIGHBOURS = 20
"""How many nearest orders each order's moves are tried with."""
_WAIT_WEIGHT = 0.2  # of the seconds a courier would wait going from one order to the other, in the proximity
_LATE_WEIGHT = 1.0  # of the seconds it would be late
_ROWS = 512  # proximity rows computed at once (the neighbours of 5,000 orders without a 5,000² table)
_BIG = np.iinfo(np.int64).max // 4


def applies(model: RoutingModel) -> bool:
    """True when the compiled search models ``model`` exactly: plain deliveries (:func:`plain_deliveries`) with no
    ready time, one trip per courier, no breaks, working-time or distance limits, no cap on waits and one travel
    profile."""
    problem = model.problem
    couriers = [problem.couriers[c] for c in model.couriers]
    simple = all(c.max_duration_s is None and c.max_distance_m is None and not c.breaks for c in couriers)
    simple &= len({c.profile for c in couriers}) == 1 and model.trip_slots == len(couriers)
    simple &= model.max_wait_s is None and model.wave is None
    simple &= all(problem.orders[o].ready_s is None for o in model.orders)
    return bool(couriers) and simple and plain_deliveries(problem, model.orders, model.allowed)


def ready() -> bool:
    """True when using the descent costs no compile: it is compiled in this process, or numba's on-disk cache holds
    it for this source (loading it takes ~0.2 s). A compile takes 15-40 s, more than most solves' budgets, so a solve
    uses the descent only when this is true (:func:`warm_up` or ``python -m routing.fastls`` makes it so)."""
    return compiled_or_cached(descend)


class LocalSearch:
    """The compiled descent over the couriers and orders of ``model`` (which :func:`applies` accepts) on ``matrix``,
    with each order's moves tried with its ``neighbours`` nearest orders. Routes are by courier position in
    ``model.couriers`` and hold order indices, as :class:`routing.greedy.GreedyRoutes` keeps them."""

    def __init__(self, model: RoutingModel, matrix: Matrix, neighbours: int = NEIGHBOURS) -> None:
        problem = model.problem
        self.orders = np.array(model.orders, dtype=np.int64)
        cs = [problem.couriers[c] for c in model.couriers]
        profile = cs[0].profile
        depots = sorted({c.site for c in cs} | {c.last_site for c in cs})
        n = len(self.orders)
        self.local = np.full(len(problem.orders), -1, dtype=np.int64)
        self.local[self.orders] = np.arange(n)
        orders = [problem.orders[o] for o in model.orders]
        service = [o.service_s for o in orders] + [0] * len(depots)
        early = [o.windows[0].start_s for o in orders] + [0] * len(depots)
        late = [o.windows[0].end_s for o in orders] + [_BIG] * len(depots)
        # weight always; volume and item count only when some courier limits them (as in the OR-Tools model)
        limits = [[c.capacity.weight_g, c.capacity.volume_cm3, c.capacity.items] for c in cs]
        dims = [d for d in range(3) if d == 0 or any(row[d] is not None for row in limits)]
        demand = np.zeros((n + len(depots), len(dims)), dtype=np.int64)
        demand[:n] = np.array([[o.weight_g, o.volume_cm3, o.item_count] for o in orders], dtype=np.int64)[:, dims]
        allowed = np.zeros((n, len(cs)), dtype=np.bool_)
        index = {c: k for k, c in enumerate(model.couriers)}
        for k, o in enumerate(model.orders):
            allowed[k, [index[c] for c in model.allowed[o] if c in index]] = True
        self.free = bool(allowed.all())
        depot = {s: n + k for k, s in enumerate(depots)}
        self.start = np.array([depot[c.site] for c in cs], dtype=np.int64)
        self.end = np.array([depot[c.last_site] for c in cs], dtype=np.int64)
        close = np.array([c.shift.end_s for c in cs], dtype=np.int64)
        self.instance = Instance(
            np.array([problem.delivery_node(o) for o in model.orders] + depots, dtype=np.int64),
            np.ascontiguousarray(matrix.distance_m[profile]),  # (a copy only if not C-ordered: one compiled layout)
            np.ascontiguousarray(matrix.duration_s[profile]),
            np.array(service, dtype=np.int64),
            np.array(early, dtype=np.int64),
            np.array(late, dtype=np.int64),
            demand,
            np.array([[_BIG if row[d] is None else row[d] for d in dims] for row in limits], dtype=np.int64),
            np.array([max(c.shift.start_s, problem.sites[c.site].opening.start_s) for c in cs], dtype=np.int64),
            close,
            np.array([int(c.fixed_cost) for c in cs], dtype=np.int64),
            np.unique(np.stack([self.end, close]), axis=1, return_inverse=True)[1].ravel().astype(np.int64),
            allowed,
        )
        self.neighbours = _nearest(self.instance, n, min(neighbours, n - 1))

    def improve(
        self, routes: Sequence[Sequence[int]], touched: Iterable[int], rng: np.random.Generator
    ) -> tuple[dict[int, list[int]], int]:
        """Descend from ``routes`` (on time and within capacity, one per courier position), trying only moves
        around the ``touched`` routes and those they change; orders are visited in an order drawn from ``rng``.
        Returns the routes that changed (courier position → orders) and the change in cost (metres plus fixed
        costs; never positive). Raises ``ValueError`` if a route holds an order that is not the model's."""
        longest = max((len(r) for r in routes), default=0)
        lmax = min(len(self.orders), max(2 * longest, longest + 16)) + 2
        seq = np.empty((len(routes), lmax), dtype=np.int64)
        length = np.array([len(r) for r in routes], dtype=np.int64)
        seq[:, 0] = self.start
        for k, stops in enumerate(routes):
            seq[k, 1 : len(stops) + 1] = self.local[np.asarray(stops, dtype=np.int64)]
            seq[k, len(stops) + 1] = self.end[k]
        if any(self.local[o] < 0 for stops in routes for o in stops):
            raise ValueError("LocalSearch.improve: a route holds an order that is not the model's")
        order = rng.permutation(len(self.orders)).astype(np.int64)
        touched_rows = np.array(sorted(set(touched)), dtype=np.int64)
        before = seq.copy()
        _, delta = descend(self.instance, seq, length, self.neighbours, order, touched_rows, self.free)
        changed = {}
        for k in range(len(routes)):
            m = int(length[k])
            if m != len(routes[k]) or not np.array_equal(seq[k, 1 : m + 1], before[k, 1 : m + 1]):
                changed[k] = self.orders[seq[k, 1 : m + 1]].tolist()
        return changed, int(delta)


def _nearest(instance: Instance, n: int, k: int) -> np.ndarray:
    """Each client's ``k`` nearest other clients by metres both ways plus weighted wait and lateness (HGS's
    proximity), nearest first."""
    node, dist, dur, service, early, late = instance[:6]
    out = np.full((n, max(k, 0)), -1, dtype=np.int64)
    if k <= 0:
        return out
    clients = node[:n]
    for first in range(0, n, _ROWS):
        rows = np.arange(first, min(n, first + _ROWS))
        there = _proximity(dist, dur, clients[rows], clients, service, early, late, rows, np.arange(n))
        back = _proximity(dist, dur, clients, clients[rows], service, early, late, np.arange(n), rows).T
        proximity = np.minimum(there, back)
        proximity[np.arange(len(rows)), rows] = np.inf
        best = np.argpartition(proximity, k - 1, axis=1)[:, :k]
        by_distance = np.take_along_axis(proximity, best, axis=1).argsort(axis=1, kind="stable")
        out[rows] = np.take_along_axis(best, by_distance, axis=1)
    return out


def _proximity(
    dist: np.ndarray,
    dur: np.ndarray,
    origins: np.ndarray,
    targets: np.ndarray,
    service: np.ndarray,
    early: np.ndarray,
    late: np.ndarray,
    of_origins: np.ndarray,
    of_targets: np.ndarray,
) -> np.ndarray:
    """Metres from each origin node to each target node plus the weighted wait (the target opens after the latest
    departure from the origin reaches it) and lateness (the earliest departure reaches it after it closes);
    ``of_origins`` and ``of_targets`` index the per-client arrays."""
    travel = dur[np.ix_(origins, targets)] + service[of_origins, None]
    wait = np.maximum(0, early[None, of_targets] - travel - late[of_origins, None])
    lateness = np.maximum(0, early[of_origins, None] + travel - late[None, of_targets])
    return dist[np.ix_(origins, targets)] + _WAIT_WEIGHT * wait + _LATE_WEIGHT * lateness


def warm_up() -> float:
    """Compile (or load from numba's on-disk cache) the descent on a two-order plan; the seconds it took. The first
    call after an install or a change of :mod:`routing.fastls_kernels` compiles (15-40 s); later processes load the
    cache (~0.2 s); ``python -m routing.fastls`` pays it outside a solve."""
    started = time.monotonic()
    dist = np.array([[0, 5, 5], [5, 0, 2], [5, 2, 0]], dtype=np.int64)
    instance = Instance(
        np.arange(3, dtype=np.int64),
        dist,
        dist,
        np.zeros(3, dtype=np.int64),
        np.zeros(3, dtype=np.int64),
        np.full(3, 100, dtype=np.int64),
        np.zeros((3, 1), dtype=np.int64),
        np.full((2, 1), 10, dtype=np.int64),
        np.zeros(2, dtype=np.int64),
        np.full(2, 100, dtype=np.int64),
        np.zeros(2, dtype=np.int64),
        np.zeros(2, dtype=np.int64),
        np.ones((2, 2), dtype=np.bool_),
    )
    seq = np.array([[2, 0, 2, 2], [2, 1, 2, 2]], dtype=np.int64)
    neighbours = np.array([[1], [0]], dtype=np.int64)
    descend(instance, seq, np.array([1, 1]), neighbours, np.arange(2), np.arange(2), True)
    return time.monotonic() - started


if __name__ == "__main__":
    print(f"routing.fastls: compiled or loaded from numba's cache in {warm_up():.1f} s")
