"""Ruin and recreate around OR-Tools' local search: remove strings of nearby orders, let OR-Tools re-insert them.

Each iteration removes up to ``ruin_orders`` orders taken as strings from the routes closest to a random seed order
(in the spirit of SISR, Christiaens & Vanden Berghe 2020), then runs OR-Tools' local search with greedy descent from
what is left: its insertion operators put the orders back and its moves improve the routes. The result is accepted
with a simulated-annealing rule on the model's objective, so worse plans are taken early on and the search settles.

On a model of more than ``_LOCAL_ABOVE`` orders, an iteration searches only a small model of the ruined routes'
couriers and orders (and any orders left out): a descent over the whole plan costs ~0.5-1 s at 200 orders, over a
few routes some tens of ms, so many more rounds fit in the time. The merged plan's objective is the current one
minus what the ruined routes cost plus what the small model found (arc metres, fixed costs, drop penalties: the
model's objective has nothing else), and a site's stock is what the other routes leave.

When the rounds try to serve a target number of orders (route elimination: the orders of an emptied route must go
somewhere), every order left out after a round costs its penalty once more inside the search, as the ejection
pool's counters do in Nagata & Bräysy's route minimisation: an order that keeps failing to fit becomes dearer than
several that fit more easily, so the search trades it in and tries to place those. The result is still judged, and
returned, with the model's own penalties.

A polish of plain deliveries (one window, no pickup, no stock running short: :func:`routing.greedy.plain_deliveries`)
can also recreate by greedy insertion with blinks (:mod:`routing.greedy`), as SISR does: no OR-Tools search, so such a
round costs about a millisecond where OR-Tools' descent costs tens to hundreds. The rounds then take turns by the
clock: half the time greedy insertion (thousands of cheap rounds that explore), half OR-Tools' descent (which also
reorders the stops within the routes it touches), on one current plan and one annealing. Either alone was worse
on Homberger 200: greedy rounds only lost on wide-window instances (c2_2_4 +4.5 % instead of +2.4 %), OR-Tools
rounds only on tight ones.

With ``SolveParams.local_search = "compiled"`` (the default) and a model the compiled descent models exactly
(:func:`routing.fastls.applies`; with no round limit, only when it is compiled or cached, :func:`routing.fastls.ready`:
a compile takes longer than most budgets), a third kind of round joins them: greedy insertion, then the compiled
descent (:mod:`routing.fastls`) around the routes the round changed, at a few milliseconds a round; the three share
the time as ``_COMPILED_SHARES`` says, and the polish starts with one descent over the whole start. The descent only
ever lowers a plan's cost, so the annealing judges its result as it judges the others'.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace

import numpy as np

from geo.matrix import Matrix
from routing.deadline import Deadline
from routing.fastls import LocalSearch, applies, ready
from routing.greedy import GreedyRoutes, plain_deliveries
from routing.limits import ELIMINATION_BOOST
from routing.model import Problem
from routing.ortools_model import RoutingModel, SearchResult
from routing.params import SolveParams
from routing.partition import route_cost, route_metres, stock_left, with_stock
from routing.timing import StopRef

__all__ = ["TEMPERATURE", "ruin_and_recreate"]

_MAX_ROUTES_RUINED = 4
_MAX_STRING = 8
_LOCAL_ABOVE = 60

TEMPERATURE = 0.01  # initial annealing temperature, as a fraction of the start's distance
# greedy-insertion rounds are many more and each changes less: they anneal at this times the temperature
_GREEDY_TEMPERATURE = 0.3
# with greedy insertion on: the share of the time of each recreate (greedy insertion alone, greedy insertion then
# the compiled descent, OR-Tools' descent), and with a round limit the cycle of rounds that stands for it
_SHARES = {"greedy": 0.5, "ortools": 0.5}
_CYCLE = ("ortools",) + ("greedy",) * 9
_COMPILED_SHARES = {"greedy": 0.5, "compiled": 0.4, "ortools": 0.1}
_COMPILED_CYCLE = ("ortools", "compiled") + ("greedy", "compiled") * 9


def _distance(problem: Problem, matrix: Matrix, routes: Mapping[int, Sequence[StopRef]]) -> int:
    """Metres driven on ``routes`` (site to stops to site)."""
    return sum(route_metres(problem, matrix, c, stops) for c, stops in routes.items())


def _cost(problem: Problem, matrix: Matrix, routes: Mapping[int, Sequence[StopRef]]) -> int:
    """What ``routes`` add to a model's objective: metres and the fixed costs of the couriers they use."""
    return sum(route_cost(problem, matrix, c, stops) for c, stops in routes.items() if stops)


def _recreate_locally(
    problem: Problem,
    matrix: Matrix,
    model: RoutingModel,
    current: SearchResult,
    removed: set[int],
    penalty: Mapping[int, int],
    params: SolveParams,
    time_limit_s: float,
) -> SearchResult | None:
    """Re-insert ``removed`` (and every order left out) into the routes they came from, on a small model of those
    routes only; the whole plan with these routes replaced, with its objective, or ``None``."""
    touched = sorted({c for c, stops in current.routes.items() if any(o in removed for o, _ in stops)})
    left_out = current.left_out(model.orders)
    orders = sorted({o for c in touched for o, _ in current.routes[c]} | set(left_out))
    outside = [c for c in model.couriers if c not in touched]
    stock = stock_left(problem, {problem.couriers[c].site for c in touched}, current.routes, outside)
    short = {s: items for s, items in stock.items() if problem.sites[s].stock != items}
    sub_problem = with_stock(problem, short)
    small = RoutingModel(sub_problem, matrix, touched, orders, model.allowed, penalty)
    kept = {c: [s for s in current.routes[c] if s[0] not in removed] for c in touched}
    found = small.search(params, time_limit_s, initial=kept)
    if found is None:
        return None
    before = _cost(problem, matrix, {c: current.routes[c] for c in touched})
    before += sum(penalty[o] for o in left_out)
    routes = {c: r for c, r in current.routes.items() if c not in touched} | found.routes
    objective = current.objective - before + found.objective
    return SearchResult(routes, objective, current.solutions + found.solutions, found.status)


def _ruin(
    problem: Problem,
    matrix: Matrix,
    routes: Mapping[int, Sequence[StopRef]],
    orders: Sequence[int],
    size: int,
    rng: np.random.Generator,
    node_of: np.ndarray,
) -> set[int]:
    """Orders to remove: strings of consecutive orders from the routes nearest to a seed order, picked among the
    orders left out if there are any (to make room for them), else among the served ones. ``node_of``: the matrix
    node of each order's delivery."""
    route_of = {o: c for c, stops in routes.items() for o, _ in stops}
    served = sorted(route_of)
    left_out = [o for o in orders if o not in route_of]
    pool = left_out or served
    seed = pool[int(rng.integers(len(pool)))]
    profile = problem.couriers[next(iter(routes))].profile
    nearest = np.argsort(matrix.distance_m[profile][node_of[seed], node_of[served]], kind="stable")
    removed: set[int] = set()
    touched: set[int] = set()
    for k in nearest:
        courier = route_of[served[int(k)]]
        if courier in touched:
            continue
        touched.add(courier)
        on_route = list(dict.fromkeys(o for o, _ in routes[courier]))
        at = on_route.index(served[int(k)])
        length = int(rng.integers(1, min(_MAX_STRING, len(on_route), size - len(removed)) + 1))
        first = max(0, min(at - int(rng.integers(0, length)), len(on_route) - length))
        removed.update(on_route[first : first + length])
        if len(removed) >= size or len(touched) >= _MAX_ROUTES_RUINED:
            break
    return removed


class _Annealing:
    """Simulated-annealing acceptance: a plan worse by ``d`` is taken with probability ``exp(-d / T)``, ``T``
    cooling linearly from ``temperature0`` to zero over the round limit (if set) or the deadline's time."""

    def __init__(self, temperature0: float, rounds: int | None, deadline: Deadline, rng: np.random.Generator) -> None:
        self.temperature0, self.rounds, self.deadline, self.rng = temperature0, rounds, deadline, rng
        self.budget_s = deadline.remaining()
        self.round = 0

    def more(self) -> bool:
        """Count a round; False once the round limit or the deadline is reached."""
        self.round += 1
        return self.deadline.remaining() > 0.01 and (self.rounds is None or self.round <= self.rounds)

    def accepts(self, worse_by: int) -> bool:
        """Whether to move to a plan ``worse_by`` dearer than the current one."""
        if self.rounds is not None:
            done = self.round / self.rounds
        else:
            done = (self.budget_s - self.deadline.remaining()) / self.budget_s
        temperature = self.temperature0 * max(0.0, 1 - done) + 1e-9
        return worse_by <= 0 or self.rng.random() < np.exp(-min(50.0, worse_by / temperature))


def ruin_and_recreate(
    problem: Problem,
    matrix: Matrix,
    model: RoutingModel,
    start: SearchResult,
    params: SolveParams,
    deadline: Deadline,
    seed: int,
    on_solution: Callable[[int], None] | None = None,
    target_served: int | None = None,
    temperature: float = TEMPERATURE,
    greedy: bool = False,
) -> SearchResult:
    """Improve ``start`` with ruin-and-recreate iterations on ``model`` until the deadline (or
    ``params.ruin_iterations``, or as soon as ``target_served`` orders are served); return the best result seen.
    ``model`` must cover the couriers of ``start``. The annealing starts at ``temperature`` times ``start``'s
    distance and cools to zero. With ``target_served`` (on a model of more than ``_LOCAL_ABOVE`` orders) the orders
    left out grow dearer round by round inside the search (see the module's docstring). With ``greedy`` (and no
    ``target_served``), on a model of plain deliveries (:func:`routing.greedy.plain_deliveries`), greedy insertion,
    greedy insertion then the compiled descent (``params.local_search``) and OR-Tools' descent take turns as the
    recreate (see the module's docstring)."""
    rng = np.random.default_rng(seed)
    temperature0 = max(1.0, temperature * _distance(problem, matrix, start.routes))
    plan, compiled = None, None
    if greedy and target_served is None and start.routes and plain_deliveries(problem, model.orders, model.allowed):
        plan = GreedyRoutes(model, matrix)
        plan.load(start.routes)
        temperature0 *= _GREEDY_TEMPERATURE
        # a compile (once per install) is worth a round-limited polish's repeatability, not a timed one's budget
        if params.local_search == "compiled" and applies(model) and (ready() or params.ruin_iterations is not None):
            compiled = LocalSearch(model, matrix)
    descent = replace(params, metaheuristic="GREEDY_DESCENT", solution_limit=None)
    size = max(1, min(params.ruin_orders, len(model.orders) // 3))
    node_of = np.array([problem.delivery_node(o) for o in range(len(problem.orders))], dtype=np.int64)
    best = current = start
    if plan is not None and compiled is not None:
        best = current = _recreate_greedily(plan, model, start, set(), rng, compiled, everywhere=True)
        if on_solution is not None and best.objective < start.objective:
            on_solution(best.objective)
    local = len(model.orders) > _LOCAL_ABOVE
    adaptive = local and target_served is not None
    weights = dict(model.penalty)
    annealing = _Annealing(temperature0, params.ruin_iterations, deadline, rng)
    turns = _Turns(params.ruin_iterations is not None, compiled is not None)
    while annealing.more() and current.routes:
        if target_served is not None and best.served() >= target_served:
            break
        removed = _ruin(problem, matrix, current.routes, model.orders, size, rng, node_of)
        kind = turns.next() if plan is not None else "ortools"
        by_greedy = kind != "ortools"
        if plan is not None and by_greedy:
            before = plan.snapshot()
            then = compiled if kind == "compiled" else None
            candidate: SearchResult | None = _recreate_greedily(plan, model, current, removed, rng, then)
        elif local:
            candidate = _recreate_locally(
                problem, matrix, model, current, removed, weights, descent, deadline.remaining()
            )
        else:
            kept = {c: [s for s in stops if s[0] not in removed] for c, stops in current.routes.items()}
            candidate = model.search(descent, deadline.remaining(), initial=kept)
        turns.spent(kind)
        if candidate is None:
            continue
        if annealing.accepts(candidate.objective - current.objective):
            current = candidate
            if plan is not None and not by_greedy:
                plan.load(current.routes)
            true = candidate
            if adaptive:
                true = replace(candidate, objective=_objective(problem, matrix, model, candidate))
            if true.objective < best.objective:
                best = true
                if on_solution is not None:
                    on_solution(best.objective)
        elif plan is not None and by_greedy:
            plan.restore(before)
        if adaptive:
            current = _weigh_left_out(model, current, weights)
    return best


class _Turns:
    """Which recreate the next round uses when greedy insertion is on: each of greedy insertion alone, greedy
    insertion then the compiled descent (with ``compiled``) and OR-Tools' descent gets its share of the time
    (``_SHARES``, ``_COMPILED_SHARES``) by the clock; with a round limit, the rounds follow ``_CYCLE`` (or
    ``_COMPILED_CYCLE``) instead, so that results repeat."""

    def __init__(self, by_rounds: bool, compiled: bool) -> None:
        self.by_rounds = by_rounds
        self.shares = _COMPILED_SHARES if compiled else _SHARES
        self.cycle = _COMPILED_CYCLE if compiled else _CYCLE
        self.rounds = 0
        self.seconds = dict.fromkeys(self.shares, 0.0)
        self.started = time.monotonic()

    def next(self) -> str:
        """The recreate of the next round: ``greedy``, ``compiled`` or ``ortools``."""
        self.rounds += 1
        if self.by_rounds:
            return self.cycle[self.rounds % len(self.cycle)]
        total = sum(self.seconds.values()) or 1.0
        return min(self.shares, key=lambda k: self.seconds[k] / total - self.shares[k])

    def spent(self, kind: str) -> None:
        """Book the time since the last call to the recreate ``kind`` that ran."""
        now = time.monotonic()
        self.seconds[kind] += now - self.started
        self.started = now


def _recreate_greedily(
    plan: GreedyRoutes,
    model: RoutingModel,
    current: SearchResult,
    removed: set[int],
    rng: np.random.Generator,
    compiled: LocalSearch | None,
    *,
    everywhere: bool = False,
) -> SearchResult:
    """``current`` (which ``plan`` holds) without ``removed``, then ``removed`` and every order left out inserted
    greedily, then (with ``compiled``) the compiled descent around the routes that changed (all of them with
    ``everywhere``); ``plan`` holds the result."""
    before = plan.snapshot()
    plan.remove(removed)
    left_out = plan.recreate(removed | set(current.left_out(model.orders)), rng)
    if compiled is not None:
        touched = range(len(before)) if everywhere else plan.changed_since(before)
        changed, _ = compiled.improve(plan.stops(), touched, rng)
        plan.set_stops(changed)
    objective = plan.cost() + sum(model.penalty[o] for o in left_out)
    return SearchResult(plan.as_routes(), objective, current.solutions + 1, current.status)


def _objective(problem: Problem, matrix: Matrix, model: RoutingModel, result: SearchResult) -> int:
    """``result``'s objective on ``model``: what its routes cost plus the penalties of the orders it leaves out."""
    return _cost(problem, matrix, result.routes) + sum(model.penalty[o] for o in result.left_out(model.orders))


def _weigh_left_out(model: RoutingModel, current: SearchResult, weights: dict[int, int]) -> SearchResult:
    """Make each order ``current`` leaves out dearer to leave out (its penalty once more in ``weights``), so the
    search trades orders that keep failing to fit for ones that fit more easily; ``current`` re-weighed."""
    more = 0
    for o in current.left_out(model.orders):
        grown = min(weights[o] + model.penalty[o], ELIMINATION_BOOST * model.penalty[o])
        more += grown - weights[o]
        weights[o] = grown
    return replace(current, objective=current.objective + more)
