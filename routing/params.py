"""Solver parameters: one frozen dataclass, loadable from TOML."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

from routing.errors import InputError
from routing.limits import HORIZON_S, MAX_DROP_PENALTY

__all__ = [
    "FIRST_SOLUTIONS",
    "LOCAL_SEARCHES",
    "MAX_TIME_LIMIT_S",
    "METAHEURISTICS",
    "POLISHES",
    "SolveParams",
    "StopAfter",
]

FIRST_SOLUTIONS = (
    "PARALLEL_CHEAPEST_INSERTION",
    "LOCAL_CHEAPEST_INSERTION",
    "SEQUENTIAL_CHEAPEST_INSERTION",
    "SAVINGS",
    "PATH_CHEAPEST_ARC",
)
METAHEURISTICS = ("GUIDED_LOCAL_SEARCH", "SIMULATED_ANNEALING", "TABU_SEARCH", "GREEDY_DESCENT")
POLISHES = ("ruin_recreate", "local_search")
LOCAL_SEARCHES = ("compiled", "ortools")
MAX_TIME_LIMIT_S = 7 * 86400
"""The longest wall-clock budget a solve may be given: a week."""


@dataclass(frozen=True)
class SolveParams:
    """How hard and how to search.

    ``time_limit_s`` is a hard wall-clock budget for the whole solve, matrix-independent work and model building
    included; the best plan so far is returned when it runs out. ``solution_limit`` (if set) stops each search
    phase after that many solutions instead, for repeatable tests. ``route_elimination`` tries to empty routes
    after the first search, so fewer couriers are used: it gets ``elimination_share`` of the time (polishing the
    final routes included) and gives up after ``elimination_tries`` failed routes in a row. ``drop_penalty`` is
    the cost of leaving an order out (``None``: far above any route cost); an order's ``priority`` multiplies it
    by ``1 + priority``. ``workers`` > 1 runs
    that many searches (first solution and route elimination) in parallel processes, each from a different first
    solution, and keeps the best plan (fewest orders left out, then fewest routes, then lowest cost); then every
    worker polishes that plan from its own seed and the best polish is kept. ``polish`` is how the time left after
    route elimination is spent: ``ruin_recreate`` (remove up to ``ruin_orders`` nearby orders, let OR-Tools
    re-insert them and descend, or, half the time when every order is a plain delivery with one window, insert
    them greedily; accept by simulated annealing; at most ``ruin_iterations`` times if set) or
    ``local_search`` (the ``metaheuristic`` from the current routes). The field ``local_search`` is what follows a
    greedy insertion in some of those rounds: ``compiled`` (the numba descent of :mod:`routing.fastls`, when it
    models the problem exactly: plain deliveries, one trip per courier, no breaks or working limits, one profile;
    with no ``ruin_iterations``, only when it is compiled or in numba's cache) or ``ortools`` (nothing: greedy
    insertion alone, half the time, and OR-Tools' descent the other half, as before). With ``workers`` > 1, the last
    ``polish_together_share`` of the time is spent by all workers on the best plan at once, each polishing its own
    group of neighbouring routes (:func:`routing.decompose.polish_together`).

    Problems with more than ``decompose_above`` servable orders are solved by decomposition
    (:mod:`routing.decompose`): a first plan from sub-problems of about ``decompose_size`` orders cut by site and
    polar angle, then, while time remains, sub-problems made of neighbouring routes of the current plan are
    re-solved from their current routes by the steps above (in ``workers`` processes at once) and merged back when
    they serve more orders, use fewer routes or cost less. ``decompose_parts`` (if set) caps how many such
    sub-problems are solved and lets each search run to its own solution / iteration limits instead of a time
    slice, for repeatable tests (set ``ruin_iterations`` too); smaller problems are solved whole, as before.

    ``max_wait_s`` (if set) is the longest a courier may wait at a stop inside a trip (arrived before its window, or
    held before a stop so that a later one waits less): an order that only fits with a longer wait goes on a later
    trip or is left out. A break on the way before a stop shares that allowance (the longer of ``max_wait_s`` and
    the courier's longest break, so that the break fits); the plan's times share a long wait among the stops before
    it (:func:`routing.timing.time_route`).
    """

    time_limit_s: float = 10.0
    solution_limit: int | None = None
    first_solution: str = "PARALLEL_CHEAPEST_INSERTION"
    metaheuristic: str = "GUIDED_LOCAL_SEARCH"
    route_elimination: bool = True
    elimination_share: float = 0.8
    elimination_tries: int = 3
    drop_penalty: int | None = None
    workers: int = 1
    polish: str = "ruin_recreate"
    local_search: str = "compiled"
    ruin_orders: int = 12
    ruin_iterations: int | None = None
    polish_together_share: float = 0.25
    decompose_above: int = 250
    decompose_size: int = 100
    decompose_parts: int | None = None
    max_wait_s: int | None = None

    def __post_init__(self) -> None:
        if not 0 < self.time_limit_s <= MAX_TIME_LIMIT_S:
            raise InputError(f"time_limit_s: must be within (0, {MAX_TIME_LIMIT_S}], got {self.time_limit_s}")
        if self.drop_penalty is not None and not 1 <= self.drop_penalty <= MAX_DROP_PENALTY:
            raise InputError(f"drop_penalty: must be within [1, {MAX_DROP_PENALTY}], got {self.drop_penalty}")
        if self.solution_limit is not None and self.solution_limit < 1:
            raise InputError(f"solution_limit: must be >= 1, got {self.solution_limit}")
        if self.first_solution not in FIRST_SOLUTIONS:
            raise InputError(f"first_solution: must be one of {', '.join(FIRST_SOLUTIONS)}")
        if self.metaheuristic not in METAHEURISTICS:
            raise InputError(f"metaheuristic: must be one of {', '.join(METAHEURISTICS)}")
        if self.polish not in POLISHES:
            raise InputError(f"polish: must be one of {', '.join(POLISHES)}, got {self.polish!r}")
        if self.local_search not in LOCAL_SEARCHES:
            raise InputError(f"local_search: must be one of {', '.join(LOCAL_SEARCHES)}, got {self.local_search!r}")
        if self.ruin_orders < 1 or (self.ruin_iterations is not None and self.ruin_iterations < 0):
            raise InputError("ruin_orders: must be >= 1, and ruin_iterations >= 0 when given")
        if self.elimination_tries < 1:
            raise InputError(f"elimination_tries: must be >= 1, got {self.elimination_tries}")
        if not 1 <= self.workers <= 64:
            raise InputError(f"workers: must be within [1, 64], got {self.workers}")
        if self.decompose_above < 1 or self.decompose_size < 10:
            raise InputError(
                f"decompose_above: must be >= 1 and decompose_size >= 10, got {self.decompose_above}, "
                f"{self.decompose_size}"
            )
        if self.decompose_parts is not None and self.decompose_parts < 0:
            raise InputError(f"decompose_parts: must be >= 0 when given, got {self.decompose_parts}")
        if not 0 <= self.polish_together_share < 1:
            raise InputError(f"polish_together_share: must be within [0, 1), got {self.polish_together_share}")
        if self.max_wait_s is not None and not 0 <= self.max_wait_s <= HORIZON_S:
            raise InputError(f"max_wait_s: must be within [0, {HORIZON_S}] when given, got {self.max_wait_s}")
        if not 0 <= self.elimination_share <= 1:
            raise InputError(f"elimination_share: must be within [0, 1], got {self.elimination_share}")

    @classmethod
    def from_toml(cls, path: Path) -> SolveParams:
        """Read parameters from a TOML file (top-level keys or a ``[solve]`` table); unknown keys are errors."""
        try:
            data: dict[str, Any] = tomllib.loads(path.read_text())
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise InputError(f"{path}: {exc}") from exc
        data = data.get("solve", data)
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise InputError(f"{path}: unknown parameter {unknown[0]!r}; known: {', '.join(sorted(known))}")
        return cls(**data)


@dataclass(frozen=True)
class StopAfter:
    """When a solve stops: the one stopping criterion, whichever of its limits comes first.

    ``time_s`` is the hard wall-clock budget (always in force, as :attr:`SolveParams.time_limit_s`);
    ``solutions`` (if set) stops each search phase after that many solutions (:attr:`SolveParams.solution_limit`);
    ``iterations`` (if set) caps the ruin-and-recreate rounds of each polish and route-elimination attempt
    (:attr:`SolveParams.ruin_iterations`). A run that gives the same plan on any machine sets ``solutions`` and
    ``iterations`` and a ``time_s`` it does not reach. Raises ``InputError`` naming the field out of range.

    Examples
    --------
    >>> params = StopAfter(solutions=50, iterations=20).apply(SolveParams(workers=2))
    >>> params.time_limit_s, params.solution_limit, params.ruin_iterations, params.workers
    (10.0, 50, 20, 2)
    """

    time_s: float = SolveParams.time_limit_s
    solutions: int | None = None
    iterations: int | None = None

    def __post_init__(self) -> None:
        if not 0 < self.time_s <= MAX_TIME_LIMIT_S:
            raise InputError(f"time_s: must be within (0, {MAX_TIME_LIMIT_S}], got {self.time_s}")
        if self.solutions is not None and self.solutions < 1:
            raise InputError(f"solutions: must be >= 1, got {self.solutions}")
        if self.iterations is not None and self.iterations < 0:
            raise InputError(f"iterations: must be >= 0, got {self.iterations}")

    def apply(self, params: SolveParams) -> SolveParams:
        """``params`` with their three stopping fields (``time_limit_s``, ``solution_limit``, ``ruin_iterations``)
        replaced by this criterion's; every other field as it is."""
        return replace(params, time_limit_s=self.time_s, solution_limit=self.solutions, ruin_iterations=self.iterations)
