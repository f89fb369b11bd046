"""The event loop of a simulated day: orders arrive and get a promise, couriers drive their routes with noisy
travel and service times, the plan is re-optimised on a clock, ETAs are predicted every minute.

Events happen in time order (a heap; ties broken by kind, then by the order they were scheduled), and every
random draw comes from generators seeded by the scenario's seed, so a day is repeatable when the re-plans stop
on their solution limit. A courier's next event is always known: leave its site on its next trip when the
dispatch policy says so (never before the trip's baskets are ready), reach the next stop, leave it after the
service, come back and reload; at each of these it "pings" its position, and between them the ETA snapshot
places it on its leg by the time driven. The trips are the live plan's (:mod:`scheduling.trips`).
"""

from __future__ import annotations

import heapq
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np

from geo.matrix import Point
from routing.errors import Conflict
from routing.model import Order
from routing.params import SolveParams
from routing.plan import Plan, Reason, Route, SolveStats, Unassigned
from routing.timing import time_route
from scheduling import Demand, LivePlan, PromiseDesk, PromisePolicy, Slot, plan_etas
from scheduling.dispatch import DispatchPolicy
from scheduling.extend import add_orders
from scheduling.live import day_refs
from scheduling.replan import reoptimise
from scheduling.trips import finish_trip, start_trip
from simulations.idle import idle_able
from simulations.log import CourierLog, DayLog, OrderLog, TripLog
from simulations.scenario import Scenario
from simulations.world import World, dispatch_policy

__all__ = ["Progress", "simulate_day"]

Progress = Callable[[int, int], None]
"""Called as ``progress(simulated_s, end_s)`` as the day goes on."""

_MOVE, _SNAPSHOT, _ORDER, _WAKE, _REPLAN = range(5)
_AFTER_LAST_SHIFT_S = 2 * 3600
_ETA_NOTIFY_S = 300


@dataclass
class _Motion:
    """A courier out on a trip: when it left, what it has driven, where it has been, its current leg."""

    start_s: int
    path: list[Point]
    distance_m: int = 0
    leg: tuple[Point, Point, int, int] | None = None
    serving: bool = False
    wait_s: int = 0


@dataclass
class _Clock:
    heap: list[tuple[int, int, int, int]] = field(default_factory=list)
    count: int = 0

    def push(self, at_s: int, kind: int, arg: int) -> None:
        self.count += 1
        heapq.heappush(self.heap, (at_s, kind, self.count, arg))


def _policy(scenario: Scenario) -> PromisePolicy:
    p = scenario.promise
    return PromisePolicy(p.slot_min * 60, p.step_min * 60, round(p.horizon_h * 3600), 300, p.prep_min * 60)


def _replan_params(scenario: Scenario) -> SolveParams:
    """One search process stopped on the scenario's solution limit, never decomposed (decomposition improves until
    its time limit, which would make a day depend on the machine's speed)."""
    d = scenario.dispatch
    return SolveParams(
        time_limit_s=d.replan_time_limit_s,
        solution_limit=d.replan_solutions,
        route_elimination=False,
        polish="local_search",
        workers=1,
        decompose_above=1_000_000,
    )


class _Day:
    """The state of one simulated day; :func:`simulate_day` drives it."""

    def __init__(self, world: World, progress: Progress | None) -> None:
        self.world, self.scenario, self.progress = world, world.scenario, progress
        problem = world.problem
        profiles = sorted({c.profile for c in problem.couriers})
        matrix = world.provider.matrix(problem.locations(), profiles)
        empty = Plan((), (), SolveStats(0.0, 0, 0, "EMPTY"))
        self.live = LivePlan(problem, matrix, empty, 0, {})
        self.desk = PromiseDesk(self.live, world.provider, _policy(self.scenario))
        self.noise = np.random.default_rng([self.scenario.seed, 1])
        self.choice = np.random.default_rng([self.scenario.seed, 2])
        self.clock = _Clock()
        self.orders: list[OrderLog] = []
        self.by_id: dict[str, OrderLog] = {}
        self.motion: dict[int, _Motion] = {}
        self.wake_at: dict[int, int] = {}
        self.planned: dict[int, Route] = {}
        self.dispatch: DispatchPolicy = dispatch_policy(world)
        self.trips: list[TripLog] = []
        self.now = 0
        self.replans = self.replans_kept = 0
        self.end_s = max(c.shift.end_s for c in problem.couriers) + _AFTER_LAST_SHIFT_S
        self.last_order_s = max((a.time_s for a in world.arrivals), default=0)

    # -- the plan ------------------------------------------------------------------------------------------
    def _use(self, live: LivePlan) -> None:
        """Make ``live`` the plan; promises see it, and a courier at its site whose next trip changed is woken
        when the dispatch policy would have it leave."""
        self.live = live
        self.desk.use(live)
        for c, route in live.routes.items():
            if not live.state(c).departed and self.planned.get(c) is not route:
                self.planned[c] = route
                self._plan_wake(c)

    def _plan_wake(self, c: int) -> int:
        """Wake courier ``c`` when the dispatch policy would have it leave (not before now); return that time."""
        leave = max(self.now, self.dispatch.departure_s(self.live, c))
        if self.wake_at.get(c) != leave:
            self.wake_at[c] = leave
            self.clock.push(leave, _WAKE, c)
        return leave

    def _location(self, node: int) -> Point:
        return self.live.locations[node]

    def _factor(self, cv: float) -> float:
        """A lognormal factor with mean 1 and coefficient of variation ``cv``."""
        if cv <= 0:
            return 1.0
        sigma = math.sqrt(math.log(1 + cv * cv))
        return float(self.noise.lognormal(-sigma * sigma / 2, sigma))

    # -- orders --------------------------------------------------------------------------------------------
    def _choose(self, slots: tuple[Slot, ...]) -> int:
        regular = [k for k, s in enumerate(slots) if not s.asap]
        asap = [k for k, s in enumerate(slots) if s.asap]
        if asap and (not regular or self.choice.random() < self.scenario.promise.asap_share):
            return asap[0]
        return regular[0]

    def _order(self, k: int) -> None:
        a = self.world.arrivals[k]
        log = OrderLog(a.id, a.time_s, a.area, a.location)
        self.orders.append(log)
        self.by_id[a.id] = log
        demand = Demand(a.items, a.weight_g, service_s=a.service_s)
        offer = self.desk.offer(demand, a.location, self.now)
        if not offer.slots:
            log.status, log.reason = "refused", (offer.reason or Reason.FLEET_FULL).value
            log.idle_able = idle_able(self.desk, demand, a.location, self.now)
            return
        pick = self._choose(offer.slots)
        slot = offer.slots[pick]
        if "insert" in self.scenario.dispatch.mode:
            try:
                live = self.desk.confirm(offer.id, pick, a.id, self.now)
            except Conflict:
                log.status, log.reason = "refused", "CONFLICT"
                log.idle_able = idle_able(self.desk, demand, a.location, self.now)
                return
            live = replace(live, states=self.live.states)
        else:
            self.desk.holds.drop(offer.id)
            ready = self.now + self.desk.policy.prep_s
            order = Order(
                a.id,
                a.location,
                (slot.window,),
                a.items,
                a.weight_g,
                service_s=a.service_s,
                site=slot.site,
                ready_s=ready,
            )
            problem, matrix, plan = add_orders(
                self.live.problem, self.live.matrix, self.live.plan, [order], self.world.provider
            )
            waiting = Unassigned(len(problem.orders) - 1, Reason.FLEET_FULL)
            live = replace(
                self.live, problem=problem, matrix=matrix, plan=replace(plan, unassigned=(*plan.unassigned, waiting))
            )
        log.status, log.promised, log.asap = "accepted", slot.window, slot.asap
        self._use(live)

    # -- couriers ------------------------------------------------------------------------------------------
    def _wake(self, c: int) -> None:
        """The courier's planned departure time: leave now if the policy still says so, else wait."""
        live = self.live
        route = live.routes.get(c)
        if route is None or live.state(c).departed or self.wake_at.get(c) != self.now:
            return
        if self._plan_wake(c) > self.now:
            return
        self.wake_at.pop(c, None)
        live = start_trip(live, c, self.now)
        for stop in route.stops[: live.first_trip_end(c)]:
            self.by_id[live.problem.orders[stop.order].id].departed_s = self.now
        self.motion[c] = _Motion(self.now, [self._location(route.site)])
        self._use(live)
        self._next_leg(c)

    def _next_leg(self, c: int) -> None:
        live, motion = self.live, self.motion[c]
        route, state = live.routes[c], live.state(c)
        courier = live.problem.couriers[c]
        end = live.first_trip_end(c)
        here = route.stops[state.done - 1].node if state.done else route.site
        home = courier.site if end < len(route.stops) else courier.last_site
        there = route.stops[state.done].node if state.done < end else home
        planned = int(live.matrix.duration_s[courier.profile][here, there])
        motion.distance_m += int(live.matrix.distance_m[courier.profile][here, there])
        arrive = self.now + round(planned * self._factor(self.scenario.noise.travel_cv))
        motion.leg = (self._location(here), self._location(there), self.now, arrive)
        self.clock.push(arrive, _MOVE, c)

    def _move(self, c: int) -> None:
        """The courier reaches the end of its leg: a stop (serve it) or its site (the trip is over)."""
        live, motion = self.live, self.motion[c]
        route, state = live.routes[c], live.state(c)
        assert motion.leg is not None
        place = motion.leg[1]
        if state.done >= live.first_trip_end(c):
            motion.path.append(place)
            self._back(c)
            return
        if motion.serving:  # the service of the stop is over: on to the next leg
            motion.serving = False
            self._ping(c, place, done=state.done + 1)
            self._next_leg(c)
            return
        stop = route.stops[state.done]
        order = live.problem.orders[stop.order]
        log = self.by_id[order.id]
        log.arrival_s, log.courier = self.now, live.problem.couriers[c].id
        site = live.problem.sites[route.site]
        log.site, log.site_kind = site.id, site.kind
        failed = self.noise.random() < self.scenario.demand.failure_rate
        log.status, log.reason = ("failed", "CUSTOMER_ABSENT") if failed else ("delivered", None)
        begin = max(self.now, min(w.start_s for w in order.windows))
        motion.wait_s += begin - self.now
        service = round(order.service_s * self._factor(self.scenario.noise.service_cv))
        self._ping(c, place, done=state.done)
        motion.path.append(place)
        motion.serving = True
        self.clock.push(begin + service, _MOVE, c)

    def _ping(self, c: int, where: Point, done: int) -> None:
        state = self.live.state(c)
        done_s = self.now if done != state.done else state.done_s
        state = replace(state, done=done, position=where, ping_s=self.now, done_s=done_s)
        self.live = replace(self.live, states={**self.live.states, c: state})

    def _back(self, c: int) -> None:
        live, motion = self.live, self.motion.pop(c)
        route = live.routes[c]
        problem = live.problem
        orders = tuple(problem.orders[s.order].id for s in route.stops[: live.first_trip_end(c)])
        courier, site = problem.couriers[c], problem.sites[route.site]
        trip = TripLog(
            courier.id, site.id, motion.start_s, self.now, motion.distance_m, orders, tuple(motion.path), motion.wait_s
        )
        self.trips.append(trip)
        self.planned.pop(c, None)
        self._use(finish_trip(live, c, self.now))

    # -- clock ticks ---------------------------------------------------------------------------------------
    def _busy(self) -> bool:
        return self.now < self.last_order_s or bool(self.live.plan.routes) or bool(self.live.plan.unassigned)

    def _snapshot(self) -> None:
        """Courier positions on their legs, then the ETA of every order still to come."""
        for c, motion in self.motion.items():
            if motion.leg is not None and motion.leg[2] < self.now < motion.leg[3]:
                (lat0, lon0), (lat1, lon1), t0, t1 = motion.leg
                share = (self.now - t0) / (t1 - t0)
                self._ping(c, (lat0 + share * (lat1 - lat0), lon0 + share * (lon1 - lon0)), self.live.state(c).done)
        problem = self.live.problem
        for eta in plan_etas(self.live).values():
            for stop in eta.stops:
                log = self.by_id[problem.orders[stop.order].id]
                if stop.kind == "delivery" and log.arrival_s is None:
                    if log.etas and abs(stop.arrival_s - log.etas[-1][1]) >= _ETA_NOTIFY_S:
                        log.eta_updates += 1
                    log.etas.append((self.now, stop.arrival_s))
        if self.progress is not None:
            self.progress(self.now, self.end_s)

    def _replan(self) -> None:
        """Re-optimise what is still free; keep the result only when it serves at least as many orders, drives
        less, and every courier still at its site keeps its windows when it waits for its baskets to be ready."""
        live = self.live
        if not (any(not live.state(c).departed for c in live.routes) or live.plan.unassigned):
            return
        self.replans += 1
        new, _ = reoptimise(live, _replan_params(self.scenario), seed=self.scenario.seed + self.replans)
        before, after = live.plan.summary, new.plan.summary
        shorter = after.distance_m < before.distance_m
        if after.orders_served < before.orders_served or (after.orders_served == before.orders_served and not shorter):
            return
        for route in new.plan.routes:
            if not new.state(route.courier).departed:
                refs, reloads = day_refs(route.stops)
                timed = time_route(
                    new.problem,
                    new.matrix,
                    route.courier,
                    refs,
                    not_before_s=new.free_at(route.courier),
                    reloads=reloads,
                )
                if not timed.on_time:
                    return
        self.replans_kept += 1
        self._use(new)

    # -- the loop ------------------------------------------------------------------------------------------
    def run(self) -> DayLog:
        started = time.monotonic()
        start = min(c.shift.start_s for c in self.live.problem.couriers)
        for k, a in enumerate(self.world.arrivals):
            self.clock.push(a.time_s, _ORDER, k)
        step = self.scenario.eta_every_min * 60
        self.clock.push(start - start % step, _SNAPSHOT, 0)
        if self.scenario.dispatch.mode != "insert":
            self.clock.push(start, _REPLAN, 0)
        handlers = {_MOVE: self._move, _ORDER: self._order, _WAKE: self._wake}
        while self.clock.heap:
            at_s, kind, _, arg = heapq.heappop(self.clock.heap)
            if at_s > self.end_s:
                break
            self.now = at_s
            self.live = self.live.at(at_s)
            if kind == _SNAPSHOT:
                self._snapshot()
                if self._busy():
                    self.clock.push(at_s + step, _SNAPSHOT, 0)
            elif kind == _REPLAN:
                self._replan()
                if self._busy():
                    self.clock.push(at_s + self.scenario.dispatch.replan_every_min * 60, _REPLAN, 0)
            else:
                handlers[kind](arg)
        return self._close(time.monotonic() - started)

    def _close(self, wall_s: float) -> DayLog:
        for order in self.orders:
            if order.status in ("accepted", "pending"):
                order.status, order.reason = "failed", "NOT_DELIVERED"
        problem = self.world.problem
        couriers = [CourierLog(c.id, problem.sites[c.site].id, c.profile, c.shift) for c in problem.couriers]
        kinds: dict[str, str] = {s.id: s.kind for s in problem.sites}
        log = DayLog(self.scenario.name, self.scenario.seed, problem.epoch, self.orders, self.trips, couriers, kinds)
        log.dispatch = self.dispatch.name
        log.replans, log.replans_kept, log.wall_s = self.replans, self.replans_kept, round(wall_s, 2)
        return log


def simulate_day(world: World, progress: Progress | None = None) -> DayLog:
    """Simulate ``world``'s day from its first shift to two hours after its last; every order the day brings
    ends ``delivered``, ``failed`` or ``refused`` in the returned log."""
    return _Day(world, progress).run()
