"""ETAs for the stops still to come, from the live state: delays propagate down the route, and each stop gets
the probability that its window is missed.

Travel and service times are treated as uncertain: each leg's duration has a standard deviation of ``LEG_CV``
times its planned duration and each service ``SERVICE_CV`` times its own, all independent, so the spread of an
arrival grows with the driving and the doors still ahead of it.
A courier between two stops is placed on its current leg by the straight-line share of that leg still to
cover from its last ping, applied to the leg's matrix duration: no road search, so a recomputation after a
ping costs a few microseconds per stop.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import NamedTuple

from geo.haversine import haversine_m
from routing.timing import earliest_start
from scheduling.live import LivePlan

__all__ = [
    "LEG_CV",
    "SERVICE_CV",
    "CourierEta",
    "NextFree",
    "StopEta",
    "courier_eta",
    "late_probability",
    "next_free",
    "plan_etas",
]

LEG_CV = 0.2
SERVICE_CV = 0.3


@dataclass(frozen=True)
class StopEta:
    """Expected times at one stop still to come; ``late_s`` > 0 when it is expected after its window."""

    order: int
    kind: str
    arrival_s: int
    start_s: int
    departure_s: int
    wait_s: int
    late_s: int
    p_late: float


@dataclass(frozen=True)
class CourierEta:
    """The ETAs of a courier's remaining stops, of its return from each trip still to end (``backs``, the last
    one is the end of its day: ``end_s``; ``back_variance``: the variance, s², of the first); ``over_shift_s`` > 0
    past the shift end."""

    courier: int
    stops: tuple[StopEta, ...]
    end_s: int
    over_shift_s: int
    backs: tuple[int, ...] = ()
    back_variance: float = 0.0

    @property
    def at_risk(self) -> tuple[StopEta, ...]:
        """The stops expected late, or more likely late than not."""
        return tuple(s for s in self.stops if s.late_s > 0 or s.p_late >= 0.5)


def late_probability(arrival_s: int, deadline_s: int, sigma_s: float) -> float:
    """Probability that a normally distributed arrival (mean ``arrival_s``, sd ``sigma_s``) is after ``deadline_s``.

    Examples
    --------
    >>> late_probability(100, 100, 30.0), late_probability(50, 100, 0.0), late_probability(150, 100, 0.0)
    (0.5, 0.0, 1.0)
    """
    if sigma_s <= 0:
        return 1.0 if arrival_s > deadline_s else 0.0
    return 0.5 * math.erfc((deadline_s - arrival_s) / (sigma_s * math.sqrt(2)))


def _first_leg(live: LivePlan, courier: int) -> tuple[int, int, int, int]:
    """``(from node, clock when leaving it, seconds of the first leg or -1 at the site, node driven to)``."""
    route = live.routes[courier]
    state = live.state(courier)
    done = state.done
    prev_node = route.stops[done - 1].node if done > 0 else route.site
    if not state.departed:
        return prev_node, max(route.start_s, live.free_at(courier)), -1, route.site
    prev_departure = route.stops[done - 1].departure_s if done > 0 else route.start_s
    c = live.problem.couriers[courier]
    home = c.site if live.first_trip_end(courier) < len(route.stops) else c.last_site
    nxt = route.stops[done].node if done < live.first_trip_end(courier) else home
    leg_s = int(live.matrix.duration_s[c.profile][prev_node, nxt])
    if state.position is None or state.ping_s is None or state.ping_s < (state.done_s or 0):
        return prev_node, prev_departure, leg_s, nxt  # no ping on this leg (one before it says nothing of it)
    here, there, start = state.position, live.locations[nxt], live.locations[prev_node]
    whole = float(haversine_m(start[0], start[1], there[0], there[1]))
    left = float(haversine_m(here[0], here[1], there[0], there[1]))
    share = min(1.0, left / whole) if whole > 0 else 0.0
    return prev_node, state.ping_s, round(share * leg_s), nxt


def courier_eta(live: LivePlan, courier: int, *, first_trip_only: bool = False) -> CourierEta:
    """ETAs of the courier's remaining stops from its live state; no re-solve, linear in the stops left.

    A courier that has not left starts from its site at the planned time or when it is free, whichever is
    later; one on the way is placed by its last ping. Back at its site between trips, it reloads (the site's
    ``reload_s``) and leaves no earlier than the next trip's planned departure, so a delay on one trip moves the
    trips after it. No stop is expected before ``live.now_s`` unless it is done. With ``first_trip_only``, only
    the stops of the trip under way (or being loaded) and its return.
    """
    problem = live.problem
    c = problem.couriers[courier]
    duration = live.matrix.duration_s[c.profile]
    route = live.routes[courier]
    node, clock, first_leg_s, heading = _first_leg(live, courier)
    variance = 0.0
    etas: list[StopEta] = []
    backs: list[int] = []
    back_variance: float | None = None
    trip = route.stops[live.state(courier).done - 1].trip if heading == c.site and first_leg_s >= 0 else None
    remaining = live.remaining(courier)
    if first_trip_only:
        remaining = remaining[: max(0, live.first_trip_end(courier) - live.state(courier).done)]
    for k, stop in enumerate(remaining):
        leg_s = first_leg_s if k == 0 and first_leg_s >= 0 and heading == stop.node else -1
        if trip is not None and stop.trip != trip:
            back_leg = first_leg_s if k == 0 and first_leg_s >= 0 else int(duration[node, c.site])
            back = max(clock + back_leg, live.now_s)
            variance += (LEG_CV * back_leg) ** 2
            backs.append(back)
            back_variance = variance if back_variance is None else back_variance
            node, clock = c.site, max(back + problem.sites[c.site].reload_s, route.trips[stop.trip].depart_s)
        trip = stop.trip
        leg_s = leg_s if leg_s >= 0 else int(duration[node, stop.node])
        arrival = max(clock + leg_s, live.now_s)
        variance += (LEG_CV * leg_s) ** 2
        windows = problem.stop_windows(stop.order, stop.kind)
        start, late = earliest_start(arrival, windows)
        deadline = min((w.end_s for w in windows if w.end_s >= arrival), default=arrival - late)
        service = problem.stop_service_s(stop.order, stop.kind)
        p_late = late_probability(arrival, deadline, math.sqrt(variance))
        etas.append(StopEta(stop.order, stop.kind, arrival, start, start + service, start - arrival, late, p_late))
        node, clock = stop.node, start + service
        variance += (SERVICE_CV * service) ** 2
    if not etas and first_leg_s >= 0:
        end, last_leg = max(clock + first_leg_s, live.now_s), first_leg_s
    else:
        last_leg = int(duration[node, c.last_site])
        end = clock + last_leg
    backs.append(end)
    variance += (LEG_CV * last_leg) ** 2
    back_variance = variance if back_variance is None else back_variance
    return CourierEta(courier, tuple(etas), end, max(0, end - c.shift.end_s), tuple(backs), back_variance)


class NextFree(NamedTuple):
    """How many stops at the head of a courier's route are the trip under way (0 when it is at its site), when
    it can leave its site on its next trip, and the variance (s²) of that time."""

    kept: int
    free_s: int
    variance: float = 0.0


def next_free(live: LivePlan, courier: int) -> NextFree:
    """When the courier is free for its next trip: its trip's predicted return plus the site's reload, or
    :meth:`LivePlan.free_at` when it is at its site."""
    if not live.state(courier).departed or courier not in live.routes:
        return NextFree(0, live.free_at(courier))
    eta = courier_eta(live, courier, first_trip_only=True)
    site = live.problem.sites[live.problem.couriers[courier].site]
    free = max(eta.backs[0] + site.reload_s, live.free_at(courier))
    return NextFree(live.first_trip_end(courier), free, eta.back_variance)


def plan_etas(live: LivePlan) -> dict[int, CourierEta]:
    """ETAs for every courier that has a route, by courier index."""
    return {courier: courier_eta(live, courier) for courier in live.routes}
