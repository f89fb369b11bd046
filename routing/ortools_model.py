"""The OR-Tools routing model: the one module that imports ``ortools``; no OR-Tools type leaves it.

A model covers a subset of the couriers (vehicles) and the servable orders. Every order is optional with a drop
penalty; a courier's use costs its fixed cost; arcs cost metres for the courier's profile. Time windows (several
per order), service times, shifts, capacities (weight, volume, item count), allowed couriers per order, pickup
and delivery pairs with a maximum ride time, and stock shared by all couriers of a site are constraints.
"""

from __future__ import annotations

import itertools
import weakref
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from ortools.constraint_solver import pywrapcp, routing_enums_pb2

from geo.matrix import Matrix
from routing.model import Problem, Window
from routing.params import SolveParams
from routing.partition import left_out
from routing.timing import StopRef

__all__ = ["RoutingModel", "SearchResult"]

_BIG = 10**15


@dataclass(frozen=True)
class SearchResult:
    """Routes per courier of the model (in ``couriers`` order), the objective, and solutions seen."""

    routes: dict[int, list[StopRef]]
    objective: int
    solutions: int
    status: str

    def served(self) -> int:
        """Number of orders served."""
        return sum(1 for stops in self.routes.values() for _, kind in stops if kind == "delivery")

    def left_out(self, orders: Iterable[int]) -> list[int]:
        """The ``orders`` that no route serves, in their given order."""
        return left_out(self.routes, orders)


class RoutingModel:
    """An OR-Tools model of ``orders`` (indices) served by ``couriers`` (indices) of ``problem``."""

    def __init__(
        self,
        problem: Problem,
        matrix: Matrix,
        couriers: Sequence[int],
        orders: Sequence[int],
        allowed: Mapping[int, Sequence[int]],
        penalty: Mapping[int, int],
    ) -> None:
        self.problem, self.couriers, self.orders = problem, list(couriers), list(orders)
        self.allowed, self.penalty = allowed, penalty
        self._vehicle_of = {c: v for v, c in enumerate(self.couriers)}
        cs = [problem.couriers[c] for c in self.couriers]
        depots = sorted({c.site for c in cs} | {c.last_site for c in cs})
        self._stops: list[StopRef | None] = [None] * len(depots)
        nodes = list(depots)
        for o in orders:
            if problem.orders[o].pickup is not None:
                self._stops.append((o, "pickup"))
                nodes.append(problem.pickup_node[o])
            self._stops.append((o, "delivery"))
            nodes.append(problem.delivery_node(o))
        self._node_of = {stop: k for k, stop in enumerate(self._stops) if stop is not None}
        depot_node = {site: k for k, site in enumerate(depots)}
        self.manager = pywrapcp.RoutingIndexManager(
            len(nodes), len(cs), [depot_node[c.site] for c in cs], [depot_node[c.last_site] for c in cs]
        )
        self.routing = pywrapcp.RoutingModel(self.manager)
        self._counter = _SolutionCounter(self)
        self.routing.AddAtSolutionCallback(self._counter)
        self._build(matrix, np.asarray(nodes), cs, allowed, penalty)

    # -- building -------------------------------------------------------------------------------------------
    def _build(
        self,
        matrix: Matrix,
        nodes: np.ndarray,
        cs: list,
        allowed: Mapping[int, Sequence[int]],
        penalty: Mapping[int, int],
    ) -> None:
        routing, problem = self.routing, self.problem
        service = np.array([self._service(s) for s in self._stops], dtype=np.int64)
        time_cb, cost_cb = {}, {}
        for profile in sorted({c.profile for c in cs}):
            dur = matrix.duration_s[profile][np.ix_(nodes, nodes)] + service[:, None]
            time_cb[profile] = routing.RegisterTransitMatrix(dur.tolist())
            cost_cb[profile] = routing.RegisterTransitMatrix(matrix.distance_m[profile][np.ix_(nodes, nodes)].tolist())
        for v, c in enumerate(cs):
            routing.SetArcCostEvaluatorOfVehicle(cost_cb[c.profile], v)
            routing.SetFixedCostOfVehicle(int(c.fixed_cost), v)
        horizon = max([c.shift.end_s for c in cs] + [w.end_s for s in self._stops if s for w in self._windows(s)])
        routing.AddDimensionWithVehicleTransits([time_cb[c.profile] for c in cs], horizon, horizon, False, "time")
        self.time = routing.GetDimensionOrDie("time")
        for v, c in enumerate(cs):
            opening = problem.sites[c.site].opening
            self.time.CumulVar(routing.Start(v)).SetRange(max(c.shift.start_s, opening.start_s), c.shift.end_s)
            self.time.CumulVar(routing.End(v)).SetMax(c.shift.end_s)
            routing.AddVariableMinimizedByFinalizer(self.time.CumulVar(routing.End(v)))
        self._add_loads(cs)
        for k, stop in enumerate(self._stops):
            if stop is not None:
                self._constrain_stop(k, stop, allowed, penalty)
        self._add_stock_limits(allowed)

    def _service(self, stop: StopRef | None) -> int:
        if stop is None:
            return 0
        return self.problem.stop_service_s(*stop)

    def _windows(self, stop: StopRef) -> tuple[Window, ...]:
        return self.problem.stop_windows(*stop)

    def _add_loads(self, cs: list) -> None:
        """Weight, and volume / item count when some courier limits them, as capacity dimensions."""
        orders = self.problem.orders
        mixed = any(o.pickup for o in orders) and any(o.pickup is None for o in orders)
        loads = {
            "weight": (lambda o: o.weight_g, [c.capacity.weight_g for c in cs]),
            "volume": (lambda o: o.volume_cm3, [c.capacity.volume_cm3 for c in cs]),
            "items": (lambda o: o.item_count, [c.capacity.items for c in cs]),
        }
        for name, (amount, caps) in loads.items():
            if name != "weight" and all(cap is None for cap in caps):
                continue
            demand = [0] * len(self._stops)
            for k, stop in enumerate(self._stops):
                if stop is None:
                    continue
                order = orders[stop[0]]
                sign = 1 if stop[1] == "pickup" or (order.pickup is None and not mixed) else -1
                demand[k] = sign * amount(order)
            callback = self.routing.RegisterUnaryTransitVector(demand)
            capacities = [_BIG if cap is None else int(cap) for cap in caps]
            # With pickups and stock orders on one route, the load leaving the site is free and must cover the
            # stock orders' deliveries; otherwise the cumul counts what was delivered, from zero.
            self.routing.AddDimensionWithVehicleCapacity(callback, 0, capacities, not mixed, name)

    def _constrain_stop(
        self, k: int, stop: StopRef, allowed: Mapping[int, Sequence[int]], penalty: Mapping[int, int]
    ) -> None:
        routing, index = self.routing, self.manager.NodeToIndex(k)
        windows = sorted(self._windows(stop), key=lambda w: w.start_s)
        cumul = self.time.CumulVar(index)
        cumul.SetRange(windows[0].start_s, windows[-1].end_s)
        for a, b in itertools.pairwise(windows):
            cumul.RemoveInterval(a.end_s + 1, b.start_s - 1)
        vehicles = [self._vehicle_of[c] for c in allowed[stop[0]] if c in self._vehicle_of]
        if len(vehicles) < len(self.couriers):  # -1: not served (SetAllowedVehiclesForIndex's binding is broken)
            routing.VehicleVar(index).SetValues([-1, *vehicles])
        o = stop[0]
        order = self.problem.orders[o]
        # every stop is optional; a pair's pickup carries the order's penalty, its delivery none (and is performed
        # with the pickup, below). A stop with no disjunction at all would be mandatory: routes that leave a pair
        # out (a ruined plan, a route emptied for elimination) could not even be read back in as a start.
        routing.AddDisjunction([index], penalty[o] if stop[1] == "pickup" or order.pickup is None else 0)
        if stop[1] == "delivery" and order.pickup is not None:
            pickup = self.manager.NodeToIndex(self._node_of[(o, "pickup")])
            routing.AddPickupAndDelivery(pickup, index)
            solver = routing.solver()
            solver.Add(routing.ActiveVar(pickup) == routing.ActiveVar(index))
            solver.Add(routing.VehicleVar(pickup) == routing.VehicleVar(index))
            solver.Add(self.time.CumulVar(pickup) <= self.time.CumulVar(index))
            if order.pickup.max_ride_s is not None:
                solver.Add(self.time.CumulVar(index) - self.time.CumulVar(pickup) <= order.pickup.max_ride_s)

    def _add_stock_limits(self, allowed: Mapping[int, Sequence[int]]) -> None:
        """For every (site, item) whose stock cannot cover all orders that could take it there, cap the sum."""
        problem, solver = self.problem, self.routing.solver()
        by_site: dict[int, list[int]] = {}
        for v, c in enumerate(self.couriers):
            by_site.setdefault(problem.couriers[c].site, []).append(v)
        for site, vehicles in by_site.items():
            stock = problem.sites[site].stock
            demand: dict[str, list[tuple[int, int]]] = {}
            for stop, k in self._node_of.items():
                order = problem.orders[stop[0]]
                if order.pickup is None and any(self._vehicle_of.get(c) in vehicles for c in allowed[stop[0]]):
                    for item, qty in order.items.items():
                        demand.setdefault(item, []).append((k, qty))
            for item, uses in demand.items():
                if sum(q for _, q in uses) > stock.get(item, 0):
                    terms = [
                        solver.IsMemberVar(self.routing.VehicleVar(self.manager.NodeToIndex(k)), vehicles) * q
                        for k, q in uses
                    ]
                    solver.Add(solver.Sum(terms) <= stock.get(item, 0))

    # -- searching ------------------------------------------------------------------------------------------
    def search(
        self,
        params: SolveParams,
        time_limit_s: float,
        *,
        initial: Mapping[int, Sequence[StopRef]] | None = None,
        on_solution: Callable[[int], None] | None = None,
        stop_when_all_served: bool = False,
    ) -> SearchResult | None:
        """Search for at most ``time_limit_s`` seconds (or ``params.solution_limit`` solutions).

        Starts from ``initial`` routes (courier → stops; orders not in them start unserved) when given, else from
        ``params.first_solution``. ``on_solution`` gets each new objective. Returns the best plan or ``None``.
        """
        routing = self.routing
        search = pywrapcp.DefaultRoutingSearchParameters()
        search.first_solution_strategy = getattr(routing_enums_pb2.FirstSolutionStrategy, params.first_solution)
        search.local_search_metaheuristic = getattr(routing_enums_pb2.LocalSearchMetaheuristic, params.metaheuristic)
        search.time_limit.FromMilliseconds(max(1, int(time_limit_s * 1000)))
        if params.solution_limit is not None:
            search.solution_limit = params.solution_limit
        counter = self._counter
        counter.on_solution, counter.stop, counter.count = on_solution, stop_when_all_served, 0
        if initial is not None:
            start = routing.ReadAssignmentFromRoutes(self._node_routes(initial), True)
            solution = routing.SolveFromAssignmentWithParameters(start, search) if start else None
        else:
            solution = routing.SolveWithParameters(search)
        status = routing_enums_pb2.RoutingSearchStatus.Value.Name(routing.status()).removeprefix("ROUTING_")
        if status == "INVALID":
            raise RuntimeError("OR-Tools rejected the search parameters (ROUTING_INVALID)")
        if solution is None:
            return None
        return SearchResult(self._routes(solution), int(solution.ObjectiveValue()), counter.count, status)

    def _node_routes(self, routes: Mapping[int, Sequence[StopRef]]) -> list[list[int]]:
        return [[self.manager.NodeToIndex(self._node_of[s]) for s in routes.get(c, ())] for c in self.couriers]

    def _routes(self, solution: pywrapcp.Assignment) -> dict[int, list[StopRef]]:
        routes: dict[int, list[StopRef]] = {}
        for v, c in enumerate(self.couriers):
            index = self.routing.Start(v)
            stops: list[StopRef] = []
            while not self.routing.IsEnd(index):
                stop = self._stops[self.manager.IndexToNode(index)]
                if stop is not None:
                    stops.append(stop)
                index = solution.Value(self.routing.NextVar(index))
            if stops:
                routes[c] = stops
        return routes

    def unserved_now(self) -> int:
        """During search (in a solution callback): how many stops are not performed."""
        routing, manager = self.routing, self.manager
        return sum(1 for k in self._node_of.values() if not routing.ActiveVar(manager.NodeToIndex(k)).Value())


class _SolutionCounter:
    """Counts solutions, reports objectives, and ends a search once every order is served if asked to.

    OR-Tools keeps the callback alive from C++, where Python's collector cannot see it: a strong reference back to
    the model would make a cycle that is never freed (~3 MB of solver per model leaked), so it holds a weak one.
    """

    def __init__(self, model: RoutingModel) -> None:
        self.model = weakref.proxy(model)
        self.on_solution: Callable[[int], None] | None = None
        self.stop = False
        self.count = 0

    def __call__(self) -> None:
        self.count += 1
        if self.on_solution is not None:
            self.on_solution(int(self.model.routing.CostVar().Value()))
        if self.stop and self.model.unserved_now() == 0:
            self.model.routing.solver().FinishCurrentSearch()
