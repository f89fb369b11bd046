"""Decomposition for large problems: sub-problems of ~``decompose_size`` orders solved in worker processes.

A first plan comes from sectors: each order goes to its nearest site that can serve it, a site's orders are cut
into slices of polar angle with the site's couriers dealt among them, and each slice is solved by the ordinary
pipeline (first solution, route elimination, ruin-and-recreate). Then, while time remains, an improvement loop in
the spirit of POPMUSIC (Taillard & Voss 2002) and route-based decomposition: a seed route of the current plan (the
shortest, or one next to an order left out, or a random one; never one that just failed to improve) and its nearest
routes make a sub-problem with the unserved orders closest to them and a few idle couriers; it is solved from its
current routes (so it can only get better: descent, elimination of its shortest routes, ruin-and-recreate) and
merged back when it serves more, uses fewer routes or costs less, in that order. Sub-problems in flight at the same
time share no route, order or courier, so their results merge independently; one runs per worker process.

The same loop, without route elimination and with one group per worker, is how the workers polish one plan
together at the end of an ordinary solve (``polish_together``): several processes on one plan instead of the best
of several independent searches.

Workers are forked once per solve and read the problem and the matrix from the parent's memory (copy-on-write);
a task carries only indices, the current routes of its couriers, and the stock its sites have left.
"""

from __future__ import annotations

import math
import queue
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from multiprocessing import get_context
from typing import Any

import numpy as np

from routing.deadline import Deadline
from routing.ortools_model import SearchResult
from routing.params import SolveParams
from routing.partition import (
    left_out,
    nearest_route,
    neighbours,
    representative,
    route_cost,
    sectors,
    shared_stock,
    stock_left,
    tight_sites,
    with_stock,
)
from routing.phases import Progress, Scope, eliminate_routes, first_search
from routing.ruin_recreate import TEMPERATURE, ruin_and_recreate
from routing.timing import StopRef

__all__ = ["polish_together", "solve_large"]

_CONSTRUCT_SHARE = 0.25  # of the time, for the first plan
_PART_S = (0.5, 3.0)  # bounds of one improvement sub-solve, seconds
_PASSES = 2.5  # the improvement loop aims to visit every route about this many times
_MIN_S = 0.25  # no sub-problem is started with less time than this left
_ATTEMPT_SHARE = 0.6  # of an improvement sub-solve, for emptying its shortest route
_SECTOR = 2  # first-plan sectors have this many times ``decompose_size`` orders
# when the workers polish one plan together at the end: a colder annealing restart than ruin-and-recreate's own
_TOGETHER_TEMPERATURE = 0.002
_SPARE = 2  # idle couriers offered to each sub-problem (more when it has unserved orders)

Routes = dict[int, list[StopRef]]


@dataclass(frozen=True)
class _Shared:
    """What every worker reads from the parent's memory: handed to the forked workers, never pickled."""

    scope: Scope
    params: SolveParams


_IN_WORKER: list[_Shared] = []  # set in a forked worker process only (by the pool's initializer), never the parent


def _enter_worker(shared: _Shared) -> None:
    _IN_WORKER.append(shared)


@dataclass(frozen=True)
class _Task:
    """One sub-problem: couriers, orders, their current routes (``None``: build a first plan), the stock left at
    its sites whose stock is short, when to return (``time.monotonic()``), and a seed."""

    couriers: tuple[int, ...]
    orders: tuple[int, ...]
    initial: Routes | None
    stock: dict[int, dict[str, int]]
    until: float
    seed: int
    anchor: int = -1  # the seed route's courier, -1 for a first-plan sector
    eliminate: bool = True  # try to empty the shortest route (else only polish)
    temperature: float = TEMPERATURE  # of the polish's simulated annealing, as a fraction of the distance


def _solve_part(task: _Task) -> SearchResult | None:
    """Solve one sub-problem in a forked worker process, on the problem its pool was started with."""
    if len(_IN_WORKER) != 1:
        raise RuntimeError("decompose: a sub-problem outside a worker process started by _pool")
    return _solve(_IN_WORKER[0], task)


def _solve(shared: _Shared, task: _Task) -> SearchResult | None:
    """Solve one sub-problem of ``shared`` (in a worker process, or inline with one worker)."""
    scope = replace(shared.scope, problem=with_stock(shared.scope.problem, task.stock), orders=list(task.orders))
    deadline = Deadline(task.until - time.monotonic())
    params = replace(shared.params, time_limit_s=max(deadline.budget_s, 1e-3), workers=1)
    couriers = list(task.couriers)
    if task.initial is None:
        best = first_search(scope, couriers, params, deadline, None)
        reserve_s, share = 0.3 * params.time_limit_s * (1 - params.elimination_share), 0.25
    else:
        model = scope.model(couriers)
        descent = replace(params, metaheuristic="GREEDY_DESCENT", solution_limit=None)
        best = model.search(descent, deadline.remaining(), initial=task.initial)
        if best is not None and not (params.route_elimination and task.eliminate):
            return ruin_and_recreate(
                scope.problem, scope.matrix, model, best, params, deadline, task.seed, temperature=task.temperature
            )
        params = replace(params, elimination_tries=1)
        reserve_s, share = 0.0, _ATTEMPT_SHARE
    if best is not None and params.route_elimination:
        best = eliminate_routes(
            scope, best, params, deadline, None, task.seed, reserve_s=reserve_s, attempt_share=share
        )
    return best


class _Inline:
    """Runs each task at once in this process: the pool of a single worker."""

    def __init__(self, shared: _Shared) -> None:
        self.shared = shared

    def apply_async(self, func: Callable[..., Any], args: tuple, callback: Callable, error_callback: Callable) -> None:
        """Solve ``args[0]`` now (``func`` is :func:`_solve_part`, which a worker process would run)."""
        callback(_solve(self.shared, *args))

    def terminate(self) -> None:
        """Nothing to stop."""


@contextmanager
def _pool(workers: int, shared: _Shared) -> Iterator[Any]:
    """Forked worker processes with ``shared`` in their memory (or inline work for one worker); stopped, whatever
    they are doing, on exit. Nothing is global in this process, so solves in several threads do not meet."""
    if workers == 1:
        yield _Inline(shared)
        return
    pool = get_context("fork").Pool(workers, initializer=_enter_worker, initargs=(shared,))
    try:
        yield pool
    finally:
        pool.terminate()
        pool.join()


@dataclass
class _State:
    """The current plan and what the loop knows about it."""

    scope: Scope
    dist: np.ndarray
    routes: Routes = field(default_factory=dict)
    reps: dict[int, int] = field(default_factory=dict)
    busy_couriers: set[int] = field(default_factory=set)
    busy_orders: set[int] = field(default_factory=set)
    stale: set[int] = field(default_factory=set)
    improved: int = 0
    solved: int = 0

    def key(self, routes: Mapping[int, Sequence[StopRef]], orders: Sequence[int]) -> tuple[int, int, int]:
        """(penalty of ``orders`` left out, routes, cost) of some routes: smaller is better."""
        used = {c: stops for c, stops in routes.items() if stops}
        penalty = sum(self.scope.penalty[o] for o in left_out(used, orders))
        problem, matrix = self.scope.problem, self.scope.matrix
        return penalty, len(used), sum(route_cost(problem, matrix, c, s) for c, s in used.items())

    def objective(self) -> int:
        """The whole plan's cost as the solver counts it: fixed costs, metres, penalties of orders left out."""
        penalty, _, cost = self.key(self.routes, self.scope.orders)
        return penalty + cost

    def place(self, routes: Mapping[int, Sequence[StopRef]]) -> None:
        """Put ``routes`` (its non-empty ones) in the plan, with each route's representative stop."""
        for c, stops in routes.items():
            if stops:
                self.routes[c] = list(stops)
                self.reps[c] = representative(self.scope.problem, self.dist, stops)

    def merge(self, task: _Task, result: SearchResult | None) -> bool:
        """Take ``result`` for the task's couriers if it is better than their current routes; free them."""
        self.busy_couriers.difference_update(task.couriers)
        self.busy_orders.difference_update(task.orders)
        self.solved += 1
        if result is None:
            return False
        before = self.key({c: self.routes.get(c, []) for c in task.couriers}, task.orders)
        after = self.key(result.routes, task.orders)
        if after >= before or not set(result.routes) <= set(task.couriers):
            return False
        for c in task.couriers:
            self.routes.pop(c, None)
            self.reps.pop(c, None)
        self.place(result.routes)
        self.stale.difference_update(task.couriers)
        self.improved += 1
        return True


def solve_large(
    scope: Scope,
    params: SolveParams,
    deadline: Deadline,
    progress: Progress | None,
    seed: int,
    phases: dict[str, float],
) -> SearchResult | None:
    """Solve by decomposition within ``deadline``: a first plan from sectors, then the improvement loop.

    Returns the routes of the best plan found (``None`` when no order is servable); records the end of each part
    in ``phases``. ``params.decompose_parts`` (if set) caps the improvement sub-problems, for repeatable tests.
    """
    if not scope.orders:
        return None
    with _session(scope, params) as (pool, state, tight):
        _construct(pool, state, params, tight, deadline, progress, seed)
        phases["construct"] = deadline.elapsed()
        _improve(pool, state, params, tight, deadline, _reporting(state, "improve", deadline, progress), seed)
        phases["improve"] = deadline.elapsed()
    return SearchResult(dict(state.routes), state.objective(), state.improved, "DECOMPOSED")


def polish_together(
    scope: Scope, params: SolveParams, deadline: Deadline, progress: Progress | None, seed: int, start: SearchResult
) -> SearchResult:
    """Polish ``start`` within ``deadline`` with every worker at once, each on its own group of neighbouring routes.

    The improvement loop above, with groups of about 1 / ``params.workers`` of the plan's orders and no route
    elimination: each group is polished by ruin-and-recreate from its current routes and merged back when better,
    then the plan is split again around other seed routes. Never returns worse than ``start``.
    """
    served = sum(len({o for o, _ in stops}) for stops in start.routes.values())
    params = replace(params, decompose_size=max(10, math.ceil(served / params.workers)))
    with _session(scope, params) as (pool, state, tight):
        state.place(start.routes)
        report = _reporting(state, "polish", deadline, progress)
        _improve(pool, state, params, tight, deadline, report, seed, eliminate=False, temperature=_TOGETHER_TEMPERATURE)
    if not state.improved:
        return start
    return SearchResult(dict(state.routes), state.objective(), start.solutions + state.improved, start.status)


@contextmanager
def _session(scope: Scope, params: SolveParams) -> Iterator[tuple[Any, _State, set[int]]]:
    """Workers forked with the problem in their memory, an empty plan state, and the sites whose stock is short."""
    problem = scope.problem
    state = _State(scope, scope.matrix.distance_m[problem.couriers[0].profile])
    with _pool(params.workers, _Shared(scope, params)) as pool:
        yield pool, state, tight_sites(problem, scope.orders, scope.allowed)


def _run(
    pool: Any,
    workers: int,
    state: _State,
    next_task: Callable[[], _Task | None],
    deadline: Deadline,
    on_merge: Callable[[], None],
) -> None:
    """Keep every worker busy with ``next_task()`` until it returns ``None``; merge results as they come."""
    done: queue.Queue[tuple[_Task, SearchResult | None]] = queue.Queue()
    running = 0
    while True:
        while running < workers:
            task = next_task()
            if task is None:
                break
            state.busy_couriers.update(task.couriers)
            state.busy_orders.update(task.orders)
            pool.apply_async(
                _solve_part,
                (task,),
                callback=lambda r, t=task: done.put((t, r)),
                error_callback=lambda _, t=task: done.put((t, None)),
            )
            running += 1
        if running == 0:
            return
        try:
            task, result = done.get(timeout=deadline.remaining() + 0.05)
        except queue.Empty:  # a worker overran the deadline: its result is lost, the plan so far stands
            return
        running -= 1
        if state.merge(task, result):
            on_merge()
        elif task.anchor >= 0:
            state.stale.add(task.anchor)


def _construct(
    pool: Any,
    state: _State,
    params: SolveParams,
    tight: set[int],
    deadline: Deadline,
    progress: Progress | None,
    seed: int,
) -> None:
    """A first plan: every sector solved by the whole pipeline, ``_CONSTRUCT_SHARE`` of the time in all."""
    scope = state.scope
    problem = scope.problem
    parts = sectors(problem, scope.matrix, scope.orders, scope.allowed, _SECTOR * params.decompose_size)
    stock = shared_stock(problem, tight, parts)
    waves = math.ceil(len(parts) / params.workers)
    budget_s = max(_MIN_S, _CONSTRUCT_SHARE * deadline.remaining() / waves)
    pending = list(enumerate(parts))
    counted = params.decompose_parts is not None  # searches end on their own limits, not on time slices

    def next_task() -> _Task | None:
        if not pending or deadline.remaining() < _MIN_S:
            return None
        k, (couriers, orders) = pending.pop(0)
        until = time.monotonic() + (deadline.remaining() if counted else min(budget_s, deadline.remaining()))
        return _Task(tuple(couriers), tuple(orders), None, stock[k], until, seed + k)

    _run(pool, params.workers, state, next_task, deadline, _reporting(state, "construct", deadline, progress))


def _improve(
    pool: Any,
    state: _State,
    params: SolveParams,
    tight: set[int],
    deadline: Deadline,
    on_merge: Callable[[], None],
    seed: int,
    *,
    eliminate: bool = True,
    temperature: float = TEMPERATURE,
) -> None:
    """Re-solve groups of neighbouring routes until the time (or ``params.decompose_parts``) runs out; half of
    them try to empty their shortest route when ``eliminate``, the others are polished (simulated annealing from
    ``temperature`` times their distance)."""
    rng = np.random.default_rng(seed)
    groups = max(1, sum(len(s) for s in state.routes.values()) // params.decompose_size)
    budget_s = min(max(params.workers * deadline.remaining() / (_PASSES * groups), _PART_S[0]), _PART_S[1])
    counted = params.decompose_parts is not None
    counter = iter(range(params.decompose_parts if params.decompose_parts is not None else 1 << 62))

    def next_task() -> _Task | None:
        if deadline.remaining() < _MIN_S or next(counter, None) is None:
            return None
        task = _group(state, params, tight, rng, eliminate)
        if task is None:
            return None
        until = time.monotonic() + (deadline.remaining() if counted else min(budget_s, deadline.remaining()))
        return replace(task, until=until, seed=seed + 1000 + state.solved, temperature=temperature)

    _run(pool, params.workers, state, next_task, deadline, on_merge)


def _group(
    state: _State, params: SolveParams, tight: set[int], rng: np.random.Generator, eliminate: bool = True
) -> _Task | None:
    """A sub-problem around a seed route: its nearest free routes up to ``decompose_size`` orders, the unserved
    orders nearest to them, and idle couriers nearest to the seed. The seed is the shortest route half the time
    (its sub-problem tries to empty it; only when ``eliminate``), else, while orders are left out, the route
    nearest to one of them."""
    problem = state.scope.problem
    free = [c for c in state.routes if c not in state.busy_couriers]
    fresh = [c for c in free if c not in state.stale]
    if not fresh:
        state.stale.clear()
        fresh = free
    if not fresh:
        return None
    waiting = [o for o in left_out(state.routes, state.scope.orders) if o not in state.busy_orders]
    shortest = eliminate and rng.random() < 0.5
    if shortest:
        anchor = min(fresh, key=lambda c: (len(state.routes[c]), rng.random()))
    elif waiting:  # serving more comes first: seed next to an order left out
        waiting_node = problem.delivery_node(waiting[int(rng.integers(len(waiting)))])
        anchor = neighbours(state.dist, waiting_node, [(c, state.reps[c]) for c in fresh])[0]
    else:
        anchor = fresh[int(rng.integers(len(fresh)))]
    seed_node = state.reps[anchor]
    chosen: list[int] = []
    size = 0
    for c in neighbours(state.dist, seed_node, [(c, state.reps[c]) for c in free]):
        if size >= params.decompose_size and len(chosen) >= 2:
            break
        chosen.append(c)
        size += len({o for o, _ in state.routes[c]})
    orders = [o for c in chosen for o in dict.fromkeys(o for o, _ in state.routes[c])]
    near = nearest_route(state.dist, state.reps, [problem.delivery_node(o) for o in waiting])
    mine = set(chosen)
    extra = [o for o, c in zip(waiting, near, strict=True) if c in mine][: params.decompose_size // 2]
    couriers = [*chosen, *_spares(state, [*orders, *extra], seed_node, _SPARE + len(extra) // 10)]
    outside = [c for c in state.routes if c not in mine]
    sites = tight & {problem.couriers[c].site for c in couriers}
    stock = stock_left(problem, sites, state.routes, outside) if sites else {}
    initial = {c: state.routes[c] for c in chosen}
    return _Task(tuple(couriers), tuple([*orders, *extra]), initial, stock, 0.0, 0, anchor, shortest)


def _spares(state: _State, orders: Sequence[int], seed_node: int, count: int) -> list[int]:
    """Up to ``count`` idle, free couriers allowed to serve some of ``orders``, nearest to ``seed_node`` first."""
    able = {c for o in orders for c in state.scope.allowed[o]}
    idle = sorted(able - set(state.routes) - state.busy_couriers)
    problem = state.scope.problem
    return neighbours(state.dist, seed_node, [(c, problem.couriers[c].site) for c in idle])[:count]


def _reporting(state: _State, phase: str, deadline: Deadline, progress: Progress | None) -> Callable[[], None]:
    def report() -> None:
        if progress is not None:
            progress(phase, deadline.elapsed(), state.objective())

    return report
