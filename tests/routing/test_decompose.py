"""Decomposition, forced on small real instances with a low ``decompose_above``.

Every search stops on solution or iteration limits (``decompose_parts`` sub-problems, ``ruin_iterations`` rounds,
greedy descent to a local optimum) and runs in one process, so results are exact at seed 0; the time limit is only
a guard. Feasibility is judged by the independent checker.
"""

from __future__ import annotations

import threading
from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from benchmarks.checker import check_routes
from benchmarks.convert import instance_to_problem, plan_to_routes
from benchmarks.instances import read_instance
from routing import Capacity, Plan, Problem, Reason, SolveParams, solve
from routing.decompose import _group, _State, _Task
from routing.eligibility import eligibility
from routing.ortools_model import SearchResult
from routing.partition import representative
from routing.phases import Scope
from routing.solve import _best, _penalties, _pipeline, _polish, _portfolio
from routing.timing import StopRef

DATA = Path(__file__).resolve().parents[1] / "data"
PARAMS = SolveParams(
    time_limit_s=600,
    solution_limit=200,
    metaheuristic="GREEDY_DESCENT",
    ruin_iterations=4,
    decompose_above=20,
    decompose_size=12,
    decompose_parts=6,
)


def solve_file(file: str, set_name: str, params: SolveParams) -> tuple[Plan, float, int]:
    """Solve an instance; return the plan, its checked distance and routes (asserting feasibility)."""
    instance = read_instance(DATA / file, set_name)
    problem, matrix, nodes = instance_to_problem(instance)
    plan = solve(problem, matrix, params=params, seed=0)
    check = check_routes(instance, plan_to_routes(plan, nodes))
    assert check.feasible, check.violations
    return plan, check.distance, check.vehicles


@pytest.mark.parametrize(("file", "set_name"), [("R101.txt", "vrptw/solomon"), ("lr201.txt", "pdptw/li_lim_100")])
def test_serves_everything_feasibly_and_never_worse_than_the_first_plan(file: str, set_name: str) -> None:
    first, first_distance, first_routes = solve_file(file, set_name, replace(PARAMS, decompose_parts=0))
    plan, distance, routes = solve_file(file, set_name, PARAMS)
    assert plan.stats.status == first.stats.status == "DECOMPOSED"
    assert plan.is_complete() and first.is_complete()
    assert (routes, plan.stats.objective) <= (first_routes, first.stats.objective)
    assert plan.stats.objective < first.stats.objective  # six sub-problems improve a sector-cut first plan
    assert distance <= first_distance * 1.001 or routes < first_routes


def test_pickup_and_delivery_pairs_stay_on_one_route_in_order() -> None:
    plan, _, _ = solve_file("lc101.txt", "pdptw/li_lim_100", PARAMS)
    for route in plan.routes:
        kinds = {(s.order, s.kind): k for k, s in enumerate(route.stops)}
        for order in route.orders:
            assert kinds[(order, "pickup")] < kinds[(order, "delivery")]


def test_repeatable_at_seed_0() -> None:
    a, distance_a, _ = solve_file("R101.txt", "vrptw/solomon", PARAMS)
    b, distance_b, _ = solve_file("R101.txt", "vrptw/solomon", PARAMS)
    assert [r.orders for r in a.routes] == [r.orders for r in b.routes]
    assert distance_a == distance_b


def test_two_worker_processes_give_a_feasible_complete_plan() -> None:
    plan, _, _ = solve_file("R101.txt", "vrptw/solomon", replace(PARAMS, workers=2))
    assert plan.is_complete()


def test_workers_polish_the_best_plan_together_and_never_make_it_worse() -> None:
    whole = replace(PARAMS, decompose_above=1000, workers=2)
    single = replace(whole, polish_together_share=0)  # the best of two polishes of the better search
    alone, distance_alone, routes_alone = solve_file("R101.txt", "vrptw/solomon", single)
    together, distance, routes = solve_file("R101.txt", "vrptw/solomon", whole)
    assert "polish together" in together.stats.phases and "polish together" not in alone.stats.phases
    assert together.is_complete()
    assert routes <= routes_alone
    assert together.stats.objective <= alone.stats.objective and distance < distance_alone


def test_each_worker_polishes_the_better_search_from_its_own_seed_and_the_better_polish_is_kept() -> None:
    """With two workers the pipelines only search and eliminate routes; then both polish the better of their plans,
    each from its own seed. A run equals that, done one step after the other in this process. (40 rounds: a polish
    of plain deliveries takes greedy-insertion rounds, which are cheap and each change little.)"""
    params = replace(PARAMS, decompose_above=1000, workers=2, polish_together_share=0, ruin_iterations=40)
    problem, matrix, _ = instance_to_problem(read_instance(DATA / "R101.txt", "vrptw/solomon"))
    plan = solve(problem, matrix, params=params, seed=0)
    assert list(plan.stats.phases) == ["eligibility", "search", "polish"]
    able = eligibility(problem, matrix)
    penalty = _penalties(problem, matrix, params)
    scope = Scope.whole(problem, matrix, able, penalty)
    searched = [
        _pipeline(scope, replace(params, first_solution=f), 600, k, False, None)
        for k, f in enumerate(_portfolio(params))
    ]
    start = _best(searched, penalty, True)
    assert start is not None
    polished = [_polish(scope, params, start, 600, k, None) for k in range(2)]
    assert polished[0].routes != polished[1].routes  # two seeds, two different polishes
    best = _best([start, *polished], penalty, True)
    assert best is not None and best.objective < start.objective
    assert plan.stats.objective == best.objective


def test_below_the_threshold_the_whole_problem_is_solved_as_before() -> None:
    plan, _, _ = solve_file("R101.txt", "vrptw/solomon", replace(PARAMS, decompose_above=100))
    assert plan.stats.status != "DECOMPOSED"


def two_sites(street: SimpleNamespace) -> Problem:
    """Two stores 20 km apart with 15 bottles of milk each, 6 couriers each carrying at most 4 bottles, and 66
    orders of one bottle spread between the stores: each store's stock, not the fleet, limits what it serves."""
    sites = (street.site("w", 0.0, {"milk": 15}), street.site("e", 20.0, {"milk": 15}))
    couriers = tuple(street.courier(f"c{k}", k % 2, capacity=Capacity(4_000), max_trips=1) for k in range(12))
    orders = tuple(street.order(f"o{k}", 0.3 * k) for k in range(66))
    return Problem(sites, couriers, orders)


def test_sub_problems_share_each_sites_stock(street: SimpleNamespace) -> None:
    problem = two_sites(street)
    params = replace(PARAMS, decompose_above=4, decompose_size=10, decompose_parts=8)
    plan = solve(problem, street.matrix(problem), params=params, seed=0)
    assert plan.stats.status == "DECOMPOSED"
    used = {0: 0, 1: 0}
    for route in plan.routes:
        used[route.site] += len(route.orders)
    assert used == {0: 15, 1: 15}
    assert {u.reason for u in plan.unassigned} == {Reason.NO_STOCK}
    assert len(plan.unassigned) == 36


def test_a_worse_sub_solution_is_not_merged() -> None:
    problem, matrix, _ = instance_to_problem(read_instance(DATA / "R101.txt", "vrptw/solomon"))
    able = eligibility(problem, matrix)
    state = _State(Scope.whole(problem, matrix, able, _penalties(problem, matrix, PARAMS)), matrix.distance_m["car"])
    state.routes = {0: [(0, "delivery"), (1, "delivery")], 1: [(2, "delivery")]}
    task = _Task((0, 1, 2), (0, 1, 2), dict(state.routes), {}, 0.0, 0)
    assert not state.merge(task, SearchResult(dict(state.routes), 0, 1, ""))  # the same: not better
    assert not state.merge(task, SearchResult({0: [(0, "delivery"), (1, "delivery")]}, 0, 1, ""))  # drops order 2
    worse: dict[int, list[StopRef]] = {0: [(0, "delivery")], 1: [(1, "delivery")], 2: [(2, "delivery")]}  # +1 route
    assert not state.merge(task, SearchResult(worse, 0, 1, ""))
    better: dict[int, list[StopRef]] = {0: [(0, "delivery"), (1, "delivery"), (2, "delivery")]}  # one route fewer
    assert state.merge(task, SearchResult(better, 0, 1, ""))
    assert state.routes == better


def test_while_orders_are_left_out_sub_problems_are_seeded_next_to_them(street: SimpleNamespace) -> None:
    xs = [1.0, 2.0, 9.0, 10.0, 11.0, 19.0, 20.0, 21.0, 10.5]  # the last one is left out, next to the middle route
    problem = Problem(
        (street.site(),),
        tuple(street.courier(f"c{k}", max_trips=1) for k in range(4)),
        tuple(street.order(f"o{k}", x) for k, x in enumerate(xs)),
    )
    matrix = street.matrix(problem)
    scope = Scope.whole(problem, matrix, eligibility(problem, matrix), _penalties(problem, matrix, PARAMS))
    state = _State(scope, matrix.distance_m["bike"])
    for c, orders in {0: [0, 1], 1: [2, 3, 4], 2: [5, 6, 7]}.items():
        state.routes[c] = [(o, "delivery") for o in orders]
        state.reps[c] = representative(problem, state.dist, state.routes[c])
    rng = np.random.default_rng(0)
    tasks = [_group(state, PARAMS, set(), rng) for _ in range(20)]
    assert all(t is not None for t in tasks)
    seeded = [t.anchor for t in tasks if t is not None and not t.eliminate]
    assert seeded and set(seeded) == {1}  # never the far routes 0 or 2
    assert all(8 in t.orders for t in tasks if t is not None and t.anchor == 1)
    assert {t.anchor for t in tasks if t is not None and t.eliminate} == {0}  # else the shortest, to empty it


def test_two_solves_in_two_threads_give_what_each_gives_alone() -> None:
    jobs = [("R101.txt", "vrptw/solomon"), ("lr201.txt", "pdptw/li_lim_100")]
    alone = [solve_file(file, set_name, PARAMS) for file, set_name in jobs]
    together: dict[int, tuple[Plan, float, int]] = {}

    def run(k: int) -> None:
        together[k] = solve_file(jobs[k][0], jobs[k][1], PARAMS)

    threads = [threading.Thread(target=run, args=(k,)) for k in range(len(jobs))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for k, (plan, distance, routes) in enumerate(alone):
        assert [r.orders for r in together[k][0].routes] == [r.orders for r in plan.routes]
        assert together[k][1:] == (distance, routes)
