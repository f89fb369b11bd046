"""PyVRP (0.14.1, the ``peers`` extra) as a peer solver on lastmile's own benchmark problems, for side-by-side runs.

Both solvers get the problem :func:`benchmarks.convert.instance_to_problem` builds (one depot, identical vehicles,
integer matrices) and the same seed and wall time; PyVRP searches on one thread. Client ``k`` is order ``k``,
location ``k`` matrix node ``k``; the fixed cost per vehicle is lastmile's (twice the longest arc), so both prefer
fewer routes. Two models:

- **classic** (``reloads=False``, the public VRPTW sets): every client required, one trip per vehicle;
- **multi-trip** (``reloads=True``, :mod:`benchmarks.multitrip`, whose docstring says how the models are matched):
  optional clients with lastmile's drop penalty as prize, release times, reload depot, maximum duration.
"""

from __future__ import annotations

import itertools
import multiprocessing
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np

from benchmarks.convert import PROFILE
from geo.matrix import Matrix
from routing import Problem
from routing.limits import base_drop_penalty

if TYPE_CHECKING:
    import pyvrp

__all__ = ["MAX_PENALTY", "PYVRP_GRACE", "Days", "bounded", "pyvrp_data", "solve_pyvrp"]

Days = list[list[list[int]]]
"""Vehicles' days: per vehicle its trips in order, each a list of instance customer nodes."""
PYVRP_GRACE = 3  # PyVRP's run is killed after this many times the time limit (a local search that does not return)
MAX_PENALTY = 1e6  # PyVRP's cap on its penalty per unit of excess load (default 1e5)
T = TypeVar("T")


def pyvrp_data(problem: Problem, matrix: Matrix, *, reloads: bool) -> pyvrp.ProblemData:
    """PyVRP's model of a one-depot ``problem`` of identical couriers, classic or multi-trip (module docstring).
    Raises ``ImportError`` if PyVRP is not installed."""
    import pyvrp

    site, courier = problem.sites[0], problem.couriers[0]
    lag = site.reload_s if reloads else 0  # multi-trip: every time but the opening this much later
    longest = int(np.max(matrix.distance_m[PROFILE]))
    prize = base_drop_penalty(courier.fixed_cost, longest)
    start = max(site.opening.start_s, courier.shift.start_s)
    close = min(site.opening.end_s, courier.shift.end_s)
    day = close - start if courier.max_duration_s is None else courier.max_duration_s
    clients = []
    for o, order in enumerate(problem.orders):
        (window,) = order.windows
        clients.append(
            pyvrp.Client(
                location=problem.delivery_node(o),
                delivery=[order.weight_g],
                service_duration=order.service_s,
                tw_early=window.start_s + lag,
                tw_late=window.end_s + lag,
                release_time=order.ready_s or 0,
                prize=prize if reloads else 0,
                required=not reloads,
            )
        )
    vehicles = pyvrp.VehicleType(
        num_available=len(problem.couriers),
        capacity=[courier.capacity.weight_g],
        start_depot=0,
        end_depot=0,
        fixed_cost=courier.fixed_cost,
        tw_early=start,
        tw_late=close + lag,
        shift_duration=day + lag,
        reload_depots=[0] if reloads else [],
    )
    # pyvrp's stub types the matrices as ndarray[int], which no array is
    distances: list[Any] = [matrix.distance_m[PROFILE]]
    durations: list[Any] = [matrix.duration_s[PROFILE]]
    return pyvrp.ProblemData(
        locations=[pyvrp.Location(x=float(lon), y=float(lat)) for lat, lon in problem.locations()],
        clients=clients,
        depots=[pyvrp.Depot(location=0, tw_early=start, tw_late=close + lag, service_duration=lag)],
        vehicle_types=[vehicles],
        distance_matrices=distances,
        duration_matrices=durations,
    )


def solve_pyvrp(
    problem: Problem,
    matrix: Matrix,
    nodes: Sequence[int],
    time_limit_s: float,
    seed: int,
    *,
    reloads: bool,
    iterations: int | None = None,
) -> Days:
    """Solve :func:`pyvrp_data` of ``problem`` with PyVRP for ``time_limit_s`` of search (or ``iterations`` of it,
    for tests); returns the days of the best solution (feasible or not) as instance nodes. Raises ``ImportError``
    if PyVRP is not installed."""
    import pyvrp
    from pyvrp.stop import MaxIterations, MaxRuntime

    data = pyvrp_data(problem, matrix, reloads=reloads)
    params = pyvrp.SolveParams(penalty=pyvrp.PenaltyParams(max_penalty=MAX_PENALTY))
    stop = MaxRuntime(time_limit_s) if iterations is None else MaxIterations(iterations)
    best = pyvrp.solve(data, stop=stop, seed=seed, collect_stats=False, params=params).best
    days: Days = []
    for route in best.routes():
        visits = [(a.trip, nodes[problem.delivery_node(a.idx)]) for a in route.schedule() if a.is_client()]
        days.append([[node for _, node in trip] for _, trip in itertools.groupby(visits, key=lambda v: v[0])])
    return days


def bounded(job: Callable[[], T], wait_s: float) -> T | None:
    """``job()`` in a forked process, or ``None`` if it has not returned after ``wait_s`` (then it is killed)."""
    context = multiprocessing.get_context("fork")
    with context.Pool(1) as pool:
        pending = pool.apply_async(job)
        try:
            return pending.get(wait_s)
        except multiprocessing.TimeoutError:
            return None
