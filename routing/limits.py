"""The largest values the problem format accepts, and why: OR-Tools adds them up in signed 64-bit integers.

The solver's objective is one int64: the metres of every arc driven, the fixed cost of every courier used, and
the drop penalty of every order left out. A drop penalty is ``base * (1 + priority)`` with
``base = 10 * (largest fixed cost + 2 * longest leg + 1)`` (:func:`base_drop_penalty`), and route elimination raises an
order's penalty up to :data:`ELIMINATION_BOOST` times inside its search. So the worst objective is about
``orders * 10 * (fixed cost + 2 * leg + 1) * (1 + priority) * boost`` plus the arcs and fixed costs, which
:func:`worst_objective` computes and a test keeps below ``2**63``. Capacity dimensions add up to every order's
load along one route (at most ``orders * amount``) and the time dimension adds travel, service and waiting within
a horizon of at most ``2 * HORIZON_S`` — both far inside int64 with these bounds.
"""

from __future__ import annotations

__all__ = [
    "ELIMINATION_BOOST",
    "HORIZON_S",
    "ID_PATTERN",
    "MAX_AMOUNT",
    "MAX_COURIERS",
    "MAX_DROP_PENALTY",
    "MAX_FIXED_COST",
    "MAX_LEG_M",
    "MAX_ORDERS",
    "MAX_PRIORITY",
    "base_drop_penalty",
    "worst_objective",
]

HORIZON_S = 14 * 24 * 3600
"""Every time in a problem lies within this many seconds of its epoch (two weeks either side)."""
MAX_ORDERS = 50_000
MAX_COURIERS = 10_000
MAX_AMOUNT = 10**12
"""Grams, cm³, item counts, stock units: a trillion of any (a million tonnes) is out of this world already."""
MAX_PRIORITY = 100
MAX_FIXED_COST = 10**7
"""Metres of driving a courier's use is worth: 10,000 km."""
MAX_LEG_M = 4 * 10**7
"""The longest leg any matrix may hold: the Earth's half circumference (20,000 km) with a detour factor of 2."""
ELIMINATION_BOOST = 1000
"""How far route elimination may raise the drop penalty of an order left out round after round, inside its search
(``routing.ruin_recreate``)."""
ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:@+\-]{0,127}$"
"""Ids of sites, couriers, orders and items: they become Redis keys and URL path segments."""


def base_drop_penalty(fixed_cost: int, longest_leg_m: int) -> int:
    """The cost of leaving an order out, before its priority: far above what serving it could add (a new courier
    plus a detour there and back on the longest leg)."""
    return 10 * (fixed_cost + 2 * longest_leg_m + 1)


MAX_DROP_PENALTY = base_drop_penalty(MAX_FIXED_COST, MAX_LEG_M)
"""The largest base drop penalty: what ``routing.solve`` derives at the bounds above, and what a user may set."""


def worst_objective() -> int:
    """The largest objective OR-Tools can reach on a problem within these bounds (every order dropped at its
    boosted penalty, every arc at the longest leg, every courier used)."""
    dropped = MAX_ORDERS * MAX_DROP_PENALTY * (1 + MAX_PRIORITY) * ELIMINATION_BOOST
    driven = (MAX_ORDERS + MAX_COURIERS) * 2 * MAX_LEG_M
    return dropped + driven + MAX_COURIERS * MAX_FIXED_COST
