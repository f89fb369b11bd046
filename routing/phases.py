"""The phases of one search on a routing model: first solution, route elimination, polish.

``solve`` runs them on the whole problem; decomposition runs them on sub-problems (a subset of the couriers and
orders) in worker processes. Nothing here knows which.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np

from geo.matrix import Matrix
from routing import tripls
from routing.deadline import Deadline
from routing.eligibility import Eligibility
from routing.model import Problem
from routing.ortools_model import RoutingModel, SearchResult
from routing.params import SolveParams
from routing.ruin_recreate import ruin_and_recreate
from routing.waves import by_waves, on_time_days

_ATTEMPT_SHARE = 0.15  # of the time left, for the first attempt at a route count
_RESISTED = 0.5  # each further attempt at the same route count gets this times the share of the one before
MIN_POLISH_S = 0.05  # no polish is started with less time than this

__all__ = [
    "MIN_POLISH_S",
    "Progress",
    "Scope",
    "attempt",
    "dropped",
    "eliminate_routes",
    "first_search",
    "polish",
    "reporter",
]

Progress = Callable[[str, float, int], None]
"""Called as ``progress(phase, elapsed_s, objective)`` on every solution found."""


@dataclass(frozen=True)
class Scope:
    """What a search works on: the problem and its matrix, the orders to serve, the couriers allowed for each order,
    the cost of leaving each one out and the longest wait at a stop (``SolveParams.max_wait_s``). The whole
    problem for ``solve``, a sub-problem for decomposition."""

    problem: Problem
    matrix: Matrix
    orders: Sequence[int]
    allowed: Mapping[int, Sequence[int]]
    penalty: Mapping[int, int]
    max_wait_s: int | None = None

    @classmethod
    def whole(
        cls,
        problem: Problem,
        matrix: Matrix,
        able: Eligibility,
        penalty: Mapping[int, int],
        max_wait_s: int | None = None,
    ) -> Scope:
        """Every servable order of ``problem``, each with the couriers ``able`` allows."""
        return cls(problem, matrix, able.servable, dict(enumerate(able.couriers)), penalty, max_wait_s)

    def model(
        self, couriers: Sequence[int], *, one_trip: bool = False, slots: Mapping[int, int] | None = None
    ) -> RoutingModel:
        """An OR-Tools model of the scope's orders on ``couriers`` (one trip each with ``one_trip``, else ``slots``
        trips, by default :func:`routing.trips.trip_slots`'s estimate)."""
        return RoutingModel(
            self.problem,
            self.matrix,
            couriers,
            self.orders,
            self.allowed,
            self.penalty,
            one_trip=one_trip,
            max_wait_s=self.max_wait_s,
            slots=slots,
        )


def dropped(result: SearchResult, penalty: Mapping[int, int], orders: Sequence[int] | None = None) -> int:
    """Sum of the drop penalties of ``orders`` (default: all orders with a penalty) that ``result`` leaves out."""
    return sum(penalty[o] for o in result.left_out(penalty if orders is None else orders))


def first_search(
    scope: Scope,
    couriers: Sequence[int],
    params: SolveParams,
    deadline: Deadline,
    progress: Progress | None,
    seed: int = 0,
) -> SearchResult | None:
    """A first solution of the scope's orders on ``couriers`` and the metaheuristic, for the first-search share of
    the time; with more than one trip for a courier, local search from a plan built by :func:`routing.waves.by_waves`
    instead (or one trip per courier, or the empty plan, when the model cannot read it), or, where
    :func:`routing.tripls.applies` (:func:`_by_days`), the compiled search of whole days from no day at all
    (``seed`` seeds it; it served more than from the waves' plan) and OR-Tools' local search from its days."""
    if not scope.orders:
        return None
    model = scope.model(couriers)
    share = 1 - params.elimination_share if params.route_elimination else 1
    report = reporter("search", deadline, progress)
    if model.trip_slots == len(couriers):
        return model.search(params, deadline.remaining() * share, on_solution=report)
    # OR-Tools' first-solution heuristics do not see the constraints that order a courier's trips (the plan they
    # build fails as a whole), its local search checks every move against them: it starts from a plan built wave by
    # wave, else from the first solution of one trip per courier, else from the empty plan; each courier's day cut
    # back until it holds its breaks, which the plans built without them may not
    limit = Deadline(deadline.remaining() * share)
    if _by_days(model, params):
        return _day_search(scope, model, params, limit, seed, report)
    if (waves := by_waves(scope, couriers, params, limit, model.courier_slots)) is not None and (
        found := _from(model, on_time_days(scope, waves), params, limit, report)
    ) is not None:
        return found
    one_trip = scope.model(couriers, one_trip=True).search(replace(params, solution_limit=1), limit.remaining())
    start = on_time_days(scope, one_trip) if one_trip else SearchResult({}, 0, 0, "EMPTY")
    return _from(model, start, params, limit, report) or one_trip


def _by_days(model: RoutingModel, params: SolveParams) -> bool:
    """Whether a multi-trip first search runs :class:`routing.tripls.TripSearch`: with the compiled local search,
    on a model it applies to, compiled or cached (or with a round limit: the compile is worth a repeatable run),
    not when only a solution limit bounds the search (OR-Tools alone repeats it)."""
    repeatable = params.ruin_iterations is not None
    timed = params.solution_limit is None and tripls.ready()
    return params.local_search == "compiled" and (repeatable or timed) and tripls.applies(model)


def _day_search(
    scope: Scope,
    model: RoutingModel,
    params: SolveParams,
    deadline: Deadline,
    seed: int,
    report: Callable[[int], None] | None,
) -> SearchResult:
    """:class:`routing.tripls.TripSearch` on ``model`` from no day at all (its first rounds insert the orders)
    until ``READ_BACK_SHARE`` of the time is left (or for ``params.ruin_iterations`` rounds), then OR-Tools' local
    search from its best days, on a model with the trip slots they use, for the rest; the days themselves when
    that search ends above them (OR-Tools could not restore them: docs/BENCHMARKS.md, "The day search and
    OR-Tools' read-back")."""
    days = tripls.TripSearch(model, scope.matrix)
    days.run(Deadline(deadline.remaining() * (1 - tripls.READ_BACK_SHARE)), seed, params.ruin_iterations)
    if report is not None:
        report(days.objective())
    best = days.result()
    found = scope.model(model.couriers, slots=days.slots()).search(
        params, deadline.remaining(), initial=best.routes, reloads=best.reloads, on_solution=report
    )
    return found if found is not None and found.objective <= best.objective else best


def _from(
    model: RoutingModel,
    start: SearchResult,
    params: SolveParams,
    deadline: Deadline,
    report: Callable[[int], None] | None,
) -> SearchResult | None:
    """Local search on ``model`` from ``start``'s routes; ``None`` if the model cannot read them."""
    return model.search(params, deadline.remaining(), initial=start.routes, reloads=start.reloads, on_solution=report)


def eliminate_routes(
    scope: Scope,
    best: SearchResult,
    params: SolveParams,
    deadline: Deadline,
    progress: Progress | None,
    seed: int,
    *,
    reserve_s: float,
    attempt_share: float = _ATTEMPT_SHARE,
    then_polish: bool = True,
) -> SearchResult:
    """Empty routes one at a time (shortest first) by re-inserting their orders into the others, then polish
    (unless ``then_polish`` is false: the caller polishes).

    Each attempt searches with one courier fewer, starting from the current routes minus the victim's, and stops
    as soon as every order the best plan served is served again. Failed victims are not tried again until a route
    is eliminated; after ``params.elimination_tries`` failures in a row, or once only ``reserve_s`` seconds are
    left, the rest of the time goes to polishing. The first attempt at a route count gets ``attempt_share`` of the
    time left, each further one half the share of the one before: a route count that resists (often the best-known
    one) does not eat the polish's time. Never returns worse than ``best``.
    """
    rng = np.random.default_rng(seed)
    tried = set[int]()
    while deadline.remaining() > reserve_s:
        victims = [c for c in best.routes if c not in tried]
        if len(best.routes) < 2 or not victims or len(tried) >= params.elimination_tries:
            break
        victim = min(victims, key=lambda c: (len(best.routes[c]), rng.random()))
        share = attempt_share * _RESISTED ** len(tried)
        tried.add(victim)
        kept = sorted(c for c in best.routes if c != victim)
        limit = Deadline(max(deadline.remaining() * share, 0.05))
        found = attempt(scope, scope.model(kept), best, params, limit, seed)
        if found is not None and found.served() >= best.served():
            best, tried = found, set()
    if not then_polish:
        return best
    return polish(scope, best, params, deadline, progress, seed)


def polish(
    scope: Scope, best: SearchResult, params: SolveParams, deadline: Deadline, progress: Progress | None, seed: int
) -> SearchResult:
    """Improve ``best`` on its own couriers until the deadline with ``params.polish``; never worse than ``best``."""
    couriers = sorted(best.routes)
    if deadline.remaining() > MIN_POLISH_S and couriers:
        model = scope.model(couriers)
        report = reporter("polish", deadline, progress)
        if params.polish == "ruin_recreate":
            return ruin_and_recreate(
                scope.problem, scope.matrix, model, best, params, deadline, seed, report, greedy=True
            )
        polished = model.search(
            params, deadline.remaining(), initial=best.routes, reloads=best.reloads, on_solution=report
        )
        if polished is not None and polished.served() >= best.served() and polished.objective <= best.objective:
            best = polished
    return best


def attempt(
    scope: Scope,
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
        return model.search(
            params, deadline.remaining(), initial=initial, reloads=best.reloads, stop_when_all_served=True
        )
    descent = replace(params, metaheuristic="GREEDY_DESCENT", solution_limit=None)
    start = model.search(descent, deadline.remaining(), initial=initial)
    if start is None or start.served() >= best.served():
        return start
    return ruin_and_recreate(
        scope.problem, scope.matrix, model, start, params, deadline, seed, target_served=best.served()
    )


def reporter(phase: str, deadline: Deadline, progress: Progress | None) -> Callable[[int], None] | None:
    """A solution callback that reports ``(phase, elapsed, objective)`` to ``progress``, or ``None``."""
    if progress is None:
        return None
    return lambda objective: progress(phase, deadline.elapsed(), objective)
