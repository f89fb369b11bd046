"""The one solve entry point: problem + matrix in, a plan out, always."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from functools import partial
from multiprocessing import get_context

import numpy as np

from geo.matrix import Matrix
from routing.deadline import Deadline
from routing.decompose import polish_together, solve_large
from routing.eligibility import Eligibility, eligibility, unserved_reason
from routing.errors import InputError
from routing.limits import MAX_ORDERS, base_drop_penalty
from routing.model import Problem
from routing.ortools_model import SearchResult
from routing.params import SolveParams, StopAfter
from routing.phases import MIN_POLISH_S, Progress, Scope, dropped, eliminate_routes, first_search, polish
from routing.picking import pick_schedule
from routing.plan import Plan, Route, SolveStats, Unassigned
from routing.timing import time_route_fitting_breaks

__all__ = ["Progress", "for_problem", "solve", "timed_routes"]

_SAFETY_S = 0.15  # kept back from the budget for building the plan after the last search


def solve(
    problem: Problem,
    matrix: Matrix,
    *,
    params: SolveParams = SolveParams(),
    seed: int = 0,
    progress: Progress | None = None,
    stop: StopAfter | None = None,
) -> Plan:
    """Assign orders to couriers (and so to sites) and order each route, within ``params.time_limit_s``.

    Returns a :class:`~routing.plan.Plan`: every order is either on a route or in ``plan.unassigned`` with a
    reason. Raises :class:`~routing.errors.InputError` when the matrix does not fit the problem. ``seed`` picks
    among equally good routes to eliminate first, so runs with a solution limit are repeatable. ``stop`` (if
    given) replaces the stopping fields of ``params`` (:meth:`~routing.params.StopAfter.apply`).
    """
    if stop is not None:
        params = stop.apply(params)
    deadline = Deadline(params.time_limit_s - _SAFETY_S)
    _check_matrix(problem, matrix)
    params = for_problem(params, problem)
    phases: dict[str, float] = {}
    able = eligibility(problem, matrix)
    phases["eligibility"] = deadline.elapsed()
    penalty = _penalties(problem, matrix, params)
    scope = Scope.whole(problem, matrix, able, penalty, params.max_wait_s)
    if len(able.servable) > params.decompose_above:
        best = solve_large(scope, params, deadline, progress, seed, phases)
        return _make_plan(problem, matrix, able, best, phases, deadline, params.max_wait_s)
    together = params.polish_together_share if params.workers > 1 else 0.0
    until = deadline.elapsed() + deadline.remaining() * (1 - together)
    apart = params.workers > 1  # the workers polish the best plan of the pipelines, each from its own seed
    budget_s = until - deadline.elapsed()
    pipelines = [
        partial(_pipeline, scope, variant, budget_s, seed + k, not apart)
        for k, variant in enumerate(replace(params, first_solution=f) for f in _portfolio(params))
    ]
    best = _best(_in_parallel(pipelines, progress), penalty, params.route_elimination)
    phases["search"] = deadline.elapsed()
    polish_s = until - deadline.elapsed()
    if best is not None and best.routes and apart and polish_s > MIN_POLISH_S:
        polishes = [partial(_polish, scope, params, best, polish_s, seed + k) for k in range(params.workers)]
        best = _best([best, *_in_parallel(polishes, progress)], penalty, params.route_elimination)
        phases["polish"] = deadline.elapsed()
    if best is not None and best.routes and together:
        best = polish_together(scope, params, deadline, progress, seed, best)
        phases["polish together"] = deadline.elapsed()
    return _make_plan(problem, matrix, able, best, phases, deadline, params.max_wait_s)


def for_problem(params: SolveParams, problem: Problem) -> SolveParams:
    """``params`` as they apply to ``problem``: no route elimination when no courier has a fixed cost (the
    objective is distance alone); for a problem where some courier may make more than one trip, the whole
    problem in one first search for all the time (:func:`routing.phases.first_search`: the compiled search of
    whole days where it applies, else OR-Tools' local search; the single-trip ruin-and-recreate and decomposition
    do not model trips, and route elimination and polish would read the plan back into new models, which fails on
    many multi-trip plans with breaks: the search then stopped after a fifth of its time), fewer couriers coming
    from their fixed costs in the objective alone."""
    if not any(c.fixed_cost for c in problem.couriers):
        params = replace(params, route_elimination=False)
    if any(c.trip_limit != 1 for c in problem.couriers):
        params = replace(
            params,
            polish="local_search",
            decompose_above=MAX_ORDERS,
            polish_together_share=0.0,
            route_elimination=False,
        )
    return params


def _portfolio(params: SolveParams) -> list[str]:
    """First-solution strategies, one per worker: the chosen one first, then the others in a fixed order."""
    others = [
        f
        for f in ("LOCAL_CHEAPEST_INSERTION", "SAVINGS", "PARALLEL_CHEAPEST_INSERTION", "SEQUENTIAL_CHEAPEST_INSERTION")
        if f != params.first_solution
    ]
    return [params.first_solution, *others][: params.workers]


def _best(results: Sequence[SearchResult | None], penalty: dict[int, int], fewer_routes: bool) -> SearchResult | None:
    """The result that drops least, then (if ``fewer_routes``) uses fewest routes, then costs least; ``None`` if
    there is none."""
    found = [r for r in results if r is not None]
    return (
        min(found, key=lambda r: (dropped(r, penalty), len(r.routes) if fewer_routes else 0, r.objective))
        if found
        else None
    )


Job = Callable[[Progress | None], SearchResult | None]


def _in_parallel(jobs: Sequence[Job], progress: Progress | None) -> list[SearchResult | None]:
    """Run the first job in this process (it reports progress), the others in forked worker processes.

    A worker that fails (killed, out of memory) only loses its own result: the others still make the plan.
    """
    if len(jobs) == 1:
        return [jobs[0](progress)]
    with ProcessPoolExecutor(len(jobs) - 1, mp_context=get_context("fork")) as pool:
        others = [pool.submit(job, None) for job in jobs[1:]]
        results = [jobs[0](progress)]
        for future in others:
            try:
                results.append(future.result())
            except (OSError, RuntimeError):  # BrokenProcessPool is a RuntimeError
                results.append(None)
        return results


def _pipeline(
    scope: Scope, params: SolveParams, budget_s: float, seed: int, then_polish: bool, progress: Progress | None
) -> SearchResult | None:
    """One worker's search: first solution and local search, then route elimination (and polish if asked)."""
    deadline = Deadline(budget_s)
    couriers = sorted({c for o in scope.orders for c in scope.allowed[o]})
    best = first_search(scope, couriers, params, deadline, progress, seed)
    if best is not None and params.route_elimination:
        reserve_s = 0.3 * params.time_limit_s * (1 - params.elimination_share)
        best = eliminate_routes(
            scope, best, params, deadline, progress, seed, reserve_s=reserve_s, then_polish=then_polish
        )
    return best


def _polish(
    scope: Scope, params: SolveParams, start: SearchResult, budget_s: float, seed: int, progress: Progress | None
) -> SearchResult:
    """One worker's polish of ``start`` for ``budget_s`` seconds."""
    return polish(scope, start, params, Deadline(budget_s), progress, seed)


def _check_matrix(problem: Problem, matrix: Matrix) -> None:
    needed = len(problem.locations())
    if matrix.size != needed:
        raise InputError(f"matrix: has {matrix.size} points, the problem has {needed} locations")
    missing = sorted({c.profile for c in problem.couriers} - set(matrix.profiles))
    if missing:
        raise InputError(f"matrix: no travel times for profile {missing[0]!r}")


def _penalties(problem: Problem, matrix: Matrix, params: SolveParams) -> dict[int, int]:
    """Cost of dropping each order: the base (``params.drop_penalty`` or :func:`base_drop_penalty` of this
    problem's largest fixed cost and longest leg) times 1 + the order's priority."""
    base = params.drop_penalty
    if base is None:
        longest = max(int(np.max(a)) for a in matrix.distance_m.values())
        base = base_drop_penalty(max((c.fixed_cost for c in problem.couriers), default=0), longest)
    return {o: base * (1 + order.priority) for o, order in enumerate(problem.orders)}


def timed_routes(
    problem: Problem, matrix: Matrix, result: SearchResult, *, max_wait_s: int | None = None
) -> dict[int, Route]:
    """The routes of ``result`` timed, each with its trips and breaks and baskets picked in the site's order
    (:func:`routing.picking.pick_schedule` of the orders each site serves), by courier; ``max_wait_s`` as
    :func:`routing.timing.time_route` takes it."""
    at_site: dict[int, list[int]] = {}
    for c, stops in result.routes.items():
        at_site.setdefault(problem.couriers[c].site, []).extend(o for o, kind in stops if kind == "delivery")
    picked = {site: pick_schedule(problem, site, orders) for site, orders in at_site.items()}
    return {
        c: time_route_fitting_breaks(
            problem,
            matrix,
            c,
            stops,
            result.breaks.get(c),
            reloads=result.reloads.get(c, ()),
            ready=picked[problem.couriers[c].site],
            max_wait_s=max_wait_s,
        ).route
        for c, stops in sorted(result.routes.items())
    }


def _make_plan(
    problem: Problem,
    matrix: Matrix,
    able: Eligibility,
    result: SearchResult | None,
    phases: dict[str, float],
    deadline: Deadline,
    max_wait_s: int | None,
) -> Plan:
    routes = tuple(timed_routes(problem, matrix, result, max_wait_s=max_wait_s).values()) if result else ()
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
