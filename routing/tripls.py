"""Ruin and recreate over couriers' whole days of trips, compiled, beside OR-Tools' local search.

On a multi-trip model OR-Tools checks every move against the constraints that order a courier's trips in time (its
propagation, not its fast filters): a few hundred moves a second reach them. This search keeps each courier's day as
one sequence, a reload at the site before each trip and its breaks between visits (:mod:`routing.tripls_days`),
checks an insertion's time windows, breaks, ready times, per-trip capacity and working time in O(1) from the day's
prefix and suffix segments (and its site's stock from the units of each short item left), and runs SISR's ruin and
recreate (Christiaens & Vanden Berghe 2020): strings of consecutive orders removed from trips near a random order,
every order left out put back at its cheapest place on a trip or on a new trip of its own (within the courier's
``max_trips``), with blinks, under simulated annealing. Thousands of rounds a second.

It models the OR-Tools model exactly for the models :func:`applies` accepts, with the trips of a day in time order
(OR-Tools also allows any order), so OR-Tools reads every plan it returns back at the same objective and goes on
from there (:func:`routing.phases.first_search`).
"""

from __future__ import annotations

import time
from collections.abc import Mapping

import numpy as np

from geo.matrix import Matrix
from routing.deadline import Deadline
from routing.greedy import one_window_deliveries
from routing.numba_cache import compiled_or_cached
from routing.ortools_model import RoutingModel, SearchResult
from routing.partition import short_stock
from routing.picking import site_ready_times
from routing.timing import StopRef
from routing.tripls_days import BIG, BREAK, NEG, RELOAD, Instance, copy_days, new_days, retime
from routing.tripls_kernels import search, seed_rng

__all__ = ["READ_BACK_SHARE", "TripSearch", "applies", "ready", "warm_up"]

READ_BACK_SHARE = 0.1
"""Of a multi-trip first search's time, what is left for OR-Tools to read the days back and search on from them."""
_NEAR = 64  # orders by distance that the ruin walks from its seed order
_TEMPERATURE = 0.01  # the annealing's first temperature, of the metres out to every order and back ...
_COOLING = 0.01  # ... and its last, of the first
_CHUNK_S = 0.05  # rounds run at once between two looks at the clock


def applies(model: RoutingModel) -> bool:
    """True when the search models ``model`` exactly: some courier has more than one trip slot, deliveries with one
    window each (:func:`one_window_deliveries`), no distance limits, cap on waits or wave (any travel profiles,
    breaks and stock)."""
    problem = model.problem
    couriers = [problem.couriers[c] for c in model.couriers]
    simple = all(c.max_distance_m is None for c in couriers)
    simple &= model.trip_slots > len(couriers)
    simple &= model.max_wait_s is None and model.wave is None
    return bool(couriers) and simple and one_window_deliveries(problem, model.orders)


def ready() -> bool:
    """True when running the search costs no compile: compiled in this process or in numba's on-disk cache for
    this source (a compile takes 20-60 s; :func:`warm_up` or ``python -m routing.tripls`` pays it)."""
    return compiled_or_cached(search)


class TripSearch:
    """The days of ``model``'s couriers (which :func:`applies` accepts) on ``matrix``, searched from no day at all
    (its first rounds insert the orders)."""

    def __init__(self, model: RoutingModel, matrix: Matrix) -> None:
        problem = model.problem
        self.model = model
        self.couriers = list(model.couriers)
        cs = [problem.couriers[c] for c in self.couriers]
        self.orders = list(model.orders)
        self.local = {o: k for k, o in enumerate(self.orders)}
        orders = [problem.orders[o] for o in self.orders]
        n, count = len(orders), len(cs)
        limits = [[c.capacity.weight_g, c.capacity.volume_cm3, c.capacity.items] for c in cs]
        dims = [d for d in range(3) if d == 0 or any(row[d] is not None for row in limits)]
        demand = np.array([[o.weight_g, o.volume_cm3, o.item_count] for o in orders], dtype=np.int64)[:, dims]
        allowed = np.zeros((n, count), dtype=np.bool_)
        index = {c: k for k, c in enumerate(self.couriers)}
        for k, o in enumerate(self.orders):
            allowed[k, [index[c] for c in model.allowed[o] if c in index]] = True
        picked = site_ready_times(problem, {o: model.allowed[o] for o in self.orders})
        ready_at = np.full((n, count), NEG, dtype=np.int64)
        for k, order in enumerate(orders):
            for r, courier in enumerate(cs):
                at = order.ready_s if order.ready_s is not None else picked.get(courier.site, {}).get(self.orders[k])
                ready_at[k, r] = NEG if at is None else at
        # a courier with one slot ends its day elsewhere or has one order; the others make as many trips as pay
        modelled = model.courier_slots
        slots = [1 if modelled[c] == 1 else problem.couriers[c].trip_limit or n for c in self.couriers]
        profiles = sorted({c.profile for c in cs})
        dist, dur = (_by_profile(table, profiles) for table in (matrix.distance_m, matrix.duration_s))
        most_breaks = max(1, *(len(c.breaks) for c in cs))
        breaks = np.zeros((3, count, most_breaks), dtype=np.int64)
        for r, courier in enumerate(cs):
            for k, b in enumerate(courier.breaks):
                breaks[:, r, k] = b.duration_s, b.window.start_s, b.window.end_s
        nodes = np.array([problem.delivery_node(o) for o in self.orders], dtype=np.int64)
        self.instance = Instance(
            nodes,
            np.array([o.service_s for o in orders], dtype=np.int64),
            np.array([o.windows[0].start_s for o in orders], dtype=np.int64),
            np.array([o.windows[0].end_s for o in orders], dtype=np.int64),
            ready_at,
            demand,
            allowed,
            np.array([model.penalty[o] for o in self.orders], dtype=np.int64),
            _nearest(dist[0], nodes, min(_NEAR, n - 1)),
            np.array([[BIG if row[d] is None else row[d] for d in dims] for row in limits], dtype=np.int64),
            np.array([c.site for c in cs], dtype=np.int64),
            np.array([c.site if k > 1 else c.last_site for k, c in zip(slots, cs, strict=True)], dtype=np.int64),
            np.array([max(c.shift.start_s, problem.sites[c.site].opening.start_s) for c in cs], dtype=np.int64),
            np.array([c.shift.end_s for c in cs], dtype=np.int64),
            np.array([problem.sites[c.site].reload_s for c in cs], dtype=np.int64),
            np.array([BIG if c.max_duration_s is None else c.max_duration_s for c in cs], dtype=np.int64),
            np.array([int(c.fixed_cost) for c in cs], dtype=np.int64),
            np.array(slots, dtype=np.int64),
            np.array([profiles.index(c.profile) for c in cs], dtype=np.int64),
            dist,
            dur,
            np.array([len(c.breaks) for c in cs], dtype=np.int64),
            *breaks,
            *_short_stock(model, self.orders, self.couriers),
        )
        shape = (n, count, max(slots), len(dims), most_breaks, self.instance.stock)
        self.current, self.scratch, self.best = (new_days(*shape) for _ in range(3))
        for days in (self.current, self.best):
            for r in range(count):
                retime(self.instance, days, r)

    def run(self, deadline: Deadline, seed: int, rounds: int | None = None) -> int:
        """Search until ``deadline`` (or for ``rounds`` rounds, for repeatable runs); the rounds made."""
        seed_rng(seed)
        p = self.instance
        dist = p.dist[p.profile[0]]
        out_and_back = dist[p.site[0], p.node].sum() + dist[p.node, p.site[0]].sum()
        first = max(1.0, _TEMPERATURE * float(out_and_back))
        if rounds is not None:
            search(self.instance, self.current, self.scratch, self.best, rounds, first, first * _COOLING)
            return rounds
        budget, done, chunk = max(deadline.remaining(), 1e-3), 0, 16
        while (left := deadline.remaining()) > 0:
            began = time.monotonic()
            at = 1 - left / budget
            step = min(1.0, _CHUNK_S / budget)
            t0, t1 = first * _COOLING**at, first * _COOLING ** min(1.0, at + step)
            search(self.instance, self.current, self.scratch, self.best, chunk, t0, t1)
            done += chunk
            took = max(time.monotonic() - began, 1e-6)
            chunk = max(1, min(4 * chunk, int(chunk * _CHUNK_S / took)))
        return done

    def objective(self) -> int:
        """The best days' objective: metres, fixed costs and the penalties of the orders they leave out."""
        days = self.best
        return int(days.cost.sum()) + int(self.instance.penalty[days.where < 0].sum())

    def days(self) -> tuple[dict[int, list[StopRef]], dict[int, tuple[int, ...]]]:
        """The best days as the OR-Tools model reads them: each used courier's stops and where its trips start."""
        best = self.result()
        return best.routes, best.reloads

    def result(self) -> SearchResult:
        """The best days as a search result (status ``DAY_SEARCH``): each used courier's stops, where its trips start
        and where it takes each break, as :func:`routing.timing.time_route` takes them (before the leg to the
        first stop after it, or at the site before the trip that stop starts)."""
        routes: dict[int, list[StopRef]] = {}
        reloads: dict[int, tuple[int, ...]] = {}
        breaks: dict[int, tuple[int, ...]] = {}
        days = self.best
        for r, c in enumerate(self.couriers):
            sequence = days.g[r, : days.m[r]].tolist()
            if not sequence:
                continue
            stops: list[StopRef] = []
            cuts: list[int] = []
            at = [0] * int(self.instance.nb[r])
            for x in sequence:
                if x == RELOAD:
                    if stops:
                        cuts.append(len(stops))
                elif x < RELOAD:
                    at[BREAK - x] = len(stops)
                else:
                    stops.append((self.orders[x], "delivery"))
            routes[c], reloads[c], breaks[c] = stops, tuple(cuts), tuple(at)
        return SearchResult(routes, self.objective(), 1, "DAY_SEARCH", reloads, breaks)

    def slots(self) -> dict[int, int]:
        """Each courier's trip slots for a model that reads the best days back: the model's, or the trips of its
        best day when it makes more."""
        _, reloads = self.days()
        return {c: max(k, len(reloads.get(c, ())) + 1) for c, k in self.model.courier_slots.items()}


def _by_profile(table: Mapping[str, np.ndarray], profiles: list[str]) -> np.ndarray:
    """The ``profiles``' matrices of ``table`` as one array, profile first (a view, no copy, for one profile)."""
    if len(profiles) == 1:
        return np.ascontiguousarray(table[profiles[0]])[None]
    return np.stack([table[name] for name in profiles])


def _short_stock(model: RoutingModel, orders: list[int], couriers: list[int]) -> tuple[np.ndarray, ...]:
    """The stock the OR-Tools model caps (:func:`routing.partition.short_stock` over the model's couriers) in
    :class:`Instance`'s arrays: each courier's stock row (one per site), each order's units of the short items,
    each row's stock of them (``BIG`` where that site is not short)."""
    problem, ours = model.problem, set(couriers)
    allowed = {o: [c for c in model.allowed[o] if c in ours] for o in orders}
    short = short_stock(problem, orders, allowed)
    row = {site: k for k, site in enumerate(sorted({problem.couriers[c].site for c in couriers}))}
    column = {item: k for k, item in enumerate(sorted({item for _, item in short}))}
    stock = np.full((len(row), max(1, len(column))), BIG, dtype=np.int64)
    for site, item in short:
        stock[row[site], column[item]] = problem.sites[site].stock.get(item, 0)
    needs = np.zeros((len(orders), stock.shape[1]), dtype=np.int64)
    for k, o in enumerate(orders):
        for item, j in column.items():
            needs[k, j] = problem.orders[o].items.get(item, 0)
    rows = np.array([row[problem.couriers[c].site] for c in couriers], dtype=np.int64)
    return rows, needs, stock


def _nearest(dist: np.ndarray, nodes: np.ndarray, k: int) -> np.ndarray:
    """Each order's ``k`` nearest other orders by the shorter of the metres there and back, nearest first."""
    n = len(nodes)
    near = np.zeros((n, max(k, 0)), dtype=np.int64)
    if k <= 0:
        return near
    both = np.minimum(dist[np.ix_(nodes, nodes)], dist[np.ix_(nodes, nodes)].T).astype(np.float64)
    np.fill_diagonal(both, np.inf)
    return np.argsort(both, axis=1, kind="stable")[:, :k].astype(np.int64)


def warm_up() -> float:
    """Compile (or load from numba's cache) the search on a two-order day with a break; the seconds it took."""
    began = time.monotonic()
    dist = np.array([[[0, 5, 5], [5, 0, 2], [5, 2, 0]]], dtype=np.int64)
    one = np.ones(1, dtype=np.int64)
    instance = Instance(
        np.array([1, 2], dtype=np.int64),
        np.zeros(2, dtype=np.int64),
        np.zeros(2, dtype=np.int64),
        np.full(2, 100, dtype=np.int64),
        np.full((2, 1), NEG, dtype=np.int64),
        np.ones((2, 1), dtype=np.int64),
        np.ones((2, 1), dtype=np.bool_),
        np.full(2, 1000, dtype=np.int64),
        np.array([[1], [0]], dtype=np.int64),
        one.reshape(1, 1),
        0 * one,
        0 * one,
        0 * one,
        100 * one,
        one,
        BIG * one,
        0 * one,
        2 * one,
        0 * one,
        dist,
        dist,
        one,
        one.reshape(1, 1),
        0 * one.reshape(1, 1),
        100 * one.reshape(1, 1),
        0 * one,
        np.ones((2, 1), dtype=np.int64),
        2 * one.reshape(1, 1),
    )
    days = [new_days(2, 1, 2, 1, 1, instance.stock) for _ in range(3)]
    retime(instance, days[0], 0)
    copy_days(days[0], days[2], np.ones(1, dtype=np.bool_))
    search(instance, days[0], days[1], days[2], 4, 1.0, 0.1)
    return time.monotonic() - began


if __name__ == "__main__":
    print(f"routing.tripls: compiled or loaded from numba's cache in {warm_up():.1f} s")
