"""ETAs from the live state: on plan they are the plan's times; a late courier pushes every later stop."""

from __future__ import annotations

from dataclasses import replace
from types import SimpleNamespace

from scheduling import CourierState, courier_eta, live_at, plan_etas
from scheduling.eta import late_probability


def test_on_plan_the_etas_are_the_planned_times(morning: SimpleNamespace) -> None:
    first_start = min(r.start_s for r in morning.plan.routes)
    live = live_at(morning.problem, morning.matrix, morning.plan, first_start - 60)
    for courier, eta in plan_etas(live).items():
        route = live.routes[courier]
        assert [(s.order, s.arrival_s, s.start_s) for s in eta.stops] == [
            (s.order, s.arrival_s, s.start_s) for s in route.stops
        ]
        assert eta.end_s == route.end_s and eta.over_shift_s == 0
        assert all(s.late_s == 0 and s.p_late < 0.5 for s in eta.stops)


def test_a_late_courier_delays_the_stops_after_it_and_flags_them(morning: SimpleNamespace) -> None:
    route = max(morning.plan.routes, key=lambda r: len(r.stops))
    first = route.stops[0]
    late_by = 40 * 60
    now = first.arrival_s + late_by
    # Still at its site 40 minutes after it should have reached the first stop.
    live = live_at(morning.problem, morning.matrix, morning.plan, route.start_s)
    site = morning.problem.sites[route.site].location
    live = replace(live, now_s=now, states={**live.states, route.courier: CourierState(0, True, site, now)})
    eta = courier_eta(live, route.courier)
    assert [s.order for s in eta.stops] == list(route.orders)
    assert eta.stops[0].arrival_s == now + (first.arrival_s - route.start_s)
    assert all(e.start_s >= s.start_s for e, s in zip(eta.stops, route.stops, strict=True))
    assert eta.stops[1].start_s > route.stops[1].start_s
    assert eta.at_risk and all(s.late_s > 0 or s.p_late >= 0.5 for s in eta.at_risk)
    assert eta.end_s > route.end_s


def test_a_courier_kept_late_ends_after_its_shift(morning: SimpleNamespace) -> None:
    route = max(morning.plan.routes, key=lambda r: r.end_s)
    shift_end = morning.problem.couriers[route.courier].shift.end_s
    now = shift_end - 60  # still at its site a minute before its shift ends, every stop to go
    live = live_at(morning.problem, morning.matrix, morning.plan, route.start_s)
    site = morning.problem.sites[route.site].location
    live = replace(live, now_s=now, states={**live.states, route.courier: CourierState(0, True, site, now)})
    assert courier_eta(live, route.courier).over_shift_s > 0


def test_a_ping_half_way_places_the_courier_half_way(morning: SimpleNamespace) -> None:
    route = morning.plan.routes[0]
    live = live_at(morning.problem, morning.matrix, morning.plan, route.start_s + 1)
    a, b = live.locations[route.site], live.locations[route.stops[0].node]
    halfway = ((a[0] + b[0]) / 2, (a[1] + b[1]) / 2)
    pinged = live.with_ping(route.courier, halfway, route.start_s + 1)
    leg = route.stops[0].arrival_s - route.start_s
    assert abs(courier_eta(pinged, route.courier).stops[0].arrival_s - (route.start_s + 1 + leg / 2)) <= 2
    assert pinged.with_ping(route.courier, a, route.start_s) is pinged  # an older ping changes nothing


def test_late_probability_grows_with_the_spread() -> None:
    assert late_probability(900, 1000, 50.0) < late_probability(900, 1000, 200.0) < 0.5
    assert late_probability(1100, 1000, 200.0) > 0.5
