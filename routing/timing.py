"""Times along a courier's day: trips, earliest arrival, start of service and departure at every stop, the load
carried, breaks, and how far the day is from its rules (windows, shift, working time and distance)."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Literal

from geo.matrix import Matrix
from routing.model import Break, Problem, Window
from routing.picking import ready_at
from routing.plan import Route, Stop, Trip

__all__ = [
    "StopRef",
    "TimedRoute",
    "break_position",
    "earliest_start",
    "split_trips",
    "time_route",
    "time_route_fitting_breaks",
]

StopRef = tuple[int, Literal["pickup", "delivery"]]
"""A stop as ``(order index, kind)``."""


def earliest_start(arrival_s: int, windows: Sequence[Window]) -> tuple[int, int]:
    """Return ``(start_s, late_s)``: the earliest window start at or after arrival, or the arrival and lateness.

    Examples
    --------
    >>> earliest_start(50, [Window(0, 40), Window(60, 90)])
    (60, 0)
    >>> earliest_start(100, [Window(0, 40), Window(60, 90)])
    (100, 10)
    """
    for window in sorted(windows, key=lambda w: w.start_s):
        if arrival_s <= window.end_s:
            return max(arrival_s, window.start_s), 0
    return arrival_s, arrival_s - max(w.end_s for w in windows)


def split_trips(stops: Sequence[StopRef], reloads: Sequence[int]) -> list[list[StopRef]]:
    """Cut ``stops`` into trips before each position in ``reloads`` (positions 1..len-1, ascending)."""
    cuts = [0, *reloads, len(stops)]
    return [list(stops[a:b]) for a, b in itertools.pairwise(cuts) if b > a] or [[]]


def break_position(start_s: int, service_starts: Sequence[int], back_s: int) -> int:
    """Where a break starting at ``start_s`` is taken in a day whose stops start service at ``service_starts`` and
    that ends at ``back_s``, as :func:`time_route` takes it: before the first stop served after it, before the last
    return (``len``) or after it (``len + 1``)."""
    for k, begin in enumerate(service_starts):
        if begin > start_s:
            return k
    return len(service_starts) if start_s < back_s else len(service_starts) + 1


@dataclass(frozen=True)
class TimedRoute:
    """A timed route plus how late each stop is (0 when on time), how late it gets back, which breaks start after
    their window (indices into the courier's breaks), how far the day runs over the courier's working time and
    distance, and how long each trip waited at the site for baskets to be ready."""

    route: Route
    late_s: tuple[int, ...]
    end_late_s: int
    missed_breaks: tuple[int, ...] = ()
    over_duration_s: int = 0
    over_distance_m: int = 0
    ready_wait_s: tuple[int, ...] = ()

    @property
    def on_time(self) -> bool:
        """True when every stop is within a window, every break is taken, and the courier is back by the end of
        its shift within its working time and distance."""
        return (
            not any(self.late_s)
            and self.end_late_s == 0
            and not self.missed_breaks
            and self.over_duration_s == 0
            and self.over_distance_m == 0
        )


class _Day:
    """The walk along one courier's day: the breaks still to take, where they were taken and which were missed."""

    def __init__(self, problem: Problem, courier: int, breaks: Sequence[int] | None) -> None:
        self.c = problem.couriers[courier]
        self.pending = list(range(len(self.c.breaks)))
        self.placed = None if breaks is None else list(breaks)
        self.taken: list[tuple[int, int]] = []
        self._windows: list[Window] = []  # the window of each break taken, in the order of ``taken``
        self.missed: list[int] = []

    def _due(self, position: int, clock: int, next_free_s: int, idle_until: int = 0) -> Break | None:
        """The next break if it is taken at ``position``: where it was placed, or (greedy) once its window has
        opened, when it fits whole in a wait the courier has anyway (until ``idle_until``: a window further on
        not open yet), or when it would be missed if not taken now (``next_free_s``: when the courier is next
        free)."""
        if not self.pending:
            return None
        b = self.pending[0]
        brk = self.c.breaks[b]
        if self.placed is not None:
            due = self.placed[b] == position
        else:
            opened, missed = clock >= brk.window.start_s, next_free_s > brk.window.end_s
            due = opened or missed or max(clock, brk.window.start_s) + brk.duration_s <= idle_until
        return brk if due else None

    def _take(self, start: int, brk: Break) -> int:
        b = self.pending.pop(0)
        if start > brk.window.end_s:
            self.missed.append(b)
        self.taken.append((start, start + brk.duration_s))
        self._windows.append(brk.window)
        return start + brk.duration_s

    def room(self, first: int, end: int) -> int:
        """How much later the breaks ``taken[first:end]`` (taken one after another) could all start in their
        windows."""
        pairs = zip(self.taken[first:end], self._windows[first:end], strict=True)
        return max(0, min(w.end_s - start for (start, _), w in pairs))

    def delay(self, first: int, end: int, by: int) -> None:
        """Start the breaks ``taken[first:end]`` ``by`` seconds later."""
        self.taken[first:end] = [(start + by, stop + by) for start, stop in self.taken[first:end]]

    def on_the_way(self, position: int, clock: int, next_free_s: int, idle_until: int) -> int:
        """Take the breaks due before the leg to stop ``position`` (which need not start before ``idle_until``: the
        stop's window opens later); return the clock after them."""
        while (brk := self._due(position, clock, next_free_s, idle_until)) is not None:
            clock = self._take(max(clock, brk.window.start_s), brk)
        return clock

    def at_site(self, position: int, clock: int, reload_s: int, idle_until: int, next_free_s: int) -> int:
        """Reload (``reload_s``) and take the breaks due at the site before the trip starting at ``position``, which
        would leave at ``idle_until`` without them (its first stop's window or a basket not ready yet keep it there)
        and reach its first stop at ``next_free_s``; each break goes after the reload unless only before it does it
        start within its window."""
        while (brk := self._due(position, clock, next_free_s, idle_until)) is not None:
            after = max(clock + reload_s, brk.window.start_s)
            if after <= brk.window.end_s or max(clock, brk.window.start_s) > brk.window.end_s:
                clock, reload_s = self._take(after, brk), 0
            else:
                clock = self._take(max(clock, brk.window.start_s), brk)
        return clock + reload_s

    def after_day(self, position: int, clock: int, back_s: int) -> int:
        """At the end of the day: breaks due before the return leg (placed there, or greedily only those that
        would be missed after it) are taken before it; the rest at the site after the return, which does not
        lengthen the day. Returns the clock before the return leg."""
        while self.pending:
            brk = self.c.breaks[self.pending[0]]
            before = (
                self.placed[self.pending[0]] == position
                if self.placed is not None
                else (max(back_s, brk.window.start_s) > brk.window.end_s >= clock)
            )
            if not before:
                break
            clock = self._take(max(clock, brk.window.start_s), brk)
        return clock

    def rest_at_site(self, back_s: int) -> None:
        """Take every break left at the site after the courier's return."""
        while self.pending:
            brk = self.c.breaks[self.pending[0]]
            self._take(max(back_s, brk.window.start_s), brk)


def time_route(
    problem: Problem,
    matrix: Matrix,
    courier: int,
    stops: Sequence[StopRef],
    *,
    depart_s: int | None = None,
    not_before_s: int = 0,
    reloads: Sequence[int] = (),
    breaks: Sequence[int] | None = None,
    ready: Mapping[int, int] | None = None,
    leave_late: bool = False,
    max_wait_s: int | None = None,
) -> TimedRoute:
    """Schedule ``stops`` for ``courier`` as early as possible, each trip leaving its site no earlier than needed.

    ``reloads`` are the positions in ``stops`` where the courier is back at its site, reloads (the site's
    ``reload_s``) and starts a new trip. A trip leaves once every stock basket it carries is ready (the order's
    ``ready_s``, else its time in ``ready``: the site's picking schedule). ``breaks`` gives, for each of the
    courier's breaks, the position of the stop whose leg it is taken before (at the site when that stop starts a
    trip; ``len(stops)``: before the last return; ``len(stops) + 1``: at the site after it, which does not
    lengthen the day); ``None`` places each greedily.

    The first trip leaves at ``depart_s`` if given; otherwise at the latest of shift start, site opening and
    ``not_before_s`` (the current time in a live plan), delayed by any wait at its first stop. With ``leave_late``
    or a courier's ``max_duration_s``, each trip not fixed so is delayed further, as long as that takes from the
    waits at its stops (before any break on the way) without a stop late nor a later return: the courier waits at
    the site, not at a door, and works no longer than it must; but its stops move towards their window ends.
    ``max_wait_s`` (which implies ``leave_late``) then shares each longer wait at a door with the stops before it,
    as their windows allow, so that no single wait is longer where the sequence permits it.
    """
    late = leave_late or max_wait_s is not None or problem.couriers[courier].max_duration_s is not None

    def walk(leave_s: int | None) -> TimedRoute:
        return _walk(
            problem,
            matrix,
            courier,
            stops,
            reloads,
            breaks,
            ready,
            depart_s=leave_s,
            not_before_s=not_before_s,
            later=late,
            max_wait_s=max_wait_s,
        )

    timed = walk(depart_s)
    if depart_s is None and timed.over_duration_s > 0:
        return _shortest_day(timed, walk, problem.couriers[courier].shift.end_s)
    return timed


def _shortest_day(first: TimedRoute, walk: Callable[[int], TimedRoute], latest_s: int) -> TimedRoute:
    """The day as ``walk`` times it when the first trip leaves as late as it can with every stop, break and the
    return still on time (bisected between ``first``'s departure and ``latest_s``), if it works less long than
    ``first``, else ``first``. A trip delayed only within its own waits can leave the day longer than it must be
    (a later trip waiting at the site for its baskets); a later first departure never lengthens it (the return moves
    by at most the delay) and keeps being on time up to some latest departure."""

    def holds(timed: TimedRoute) -> bool:
        return not any(timed.late_s) and timed.end_late_s == 0 and not timed.missed_breaks

    if not holds(first):
        return first
    best, low, high = first, first.route.start_s, latest_s
    while low < high:
        middle = (low + high + 1) // 2
        if holds(timed := walk(middle)):
            best, low = timed, middle
        else:
            high = middle - 1
    return best if best.over_duration_s < first.over_duration_s else first


def time_route_fitting_breaks(
    problem: Problem,
    matrix: Matrix,
    courier: int,
    stops: Sequence[StopRef],
    breaks: Sequence[int] | None,
    *,
    reloads: Sequence[int] = (),
    ready: Mapping[int, int] | None = None,
    max_wait_s: int | None = None,
) -> TimedRoute:
    """:func:`time_route` with ``breaks`` where a search put them, or, when the day is not on time with them, the
    first placement that is: each break where it first fits, then one break at a time moved to each position.
    A search's break times are bounds, not a schedule (its stops' and breaks' earliest times need not hold
    together), so the position read from them can be one stop off. The other arguments as :func:`time_route`'s."""

    def timed_with(placed: Sequence[int] | None) -> TimedRoute:
        return time_route(
            problem, matrix, courier, stops, reloads=reloads, breaks=placed, ready=ready, max_wait_s=max_wait_s
        )

    timed = timed_with(breaks)
    if timed.on_time or breaks is None:
        return timed
    tries: list[Sequence[int] | None] = [None]
    tries += [
        (*breaks[:k], p, *breaks[k + 1 :]) for k in range(len(breaks)) for p in range(len(stops) + 2) if p != breaks[k]
    ]
    for placed in tries:
        other = timed_with(placed)
        if other.on_time:
            return other
    return timed


def _leave_later(problem: Problem, stops: Sequence[Stop], most_s: int | None = None) -> tuple[int, list[Stop]]:
    """A trip's stops up to a break on the way (or the stops after one) with their departure (the break's end)
    delayed as much as it can be, and by at most ``most_s``, without a stop later than its window (or later at all,
    if it already is) nor the time the courier leaves the last of them: the courier waits at the site (or before
    the break) instead of at the stops.
    Returns the delay and the stops. A delay ``d`` at the departure is ``max(0, d - waits so far)`` at a stop."""
    delay, waited = None, 0
    for stop in stops:
        waited += stop.start_s - stop.arrival_s
        bound = waited + max(0, _window_end(problem, stop) - stop.start_s)
        delay = bound if delay is None else min(delay, bound)
    delay = min(delay or 0, waited, waited if most_s is None else most_s)
    shifted, before = [], delay
    for stop in stops:
        at = max(0, before - (stop.start_s - stop.arrival_s))
        shifted.append(
            replace(
                stop, arrival_s=stop.arrival_s + before, start_s=stop.start_s + at, departure_s=stop.departure_s + at
            )
        )
        before = at
    return delay, shifted


def _window_end(problem: Problem, stop: Stop) -> int:
    """The latest end of the windows open by ``stop``'s start (its start if none is)."""
    return max(
        (w.end_s for w in problem.stop_windows(stop.order, stop.kind) if w.start_s <= stop.start_s),
        default=stop.start_s,
    )


def _spread_waits(problem: Problem, stops: Sequence[Stop], most_wait_s: int) -> list[Stop]:
    """A run of a trip's stops (no break between them) with the waits at its doors after the first no longer than
    ``most_wait_s`` where the windows allow it, and otherwise as short as they can be (the longest of them): a longer
    wait is shared with the stops before it, each starting as late as the next one needs. The last stop keeps its
    start, so the return does not move; the first one's wait is the trip's to absorb (it leaves later)."""
    services = [stop.departure_s - stop.start_s for stop in stops]
    travels = [nxt.arrival_s - stop.departure_s for stop, nxt in itertools.pairwise(stops)]
    window_ends = [_window_end(problem, stop) for stop in stops]

    def starts_for(cap: int) -> list[int]:
        starts = [stop.start_s for stop in stops]
        for k in range(len(stops) - 2, -1, -1):
            reach_next = starts[k + 1] - travels[k] - services[k]  # the latest start that is at the next by its start
            starts[k] = max(stops[k].start_s, min(reach_next - cap, window_ends[k]))
        return starts

    def longest(starts: Sequence[int]) -> int:
        waits = (starts[k + 1] - starts[k] - services[k] - travels[k] for k in range(len(travels)))
        return max(waits, default=0)

    low, high = most_wait_s, longest([stop.start_s for stop in stops])
    if high <= low:
        return list(stops)
    while low < high:  # the shortest longest wait, or the allowed one
        cap = (low + high) // 2
        low, high = (low, cap) if longest(starts_for(cap)) <= cap else (cap + 1, high)
    starts = starts_for(high)
    spread, arrival = [], stops[0].arrival_s
    for k, (stop, start) in enumerate(zip(stops, starts, strict=True)):
        spread.append(replace(stop, arrival_s=arrival, start_s=start, departure_s=start + services[k]))
        arrival = start + services[k] + (travels[k] if k < len(travels) else 0)
    return spread


def _walk(
    problem: Problem,
    matrix: Matrix,
    courier: int,
    stops: Sequence[StopRef],
    reloads: Sequence[int],
    breaks: Sequence[int] | None,
    ready: Mapping[int, int] | None,
    *,
    depart_s: int | None,
    not_before_s: int,
    later: bool,
    max_wait_s: int | None,
) -> TimedRoute:
    """:func:`time_route`'s walk along the day, with the first departure as given or as early as allowed."""
    day = _Day(problem, courier, breaks)
    c, site = day.c, problem.sites[day.c.site]
    dist, dur = matrix.distance_m[c.profile], matrix.duration_s[c.profile]
    pickup_node = problem.pickup_node
    clock = depart_s if depart_s is not None else max(c.shift.start_s, site.opening.start_s, not_before_s)
    node, position = c.site, 0
    timed: list[Stop] = []
    late: list[int] = []
    trips: list[Trip] = []
    waits: list[int] = []
    legs = split_trips(stops, reloads)
    for t, trip in enumerate(legs):
        nodes = [pickup_node[o] if kind == "pickup" else problem.delivery_node(o) for o, kind in trip]
        first_leg = int(dur[c.site, nodes[0]]) if nodes else 0
        fixed = t == 0 and depart_s is not None
        baskets = [o for o, kind in trip if kind == "delivery" and problem.orders[o].pickup is None]
        ready_s = max((r for o in baskets if (r := ready_at(problem, o, ready)) is not None), default=clock)
        if not fixed:
            reload_s = site.reload_s if t > 0 else 0
            idle_until = max(clock + reload_s, ready_s)
            if trip:
                idle_until = earliest_start(idle_until + first_leg, problem.stop_windows(*trip[0]))[0] - first_leg
            clock = day.at_site(position, clock, reload_s, idle_until, idle_until + first_leg)
        leave = clock if fixed else max(clock, ready_s)
        waits.append(leave - clock)
        load = sum(problem.orders[o].weight_g for o in baskets)
        # the trip's stops in runs between breaks on the way: (first stop, the breaks taken just before it)
        trip_m, runs = 0, [(0, len(day.taken), len(day.taken))]
        for k, ((o, kind), nxt) in enumerate(zip(trip, nodes, strict=True)):
            order = problem.orders[o]
            if k > 0:
                taken, leg = len(day.taken), int(dur[node, nxt])
                idle_until = earliest_start(clock + leg, problem.stop_windows(o, kind))[0] - leg
                clock = day.on_the_way(position, clock, clock + leg, idle_until)
                if len(day.taken) > taken:
                    runs.append((k, taken, len(day.taken)))
            arrival = (leave if k == 0 else clock) + int(dur[node, nxt])
            begin, late_s = earliest_start(arrival, problem.stop_windows(o, kind))
            if k == 0 and not fixed:
                leave, arrival = leave + begin - arrival, begin
            service = problem.stop_service_s(o, kind)
            load += order.weight_g if kind == "pickup" else -order.weight_g
            timed.append(Stop(o, kind, nxt, arrival, begin, begin + service, load, t))
            late.append(late_s)
            trip_m += int(dist[node, nxt])
            node, clock = nxt, begin + service
            position += 1
        if not trip:
            leave = clock
        elif later and not fixed:
            head = len(timed) - len(trip)
            for (start_k, first, end), (end_k, *_) in zip(runs, [*runs[1:], (len(trip),)], strict=True):
                run = slice(head + start_k, head + end_k)
                most = None if start_k == 0 else day.room(first, end)
                delay, timed[run] = _leave_later(problem, timed[run], most)
                if max_wait_s is not None:  # the wait this leaves at the run's first stop goes before it
                    timed[run] = _spread_waits(problem, timed[run], max_wait_s)
                    head_stop = timed[run][0]
                    absorb = head_stop.start_s - head_stop.arrival_s
                    if most is not None:
                        absorb = min(absorb, most - delay)
                    timed[run.start] = replace(head_stop, arrival_s=head_stop.arrival_s + absorb)
                    delay += absorb
                if start_k == 0:
                    leave += delay
                else:
                    day.delay(first, end, delay)
        last = t == len(legs) - 1
        home = c.last_site if last else c.site
        if last:
            clock = day.after_day(position, clock, clock + int(dur[node, home]))
        clock += int(dur[node, home])
        trip_m += int(dist[node, home])
        trips.append(Trip(leave, clock, trip_m))
        node = home
    day.rest_at_site(clock)
    start_s, end_s, distance = trips[0].depart_s, trips[-1].back_s, sum(t.distance_m for t in trips)
    route = Route(courier, c.site, start_s, end_s, distance, tuple(timed), tuple(trips), tuple(day.taken))
    return TimedRoute(
        route,
        tuple(late),
        max(0, end_s - c.shift.end_s),
        tuple(day.missed),
        0 if c.max_duration_s is None else max(0, end_s - start_s - c.max_duration_s),
        0 if c.max_distance_m is None else max(0, distance - c.max_distance_m),
        tuple(waits),
    )
