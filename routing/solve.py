"""The one solve entry point: problem + matrix in, a plan out, always."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from multiprocessing import get_context

import numpy as np

from geo.matrix import Matrix
from routing.deadline import Deadline
from routing.eligibility import Eligibility, eligibility, unserved_reason
from routing.errors import InputError
from routing.model import Problem
from routing.ortools_model import RoutingModel, SearchResult
from routing.params import SolveParams
from routing.plan import Plan, SolveStats, Unassigned
from routing.ruin_recreate import ruin_and_recreate
from routing.timing import time_route

__all__ = ["Progress", "solve"]

Progress = Callable[[str, float, int], None]
"""Called as ``progress(phase, elapsed_s, objective)`` on every solution found."""

_SAFETY_S = 0.15  # kept back from the budget for building the plan after the last search


def solve(
    problem: Problem,
    matrix: Matrix,
    *,
    params: SolveParams = SolveParams(),
    seed: int = 0,
    progress: Progress | None = None,
) -> Plan:
    """Assign orders to couriers (and so to sites) and order each route, within ``params.time_limit_s``.

    Returns a :class:`~routing.plan.Plan`: every order is either on a route or in ``plan.unassigned`` with a
    reason. Raises :class:`~routing.errors.InputError` when the matrix does not fit the problem. ``seed`` picks
    among equally good routes to eliminate first, so runs with a solution limit are repeatable.
    """
    deadline = Deadline(params.time_limit_s - _SAFETY_S)
    _check_matrix(problem, matrix)
    phases: dict[str, float] = {}
    able = eligibility(problem, matrix)
    phases["eligibility"] = deadline.elapsed()
    penalty = _penalties(problem, matrix, params)
    variants = [replace(params, first_solution=f) for f in _portfolio(params)]
    results = _run_portfolio(problem, matrix, able, penalty, variants, deadline.remaining(), progress, seed)
    phases["search"] = deadline.elapsed()
    found = [r for r in results if r is not None]
    best = min(found, key=lambda r: (_dropped(r, penalty), len(r.routes), r.objective)) if found else None
    return _make_plan(problem, matrix, able, best, phases, deadline)


def _portfolio(params: SolveParams) -> list[str]:
    """First-solution strategies, one per worker: the chosen one first, then the others in a fixed order."""
    others = [
        f
        for f in ("LOCAL_CHEAPEST_INSERTION", "SAVINGS", "PARALLEL_CHEAPEST_INSERTION", "SEQUENTIAL_CHEAPEST_INSERTION")
        if f != params.first_solution
    ]
    return [params.first_solution, *others][: params.workers]


def _run_portfolio(
    problem: Problem,
    matrix: Matrix,
    able: Eligibility,
    penalty: dict[int, int],
    variants: list[SolveParams],
    budget_s: float,
    progress: Progress | None,
    seed: int,
) -> list[SearchResult | None]:
    """Run the first variant in this process (it reports progress), the others in forked worker processes.

    A worker that fails (killed, out of memory) only loses its own result: the others still make the plan.
    """
    if len(variants) == 1:
        return [_pipeline(problem, matrix, able, penalty, variants[0], budget_s, progress, seed)]
    with ProcessPoolExecutor(len(variants) - 1, mp_context=get_context("fork")) as pool:
        others = [
            pool.submit(_pipeline, problem, matrix, able, penalty, v, budget_s, None, seed + k)
            for k, v in enumerate(variants[1:], 1)
        ]
        results = [_pipeline(problem, matrix, able, penalty, variants[0], budget_s, progress, seed)]
        for future in others:
            try:
                results.append(future.result())
            except (OSError, RuntimeError):  # BrokenProcessPool is a RuntimeError
                results.append(None)
        return results


def _dropped(result: SearchResult, penalty: dict[int, int]) -> int:
    served = {o for stops in result.routes.values() for o, _ in stops}
    return sum(p for o, p in penalty.items() if o not in served)


def _pipeline(
    problem: Problem,
    matrix: Matrix,
    able: Eligibility,
    penalty: dict[int, int],
    params: SolveParams,
    budget_s: float,
    progress: Progress | None,
    seed: int,
) -> SearchResult | None:
    """One worker's search: first solution and local search, then route elimination and polish."""
    deadline = Deadline(budget_s)
    best = _first_search(problem, matrix, able, penalty, params, deadline, progress)
    if best is not None and params.route_elimination:
        best = _eliminate_routes(problem, matrix, able, penalty, best, params, deadline, progress, seed)
    return best


def _check_matrix(problem: Problem, matrix: Matrix) -> None:
    needed = len(problem.locations())
    if matrix.size != needed:
        raise InputError(f"matrix: has {matrix.size} points, the problem has {needed} locations")
    missing = sorted({c.profile for c in problem.couriers} - set(matrix.profiles))
    if missing:
        raise InputError(f"matrix: no travel times for profile {missing[0]!r}")


def _penalties(problem: Problem, matrix: Matrix, params: SolveParams) -> dict[int, int]:
    """Cost of dropping each order: far above what serving it could add (a new courier plus a long detour)."""
    base = params.drop_penalty
    if base is None:
        longest = max(int(np.max(a)) for a in matrix.distance_m.values())
        base = 10 * (max((c.fixed_cost for c in problem.couriers), default=0) + 2 * longest + 1)
    return {o: base * (1 + order.priority) for o, order in enumerate(problem.orders)}


def _first_search(
    problem: Problem,
    matrix: Matrix,
    able: Eligibility,
    penalty: dict[int, int],
    params: SolveParams,
    deadline: Deadline,
    progress: Progress | None,
) -> SearchResult | None:
    orders = able.servable
    couriers = sorted({c for o in orders for c in able.couriers[o]})
    if not orders:
        return None
    model = RoutingModel(problem, matrix, couriers, orders, dict(enumerate(able.couriers)), penalty)
    share = 1 - params.elimination_share if params.route_elimination else 1
    return model.search(params, deadline.remaining() * share, on_solution=_reporter("search", deadline, progress))


def _eliminate_routes(
    problem: Problem,
    matrix: Matrix,
    able: Eligibility,
    penalty: dict[int, int],
    best: SearchResult,
    params: SolveParams,
    deadline: Deadline,
    progress: Progress | None,
    seed: int,
) -> SearchResult:
    """Empty routes one at a time (shortest first) by re-inserting their orders into the others, then polish.

    Each attempt searches with one courier fewer, starting from the current routes minus the victim's, and stops
    as soon as every order the best plan served is served again. Failed victims are not tried again until a route
    is eliminated; after ``params.elimination_tries`` failures in a row the rest of the time goes to polishing.
    """
    rng = np.random.default_rng(seed)
    allowed = dict(enumerate(able.couriers))
    orders, tried = able.servable, set[int]()
    report = _reporter("route elimination", deadline, progress)
    while deadline.remaining() > 0.3 * params.time_limit_s * (1 - params.elimination_share):
        victims = [c for c in best.routes if c not in tried]
        if len(best.routes) < 2 or not victims or len(tried) >= params.elimination_tries:
            break
        victim = min(victims, key=lambda c: (len(best.routes[c]), rng.random()))
        tried.add(victim)
        kept = sorted(c for c in best.routes if c != victim)
        model = RoutingModel(problem, matrix, kept, orders, allowed, penalty)
        attempt = _attempt(problem, matrix, model, best, params, Deadline(max(deadline.remaining() / 4, 0.05)), seed)
        if attempt is not None and attempt.served() >= best.served():
            best, tried = attempt, set()
    couriers = sorted(best.routes)
    if deadline.remaining() > 0.05 and couriers:
        model = RoutingModel(problem, matrix, couriers, orders, allowed, penalty)
        report = _reporter("polish", deadline, progress)
        if params.polish == "ruin_recreate":
            return ruin_and_recreate(problem, matrix, model, best, params, deadline, seed, report)
        polished = model.search(params, deadline.remaining(), initial=best.routes, on_solution=report)
        if polished is not None and polished.served() >= best.served() and polished.objective <= best.objective:
            best = polished
    return best


def _attempt(
    problem: Problem,
    matrix: Matrix,
    model: RoutingModel,
    best: SearchResult,
    params: SolveParams,
    deadline: Deadline,
    seed: int,
) -> SearchResult | None:
    """Serve on ``model``'s couriers every order ``best`` serves, starting from ``best`` without the missing courier.

    With ruin-and-recreate, the orders left out are re-inserted by local search, then nearby strings are ruined and
    re-inserted until all fit; otherwise the metaheuristic runs until all are served. Stops as soon as they are.
    """
    initial = {c: best.routes.get(c, []) for c in model.couriers}
    if params.polish != "ruin_recreate":
        return model.search(params, deadline.remaining(), initial=initial, stop_when_all_served=True)
    descent = replace(params, metaheuristic="GREEDY_DESCENT", solution_limit=None)
    start = model.search(descent, deadline.remaining(), initial=initial)
    if start is None or start.served() >= best.served():
        return start
    return ruin_and_recreate(problem, matrix, model, start, params, deadline, seed, target_served=best.served())


def _reporter(phase: str, deadline: Deadline, progress: Progress | None) -> Callable[[int], None] | None:
    if progress is None:
        return None
    return lambda objective: progress(phase, deadline.elapsed(), objective)


def _make_plan(
    problem: Problem,
    matrix: Matrix,
    able: Eligibility,
    result: SearchResult | None,
    phases: dict[str, float],
    deadline: Deadline,
) -> Plan:
    routes = tuple(
        time_route(problem, matrix, c, stops).route for c, stops in sorted((result.routes if result else {}).items())
    )
    served = {(o, r.site) for r in routes for o in r.orders}
    served_orders = {o for o, _ in served}
    unassigned = [
        Unassigned(o, able.reasons.get(o) or unserved_reason(problem, o, sorted(served), able.couriers[o]))
        for o in range(len(problem.orders))
        if o not in served_orders
    ]
    stats = SolveStats(
        wall_s=round(deadline.elapsed(), 3),
        objective=result.objective if result else 0,
        solutions=result.solutions if result else 0,
        status=result.status if result else "NO_ORDERS",
        phases={k: round(v, 3) for k, v in phases.items()},
    )
    return Plan(routes, tuple(unassigned), stats)
