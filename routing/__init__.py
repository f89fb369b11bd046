"""The solver core: problem model, solve on OR-Tools, plan.

Examples
--------
>>> from routing import Problem, Site, Courier, Order, Window, Capacity, SolveParams, solve
>>> from geo import StraightLineProvider
>>> site = Site("s1", "store", (60.17, 24.94), Window(0, 36_000), stock={"milk": 5})
>>> courier = Courier("c1", 0, Window(0, 36_000), "bike", Capacity(20_000))
>>> order = Order("o1", (60.172, 24.945), (Window(0, 7_200),), items={"milk": 2}, weight_g=2_000)
>>> problem = Problem((site,), (courier,), (order,))
>>> matrix = StraightLineProvider().matrix(problem.locations(), ["bike"])
>>> plan = solve(problem, matrix, params=SolveParams(time_limit_s=1))
>>> plan.summary.orders_served, plan.routes[0].orders
(1, (0,))
"""

from routing.errors import Conflict, InputError, NotFound
from routing.model import Capacity, Courier, Order, Pickup, Problem, Site, Window
from routing.params import SolveParams
from routing.plan import Plan, Reason, Route, SolveStats, Stop, Summary, Unassigned
from routing.problem_json import load_problem, parse_problem, problem_json_schema, problem_to_spec
from routing.solve import Progress, solve

__all__ = [
    "Capacity",
    "Conflict",
    "Courier",
    "InputError",
    "NotFound",
    "Order",
    "Pickup",
    "Plan",
    "Problem",
    "Progress",
    "Reason",
    "Route",
    "Site",
    "SolveParams",
    "SolveStats",
    "Stop",
    "Summary",
    "Unassigned",
    "Window",
    "load_problem",
    "parse_problem",
    "problem_json_schema",
    "problem_to_spec",
    "solve",
]
