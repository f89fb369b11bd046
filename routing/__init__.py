"""The solver core: problem model, solve on OR-Tools, plan.

Examples
--------
Build a problem with handles instead of indices (:mod:`routing.builder`), solve it, read the result:

>>> from datetime import datetime
>>> from geo import StraightLineProvider
>>> from routing import Model, StopAfter
>>> HOUR = 3600
>>> model = Model(epoch=datetime.fromisoformat("2026-11-23T00:00+02:00"))  # times: seconds from it, or datetimes
>>> kamppi = model.add_site("kamppi", (60.1690, 24.9320), opening=(8 * HOUR, 22 * HOUR), stock={"milk": 20, "bread": 5})
>>> bike = model.add_courier("bike-1", site=kamppi, shift=(9 * HOUR, 13 * HOUR), capacity_g=4_000, fixed_cost=1_000)
>>> o1 = model.add_order("o1", (60.1650, 24.9400), windows=(10 * HOUR, 11 * HOUR), items={"milk": 2}, weight_g=2_000)
>>> o2 = model.add_order("o2", (60.1720, 24.9450), windows=(10 * HOUR, 12 * HOUR), items={"bread": 1}, weight_g=500)
>>> two_windows = [(9 * HOUR, 10 * HOUR), (11 * HOUR, 12 * HOUR)]
>>> o3 = model.add_order("o3", (60.1600, 24.9200), windows=two_windows, items={"milk": 3}, weight_g=3_000)
>>> o4 = model.add_order("o4", (60.1700, 24.9300), windows=(10 * HOUR, 11 * HOUR), items={"eggs": 6}, weight_g=400)
>>> result = model.solve(StraightLineProvider(), stop=StopAfter(solutions=50, iterations=20))
>>> print(result)
3 orders served, 1 unassigned; 1 route, 2 trips, 6.0 km, 1 h 07 min; cost 7,042
bike-1 from kamppi, 09:00–10:07, 6.0 km: o3 | o2 o1
left out, NO_STOCK: o4
>>> result.cost(), result.is_feasible(), result.plan.routes[0].courier == bike.index
(7042, True, True)
"""

from routing.builder import CourierRef, Model, OrderRef, SiteRef
from routing.errors import Conflict, InputError, NotFound
from routing.model import Capacity, Courier, Order, Pickup, Problem, Site, Window
from routing.params import SolveParams, StopAfter
from routing.plan import Plan, Reason, Route, SolveStats, Stop, Summary, Unassigned
from routing.problem_json import load_problem, parse_problem, problem_json_schema, problem_to_spec
from routing.result import Result
from routing.solve import Progress, solve

__all__ = [
    "Capacity",
    "Conflict",
    "Courier",
    "CourierRef",
    "InputError",
    "Model",
    "NotFound",
    "Order",
    "OrderRef",
    "Pickup",
    "Plan",
    "Problem",
    "Progress",
    "Reason",
    "Result",
    "Route",
    "Site",
    "SiteRef",
    "SolveParams",
    "SolveStats",
    "Stop",
    "StopAfter",
    "Summary",
    "Unassigned",
    "Window",
    "load_problem",
    "parse_problem",
    "problem_json_schema",
    "problem_to_spec",
    "solve",
]
