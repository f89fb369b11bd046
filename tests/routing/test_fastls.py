"""The compiled descent: every plan it returns is on time and within capacity by the plan checker's own re-timing,
its cost change is the recomputed one exactly, it never worsens a plan and leaves no improving single-order move,
OR-Tools reads its plans back at the same objective (also after ruin and recreate), it is repeatable for a seed,
and a solve with it stops on solution and round limits."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import numpy as np
import pytest

from geo.matrix import Matrix
from routing import Capacity, Courier, InputError, Order, Problem, Site, SolveParams, Window, solve
from routing.deadline import Deadline
from routing.eligibility import eligibility
from routing.fastls import LocalSearch, applies, ready, warm_up
from routing.greedy import GreedyRoutes
from routing.model import Break
from routing.ortools_model import RoutingModel
from routing.partition import route_cost
from routing.ruin_recreate import ruin_and_recreate
from routing.solve import _penalties
from routing.timing import StopRef, time_route

ModelOf = Callable[[str, str], tuple[Problem, Matrix, RoutingModel]]  # the ``fresh_model`` fixture (conftest)

AS_IS = SolveParams(metaheuristic="GREEDY_DESCENT", solution_limit=1)


def random_problem(seed: int, orders: int = 14, couriers: int = 4) -> tuple[Problem, Matrix, RoutingModel]:
    """Orders with random windows, service times and weights; couriers of different capacities, shifts and fixed
    costs; an asymmetric integer matrix with no triangle inequality; a model of it all."""
    rng = np.random.default_rng(seed)
    site = Site("s", "store", (0.0, 0.0), Window(0, 20_000))
    fleet = tuple(
        Courier(
            f"c{k}",
            0,
            Window(int(rng.integers(0, 500)), int(rng.integers(8_000, 12_000))),
            "car",
            Capacity(int(rng.integers(4, 9)) * 1_000),
            fixed_cost=int(rng.integers(0, 3_000)),
            max_trips=1,
        )
        for k in range(couriers)
    )
    jobs = []
    for k in range(orders):
        start = int(rng.integers(0, 7_000))
        jobs.append(
            Order(
                f"o{k}",
                (0.0, 0.0),
                (Window(start, start + int(rng.integers(300, 4_000))),),
                weight_g=int(rng.integers(1, 4)) * 1_000,
                service_s=int(rng.integers(0, 300)),
            )
        )
    problem = Problem((site,), fleet, tuple(jobs))
    n = 1 + orders
    metres = rng.integers(200, 3_000, size=(n, n)).astype(np.int64)
    np.fill_diagonal(metres, 0)
    seconds = metres // 2 + rng.integers(0, 200, size=(n, n)).astype(np.int64)
    np.fill_diagonal(seconds, 0)
    matrix = Matrix({"car": metres}, {"car": seconds})
    able = eligibility(problem, matrix)
    penalty = _penalties(problem, matrix, SolveParams())
    model = RoutingModel(problem, matrix, range(couriers), able.servable, dict(enumerate(able.couriers)), penalty)
    return problem, matrix, model


def two_routes(street, a: Order, b: Order, fixed_cost: int = 0) -> tuple[Problem, Matrix, RoutingModel]:
    """A street problem of orders ``a`` and ``b`` and two couriers of ``fixed_cost``, and a model of it."""
    fleet = tuple(street.courier(c, fixed_cost=fixed_cost, max_trips=1) for c in ("c1", "c2"))
    problem = Problem((street.site(),), fleet, (a, b))
    matrix = street.matrix(problem)
    able = eligibility(problem, matrix)
    allowed, penalty = dict(enumerate(able.couriers)), _penalties(problem, matrix, SolveParams())
    return problem, matrix, RoutingModel(problem, matrix, [0, 1], able.servable, allowed, penalty)


def cost_of(problem: Problem, matrix: Matrix, model: RoutingModel, routes: list[list[int]]) -> int:
    """Metres plus fixed costs of the used routes, by courier position."""
    pairs = zip(model.couriers, routes, strict=True)
    return sum(route_cost(problem, matrix, c, [(o, "delivery") for o in r]) for c, r in pairs if r)


def assert_feasible(problem: Problem, matrix: Matrix, model: RoutingModel, routes: list[list[int]]) -> None:
    """Every route on time by :func:`time_route` and within its courier's capacity."""
    for c, stops in zip(model.couriers, routes, strict=True):
        assert time_route(problem, matrix, c, [(o, "delivery") for o in stops]).on_time
        assert sum(problem.orders[o].weight_g for o in stops) <= problem.couriers[c].capacity.weight_g


def improved(
    model: RoutingModel, matrix: Matrix, seed: int, neighbours: int = 30
) -> tuple[list[list[int]], list[list[int]], int, list[int]]:
    """A greedy plan of ``model``, the plan the descent makes of it, the cost change it reports, orders left out."""
    plan = GreedyRoutes(model, matrix)
    left_out = plan.recreate(model.orders, np.random.default_rng(seed))
    before = plan.stops()
    changed, delta = LocalSearch(model, matrix, neighbours).improve(
        before, range(len(before)), np.random.default_rng(seed)
    )
    after = [changed.get(k, stops) for k, stops in enumerate(before)]
    return before, after, delta, sorted(left_out)


def relocations(problem: Problem, matrix: Matrix, model: RoutingModel, routes: list[list[int]]) -> int:
    """The best cost change of moving one order to any other position of any route, by brute force."""
    base, best = cost_of(problem, matrix, model, routes), 0
    for k, stops in enumerate(routes):
        for o in stops:
            for r in range(len(routes)):
                rest = [x for x in routes[r] if x != o]
                for at in range(len(rest) + 1):
                    trial = [list(s) for s in routes]
                    trial[k] = [x for x in trial[k] if x != o]
                    trial[r] = [*rest[:at], o, *rest[at:]]
                    if trial[r] == routes[r] and r == k:
                        continue
                    c = model.couriers[r]
                    if sum(problem.orders[x].weight_g for x in trial[r]) > problem.couriers[c].capacity.weight_g:
                        continue
                    if not time_route(problem, matrix, c, [(x, "delivery") for x in trial[r]]).on_time:
                        continue
                    best = min(best, cost_of(problem, matrix, model, trial) - base)
    return best


@pytest.mark.parametrize("seed", range(12))
def test_on_random_asymmetric_problems_every_plan_is_feasible_and_priced_exactly(seed: int) -> None:
    problem, matrix, model = random_problem(seed)
    assert applies(model)
    before, after, delta, _ = improved(model, matrix, seed)
    assert_feasible(problem, matrix, model, after)
    assert sorted(o for r in after for o in r) == sorted(o for r in before for o in r)
    assert delta <= 0
    assert cost_of(problem, matrix, model, after) - cost_of(problem, matrix, model, before) == delta


@pytest.mark.parametrize("seed", range(6))
def test_leaves_no_improving_single_order_move_when_every_order_is_a_neighbour(seed: int) -> None:
    """With every order in every neighbourhood, a local optimum of relocate has no improving relocation left (by
    brute force over every position of every route, re-timed by :func:`time_route`)."""
    problem, matrix, model = random_problem(100 + seed, orders=10, couriers=3)
    _, after, _, _ = improved(model, matrix, seed, neighbours=len(model.orders))
    assert relocations(problem, matrix, model, after) == 0


@pytest.mark.parametrize("file", ["R101.txt", "C101.txt", "RC201.txt"])
def test_ortools_reads_the_descents_plans_back_at_the_same_objective(fresh_model: ModelOf, file: str) -> None:
    problem, matrix, model = fresh_model(file, "vrptw/solomon")
    _, after, delta, left_out = improved(model, matrix, 0)
    assert delta < 0  # a greedy plan of 100 orders is never a local optimum
    assert_feasible(problem, matrix, model, after)
    routes: dict[int, list[StopRef]] = {
        c: [(o, "delivery") for o in r] for c, r in zip(model.couriers, after, strict=True) if r
    }
    as_is = model.search(AS_IS, 600, initial=routes)
    assert as_is is not None
    assert as_is.objective == cost_of(problem, matrix, model, after) + sum(model.penalty[o] for o in left_out)


def test_emptying_a_route_gains_its_fixed_cost(street) -> None:
    """Two couriers each with one order next to the other's: the descent puts both on one route and the cost change
    counts the fixed cost of the route it empties."""
    problem, matrix, model = two_routes(street, street.order("a", 2.0), street.order("b", 2.1), fixed_cost=5_000)
    changed, delta = LocalSearch(model, matrix).improve([[0], [1]], [0, 1], np.random.default_rng(0))
    after = [changed.get(k, r) for k, r in enumerate([[0], [1]])]
    assert sorted(map(len, after)) == [0, 2]
    assert delta == cost_of(problem, matrix, model, after) - cost_of(problem, matrix, model, [[0], [1]])
    assert delta < -5_000


def test_a_tempting_move_that_breaks_a_window_is_not_made(street) -> None:
    """One route a → b or b → a would be shorter than the two routes of the plan, but a opens too late for b to be
    served after it in time, and b is too far for a to be served after it in time: the plan stays as it is."""
    _, matrix, model = two_routes(street, street.order("a", 1.0, 200, 290), street.order("b", 2.0, 0, 250))
    changed, delta = LocalSearch(model, matrix).improve([[0], [1]], [0, 1], np.random.default_rng(0))
    assert changed == {} and delta == 0


def test_taking_a_stop_out_of_a_route_can_make_a_later_one_late() -> None:
    """With no triangle inequality in time, a stop can be a shortcut: the direct road from the site to b is short
    but slow, through a it is quick. Moving a next to c, on the other route, would save almost 2 km but make d
    (after b) late; the descent makes no move that breaks a window, and the plan it returns is on time."""
    site = Site("s", "store", (0.0, 0.0), Window(0, 10_000))
    fleet = tuple(Courier(f"c{k}", 0, Window(0, 10_000), "car", Capacity(10_000), max_trips=1) for k in range(2))
    ends = (("a", 9_000), ("b", 9_000), ("c", 9_000), ("d", 100))
    problem = Problem((site,), fleet, tuple(Order(name, (0.0, 0.0), (Window(0, end),)) for name, end in ends))
    metres = np.full((5, 5), 1_000, dtype=np.int64)  # nodes: site, a, b, c, d
    seconds = np.full((5, 5), 10, dtype=np.int64)
    metres[0, 2] = metres[2, 0] = 100
    seconds[0, 2] = seconds[2, 0] = seconds[2, 3] = seconds[3, 2] = 500
    metres[1, 3] = metres[3, 1] = metres[2, 4] = metres[4, 2] = 10
    np.fill_diagonal(metres, 0)
    np.fill_diagonal(seconds, 0)
    matrix = Matrix({"car": metres}, {"car": seconds})
    able = eligibility(problem, matrix)
    allowed, penalty = dict(enumerate(able.couriers)), _penalties(problem, matrix, SolveParams())
    model = RoutingModel(problem, matrix, [0, 1], able.servable, allowed, penalty)
    assert model.orders == [0, 1, 2, 3]
    start = [[0, 1, 3], [2]]
    assert not time_route(problem, matrix, 0, [(1, "delivery"), (3, "delivery")]).on_time  # b, d without a
    for seed in range(8):  # each visits the orders in another order, so each tries another move first
        changed, delta = LocalSearch(model, matrix, neighbours=1).improve(start, [0, 1], np.random.default_rng(seed))
        after = [changed.get(k, r) for k, r in enumerate(start)]
        assert_feasible(problem, matrix, model, after)
        assert sorted(o for r in after for o in r) == [0, 1, 2, 3]
        assert delta == cost_of(problem, matrix, model, after) - cost_of(problem, matrix, model, start)


def test_applies_only_where_it_models_the_problem_exactly(fresh_model: ModelOf) -> None:
    problem, matrix, model = fresh_model("C101.txt", "vrptw/solomon")
    assert applies(model)
    _, _, pair_model = fresh_model("lr201.txt", "pdptw/li_lim_100")
    assert not applies(pair_model)
    resting = tuple(replace(c, breaks=(Break(Window(3_000, 4_000), 600),)) for c in problem.couriers)
    with_breaks = replace(problem, couriers=resting)
    args = (model.couriers, model.orders, model.allowed, model.penalty)
    assert not applies(RoutingModel(with_breaks, matrix, *args))
    assert not applies(RoutingModel(problem, matrix, *args, max_wait_s=600))


def test_ruin_and_recreate_with_it_is_repeatable_and_read_back_by_ortools(fresh_model: ModelOf) -> None:
    problem, matrix, model = fresh_model("RC201.txt", "vrptw/solomon")
    start = model.search(AS_IS, 600)
    assert start is not None
    params = SolveParams(ruin_iterations=60, local_search="compiled")
    results = [
        ruin_and_recreate(problem, matrix, model, start, params, Deadline(600), 4, greedy=True) for _ in range(2)
    ]
    assert results[0].routes == results[1].routes
    assert results[0].objective < start.objective
    _, _, again = fresh_model("RC201.txt", "vrptw/solomon")
    as_is = again.search(AS_IS, 600, initial=results[0].routes)
    assert as_is is not None and as_is.objective == results[0].objective


def test_a_solve_with_it_stops_on_solution_and_round_limits_and_repeats(fresh_model: ModelOf) -> None:
    problem, matrix, _ = fresh_model("R101.txt", "vrptw/solomon")
    params = SolveParams(time_limit_s=3_600, solution_limit=30, ruin_iterations=40, workers=1, local_search="compiled")
    first, second = (solve(problem, matrix, params=params, seed=2) for _ in range(2))
    assert first.stats.wall_s < 600
    assert [r.stops for r in first.routes] == [r.stops for r in second.routes]
    assert not first.unassigned


def test_rejects_an_unknown_local_search() -> None:
    with pytest.raises(InputError, match="local_search"):
        SolveParams(local_search="fast")


def test_compiles_once_per_process_and_is_ready_after() -> None:
    warm_up()
    assert ready()
    assert warm_up() < 0.5
