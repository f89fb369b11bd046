"""The OR-Tools routing model: the one module that imports ``ortools``; no OR-Tools type leaves it.

A model covers a subset of the couriers and the servable orders. Every order is optional with a drop penalty; a
courier's use costs its fixed cost; arcs cost metres for the courier's profile. Time windows (several per order),
service times, shifts, capacities (weight, volume, item count), allowed couriers per order, pickup and delivery
pairs with a maximum ride time, and stock shared by all couriers of a site are constraints.

A courier's day is a set of trips (:mod:`routing.trips` says how many slots): each trip is one OR-Tools vehicle from
the site back to it, so capacity holds per trip; slot ``k + 1`` is used only if slot ``k`` is, but the trips may run
in any order in time: of two trips of a courier, one is back and has reloaded (the site's reload time, an interval
before each trip) before the other leaves (a constraint per pair of slots), so an insertion can put an order on a
trip before or after the others. Ready times are a dimension with no transit and no slack, so its cumul is one value
along a trip, at least the ready time of every basket on it, and the trip leaves no earlier. Breaks are interval
variables shared by all trips of a courier (none may overlap a visit, nor a reload); working time and distance bound
the span and the sum of the courier's trips.
"""

from __future__ import annotations

import itertools
import weakref
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from ortools.constraint_solver import pywrapcp, routing_enums_pb2

from geo.matrix import Matrix
from routing.model import Problem, Window
from routing.params import SolveParams
from routing.partition import left_out
from routing.picking import site_ready_times
from routing.timing import StopRef, break_position, split_trips
from routing.trips import trip_slots

__all__ = ["RoutingModel", "SearchResult", "Wave"]

_BIG = 10**15
# OR-Tools stops each completion search (restoring a start plan, finishing a neighbour's times) after a limit, 100 ms
# by default: restoring a multi-trip day with breaks takes about that long (80-140 ms on the sample problem), so it
# failed or not by the machine's load. A start that fails is tried again with the next limit; a longer one than
# needed slows the whole search (166 solutions in 15 s at 2 s against 261 at 100 ms on the sample problem)
_COMPLETION_LIMITS_MS = (100, 400, 1600)


@dataclass(frozen=True)
class SearchResult:
    """Routes per courier of the model (in ``couriers`` order), the objective, and solutions seen.

    ``reloads[c]`` are the positions in ``routes[c]`` where a new trip starts (none: one trip); ``breaks[c]`` the
    position of each of the courier's breaks, as :func:`routing.timing.time_route` takes them.
    """

    routes: dict[int, list[StopRef]]
    objective: int
    solutions: int
    status: str
    reloads: dict[int, tuple[int, ...]] = field(default_factory=dict)
    breaks: dict[int, tuple[int, ...]] = field(default_factory=dict)

    def served(self) -> int:
        """Number of orders served."""
        return sum(1 for stops in self.routes.values() for _, kind in stops if kind == "delivery")

    def left_out(self, orders: Iterable[int]) -> list[int]:
        """The ``orders`` that no route serves, in their given order."""
        return left_out(self.routes, orders)


@dataclass(frozen=True)
class Wave:
    """A model of one more trip per courier, for building a first multi-trip plan wave by wave: each courier leaves
    no earlier than ``free_s`` (back from its last trip and reloaded), ready times come from the site schedules of
    ``picked_among`` (all the orders of the plan being built), a trip lasts at most ``span_s``, is back by
    ``until_s``, and its span costs one per second (so that trips stay short and leave time for the next wave);
    breaks are left to the full model."""

    free_s: Mapping[int, int]
    picked_among: Sequence[int]
    span_s: Mapping[int, int]
    until_s: Mapping[int, int]


class RoutingModel:
    """An OR-Tools model of ``orders`` (indices) served by ``couriers`` (indices) of ``problem`` (with
    ``one_trip``, every courier makes at most one trip; with ``max_wait_s``, no wait at a stop is longer; with
    ``wave``, one trip each as :class:`Wave` says; ``slots``: the trips of each courier, instead of
    :func:`routing.trips.trip_slots`'s estimate)."""

    def __init__(
        self,
        problem: Problem,
        matrix: Matrix,
        couriers: Sequence[int],
        orders: Sequence[int],
        allowed: Mapping[int, Sequence[int]],
        penalty: Mapping[int, int],
        *,
        one_trip: bool = False,
        max_wait_s: int | None = None,
        wave: Wave | None = None,
        slots: Mapping[int, int] | None = None,
    ) -> None:
        self.problem, self.couriers, self.orders = problem, list(couriers), list(orders)
        self.max_wait_s, self.wave = max_wait_s, wave
        self.allowed, self.penalty = allowed, penalty
        single = one_trip or wave is not None
        if slots is None and single:
            slots = dict.fromkeys(self.couriers, 1)
        elif slots is None:
            slots = trip_slots(problem, matrix, self.couriers, orders, allowed)
        self._trips = [(c, k) for c in self.couriers for k in range(slots[c])]  # vehicle -> (courier, trip)
        self._vehicles_of: dict[int, list[int]] = {}
        for v, (c, _) in enumerate(self._trips):
            self._vehicles_of.setdefault(c, []).append(v)
        cs = [problem.couriers[c] for c, _ in self._trips]
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
        ends = [c.last_site if slots[courier] == 1 else c.site for c, (courier, _) in zip(cs, self._trips, strict=True)]
        self.manager = pywrapcp.RoutingIndexManager(
            len(nodes), len(cs), [depot_node[c.site] for c in cs], [depot_node[e] for e in ends]
        )
        self.routing = pywrapcp.RoutingModel(self.manager)
        self._counter = _SolutionCounter(self)
        self._closed = False  # OR-Tools closes the model on the first search; reading routes in needs it closed
        self.routing.AddAtSolutionCallback(self._counter)
        self._build(matrix, np.asarray(nodes), cs, allowed, penalty)

    @property
    def trip_slots(self) -> int:
        """How many OR-Tools vehicles (trip slots) the model has for its couriers."""
        return len(self._trips)

    @property
    def courier_slots(self) -> dict[int, int]:
        """The trip slots of each of the model's couriers."""
        return {c: len(vehicles) for c, vehicles in self._vehicles_of.items()}

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
        self._metres_cb = cost_cb
        for v, (c, (_, k)) in enumerate(zip(cs, self._trips, strict=True)):
            routing.SetArcCostEvaluatorOfVehicle(cost_cb[c.profile], v)
            routing.SetFixedCostOfVehicle(int(c.fixed_cost) if k == 0 else 0, v)
        horizon = max([c.shift.end_s for c in cs] + [w.end_s for s in self._stops if s for w in self._windows(s)])
        self.horizon = horizon
        routing.AddDimensionWithVehicleTransits([time_cb[c.profile] for c in cs], horizon, horizon, False, "time")
        self.time = routing.GetDimensionOrDie("time")
        for v, (c, (courier, _)) in enumerate(zip(cs, self._trips, strict=True)):
            opening = problem.sites[c.site].opening
            earliest = max(c.shift.start_s, opening.start_s, self.wave.free_s.get(courier, 0) if self.wave else 0)
            self.time.CumulVar(routing.Start(v)).SetRange(min(earliest, c.shift.end_s), c.shift.end_s)
            self.time.CumulVar(routing.End(v)).SetMax(c.shift.end_s)
            routing.AddVariableMinimizedByFinalizer(self.time.CumulVar(routing.End(v)))
            if self.wave is not None:
                self.time.SetSpanCostCoefficientForVehicle(1, v)
                self.time.SetSpanUpperBoundForVehicle(self.wave.span_s[courier], v)
                self.time.CumulVar(routing.End(v)).SetMax(min(c.shift.end_s, self.wave.until_s[courier]))
        self._add_loads(cs)
        for k, stop in enumerate(self._stops):
            if stop is not None:
                self._constrain_stop(k, stop, allowed, penalty)
        self._add_stock_limits(allowed)
        self._limit_waits(allowed)
        reloading = self._order_trips()
        self._add_ready_times(allowed)
        self._add_working_limits(cs)
        self._add_breaks(service, reloading)

    def _limit_waits(self, allowed: Mapping[int, Sequence[int]]) -> None:
        """The slack after a stop (the wait at the next one, and a break on the way) at most ``max_wait_s``, or the
        longest break of a courier that may serve it where that is longer (so that the break fits)."""
        if self.max_wait_s is None:
            return
        for stop, k in self._node_of.items():
            longest = max((b.duration_s for c in allowed[stop[0]] for b in self.problem.couriers[c].breaks), default=0)
            self.time.SlackVar(self.manager.NodeToIndex(k)).SetMax(max(self.max_wait_s, longest))

    def _order_trips(self) -> dict[int, list]:
        """A courier's trips never overlap, each (after the first in time) reloading at the site before it leaves;
        trip slot ``k + 1`` is used only if slot ``k`` is (slot 0 carries the fixed cost), in any order in time.
        Returns each courier's reload intervals (the ``reload_s`` before each trip it makes), which a break may not
        overlap; also for a courier with breaks modelled with one slot (a first solution), so that its plan holds
        in the model with all its slots."""
        routing, solver = self.routing, self.routing.solver()
        reloading: dict[int, list] = {}
        for c, vehicles in self._vehicles_of.items():
            courier = self.problem.couriers[c]
            if courier.trip_limit == 1 or (len(vehicles) == 1 and not courier.breaks):
                continue
            reload_s = self.problem.sites[courier.site].reload_s
            for before, after in itertools.pairwise(vehicles):
                solver.Add(routing.ActiveVehicleVar(after) <= routing.ActiveVehicleVar(before))
            # of two trips used, one is back and reloaded before the other leaves: one constraint per pair, since a
            # disjunctive constraint over trip intervals fails to restore days whose first trip cannot leave at its
            # earliest time (docs/BENCHMARKS.md, "The day search and OR-Tools' read-back")
            departs = [self.time.CumulVar(routing.Start(v)) for v in vehicles]
            backs = [self.time.CumulVar(routing.End(v)) for v in vehicles]
            for a, b in itertools.combinations(range(len(vehicles)), 2):
                both = solver.Min(routing.ActiveVehicleVar(vehicles[a]), routing.ActiveVehicleVar(vehicles[b]))
                apart = solver.Max(departs[b] - reload_s - backs[a], departs[a] - reload_s - backs[b])
                solver.Add(apart >= -(self.horizon + reload_s) * (1 - both))
            loads = []
            for v, depart in zip(vehicles, departs, strict=True):
                load = solver.FixedDurationIntervalVar(
                    courier.shift.start_s - reload_s, self.horizon, reload_s, True, "reload"
                )
                solver.Add(load.PerformedExpr() == routing.ActiveVehicleVar(v))
                solver.Add(load.EndExpr() == depart)
                loads.append(load)
            reloading[c] = loads
        return reloading

    def _add_ready_times(self, allowed: Mapping[int, Sequence[int]]) -> None:
        """A trip leaves no earlier than the ready time of every stock basket it carries."""
        problem, routing = self.problem, self.routing
        among = self.wave.picked_among if self.wave else self.orders
        picked = site_ready_times(problem, {o: allowed[o] for o in among})
        own = {o: problem.orders[o].ready_s for o in self.orders if problem.orders[o].ready_s is not None}
        if not own and not any(picked.values()):
            return
        zero = routing.RegisterUnaryTransitVector([0] * len(self._stops))
        routing.AddDimension(zero, 0, self.horizon, False, "ready")
        ready, solver = routing.GetDimensionOrDie("ready"), routing.solver()
        for o, at in own.items():
            ready.CumulVar(self.manager.NodeToIndex(self._node_of[(o, "delivery")])).SetMin(at)
        site_vehicles: dict[int, list[int]] = {}
        for v, (c, _) in enumerate(self._trips):
            site_vehicles.setdefault(self.problem.couriers[c].site, []).append(v)
        for site, times in picked.items():
            for o, at in times.items():
                if o in own or site not in site_vehicles or (o, "delivery") not in self._node_of:
                    continue
                index = self.manager.NodeToIndex(self._node_of[(o, "delivery")])
                here = solver.IsMemberVar(routing.VehicleVar(index), site_vehicles[site])
                solver.Add(ready.CumulVar(index) >= here * at)
        for v in range(len(self._trips)):
            start = routing.Start(v)
            solver.Add(self.time.CumulVar(start) >= ready.CumulVar(start))

    def _add_working_limits(self, cs: list) -> None:
        """First departure to last return within ``max_duration_s``; the trips' metres (the arc costs) within
        ``max_distance_m``."""
        routing, solver = self.routing, self.routing.solver()
        limited = [c for c in self._vehicles_of if self.problem.couriers[c].max_distance_m is not None]
        if limited:
            longest = max(self.problem.couriers[c].max_distance_m or 0 for c in limited)
            metres = [self._metres_cb[c.profile] for c in cs]
            routing.AddDimensionWithVehicleTransits(metres, 0, longest, True, "distance")
            distance = routing.GetDimensionOrDie("distance")
            for c in limited:
                ends = [distance.CumulVar(routing.End(v)) for v in self._vehicles_of[c]]
                solver.Add(solver.Sum(ends) <= int(self.problem.couriers[c].max_distance_m or 0))
        for c, vehicles in self._vehicles_of.items():
            most = self.problem.couriers[c].max_duration_s
            if most is None:
                continue
            idle = [self.horizon * (1 - routing.ActiveVehicleVar(v)) for v in vehicles]
            first = solver.Min(
                [self.time.CumulVar(routing.Start(v)) + off for v, off in zip(vehicles, idle, strict=True)]
            )
            last = solver.Max([self.time.CumulVar(routing.End(v)) - off for v, off in zip(vehicles, idle, strict=True)])
            solver.Add(last - first <= most)

    def _add_breaks(self, service: np.ndarray, reloading: Mapping[int, list]) -> None:
        """Each break of a courier is one interval, starting in its window, that no trip of the courier's may
        overlap a visit (a service) with, nor a reload (the break intervals of a trip copy the courier's)."""
        routing, solver = self.routing, self.routing.solver()
        self._break_vars: dict[int, list] = {}
        self._break_copies: list = []
        for c, vehicles in self._vehicles_of.items():
            breaks = self.problem.couriers[c].breaks
            if not breaks or self.wave is not None:
                continue
            starts = [solver.IntVar(b.window.start_s, b.window.end_s, f"break start {c}") for b in breaks]
            intervals = [
                solver.FixedDurationIntervalVar(start, b.duration_s, f"break {c}")
                for start, b in zip(starts, breaks, strict=True)
            ]
            self._break_vars[c] = starts
            for start in starts:
                routing.AddToAssignment(start)
            visits = [int(service[self.manager.IndexToNode(index)]) for index in range(routing.Size())]
            for v in vehicles:
                # OR-Tools leaves the breaks of an unused vehicle unperformed: each trip gets copies at the courier's
                # break times, performed when the trip is used
                used = routing.ActiveVehicleVar(v)
                copies = [
                    solver.FixedDurationIntervalVar(start, b.duration_s, used, f"break of trip {v}")
                    for start, b in zip(starts, breaks, strict=True)
                ]
                self.time.SetBreakIntervalsOfVehicle(copies, v, visits)
                self._break_copies.extend(copies)  # OR-Tools holds them from C++ only: keep the wrappers alive
            for interval in intervals:
                for load in reloading.get(c, ()):
                    solver.Add(solver.DisjunctiveConstraint([interval, load], f"break or reload of {c}"))

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
        vehicles = [v for c in allowed[stop[0]] for v in self._vehicles_of.get(c, ())]
        if len(vehicles) < len(self._trips):  # -1: not served (SetAllowedVehiclesForIndex's binding is broken)
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
        for v, (c, _) in enumerate(self._trips):
            by_site.setdefault(problem.couriers[c].site, []).append(v)
        for site, vehicles in by_site.items():
            stock = problem.sites[site].stock
            demand: dict[str, list[tuple[int, int]]] = {}
            for stop, k in self._node_of.items():
                order = problem.orders[stop[0]]
                here = any(c in self._vehicles_of and problem.couriers[c].site == site for c in allowed[stop[0]])
                if order.pickup is None and here:
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
        reloads: Mapping[int, Sequence[int]] | None = None,
        on_solution: Callable[[int], None] | None = None,
        stop_when_all_served: bool = False,
    ) -> SearchResult | None:
        """Search for at most ``time_limit_s`` seconds (or ``params.solution_limit`` solutions).

        Starts from ``initial`` routes (courier → stops; orders not in them start unserved; ``reloads``: where
        their trips start, as in :class:`SearchResult`) when given, else from ``params.first_solution``.
        ``on_solution`` gets each new objective. Returns the best plan or ``None``.
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
            solution = self._solve_from(initial, reloads or {}, search)
            if solution is None and reloads:
                # reading several trips back, or restoring them within every completion limit, can fail where
                # propagation alone cannot place the breaks and trips of a courier: start from each courier's first
                # trip, the local search puts the other orders back
                first = {c: list(stops[: (reloads.get(c) or (len(stops),))[0]]) for c, stops in initial.items()}
                solution = self._solve_from(first, {}, search)
        else:
            solution = routing.SolveWithParameters(search)
            self._closed = True
        status = routing_enums_pb2.RoutingSearchStatus.Value.Name(routing.status()).removeprefix("ROUTING_")
        if status == "INVALID":
            raise RuntimeError("OR-Tools rejected the search parameters (ROUTING_INVALID)")
        if solution is None:
            return None
        routes, reloads, breaks = self._routes(solution)
        return SearchResult(routes, int(solution.ObjectiveValue()), counter.count, status, reloads, breaks)

    def _solve_from(
        self, routes: Mapping[int, Sequence[StopRef]], reloads: Mapping[int, Sequence[int]], search: Any
    ) -> pywrapcp.Assignment | None:
        """OR-Tools' search from ``routes``, restoring them within each of ``_COMPLETION_LIMITS_MS`` in turn (the
        search goes on with the limit that worked); ``None`` if it cannot read or restore them."""
        # ReadAssignmentFromRoutes would restore the times with no limit at all (it hung for hours on days with
        # breaks): the routes go in as next values only, each completion below is bounded
        if not self._closed:
            self.routing.CloseModelWithParameters(search)
            self._closed = True
        start = self.routing.solver().Assignment()
        if not self.routing.RoutesToAssignment(self._node_routes(routes, reloads), True, True, start):
            return None
        for limit_ms in _COMPLETION_LIMITS_MS:
            search.lns_time_limit.FromMilliseconds(limit_ms)
            if (solution := self.routing.SolveFromAssignmentWithParameters(start, search)) is not None:
                return solution
        return None

    def _node_routes(
        self, routes: Mapping[int, Sequence[StopRef]], reloads: Mapping[int, Sequence[int]]
    ) -> list[list[int]]:
        """One list of routing indices per vehicle: each courier's stops cut into its trips."""
        per_vehicle: list[list[int]] = [[] for _ in self._trips]
        for c, vehicles in self._vehicles_of.items():
            trips = split_trips(list(routes.get(c, ())), reloads.get(c, ()))
            if len(trips) > len(vehicles):  # more trips than slots: the last slot takes the rest
                trips = [*trips[: len(vehicles) - 1], [s for trip in trips[len(vehicles) - 1 :] for s in trip]]
            for v, trip in zip(vehicles, trips, strict=False):
                per_vehicle[v] = [self.manager.NodeToIndex(self._node_of[s]) for s in trip]
        return per_vehicle

    def _routes(
        self, solution: pywrapcp.Assignment
    ) -> tuple[dict[int, list[StopRef]], dict[int, tuple[int, ...]], dict[int, tuple[int, ...]]]:
        """Each used courier's stops, where its trips start, and the position of each of its breaks."""
        routes: dict[int, list[StopRef]] = {}
        reloads: dict[int, tuple[int, ...]] = {}
        breaks: dict[int, tuple[int, ...]] = {}
        for c, vehicles in self._vehicles_of.items():
            stops: list[StopRef] = []
            cuts: list[int] = []
            service_starts: list[int] = []
            for v in sorted(vehicles, key=lambda v: solution.Value(self.time.CumulVar(self.routing.Start(v)))):
                index = solution.Value(self.routing.NextVar(self.routing.Start(v)))
                if self.routing.IsEnd(index):
                    continue
                if stops:
                    cuts.append(len(stops))
                while not self.routing.IsEnd(index):
                    stop = self._stops[self.manager.IndexToNode(index)]
                    if stop is not None:
                        stops.append(stop)
                        service_starts.append(solution.Value(self.time.CumulVar(index)))
                    index = solution.Value(self.routing.NextVar(index))
                last_back = solution.Value(self.time.CumulVar(index))
            if not stops:
                continue
            routes[c], reloads[c] = stops, tuple(cuts)
            if c in self._break_vars:
                starts = [solution.Value(b) for b in self._break_vars[c]]
                breaks[c] = tuple(break_position(at, service_starts, last_back) for at in starts)
        return routes, reloads, breaks

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
