"""The trip KPIs of a day small enough to check by hand."""

from __future__ import annotations

import pytest

from routing.model import Window
from simulations.kpis import day_kpis, mean_kpis
from simulations.log import CourierLog, DayLog, OrderLog, TripLog

HOUR = 3600
HERE = (60.17, 24.94)


def _day() -> DayLog:
    """Two couriers on 4-hour shifts (8 courier-hours); three trips; four orders, one refused with an idle able
    courier and one refused with none."""
    w = Window(9 * HOUR, 10 * HOUR)
    orders = [
        OrderLog("a", 8 * HOUR, "x", HERE, "delivered", promised=w, arrival_s=9 * HOUR, departed_s=8 * HOUR + 600),
        OrderLog("b", 8 * HOUR, "x", HERE, "delivered", promised=w, arrival_s=9 * HOUR, departed_s=8 * HOUR + 1800),
        OrderLog("c", 9 * HOUR, "x", HERE, "refused", "FLEET_FULL", idle_able=2),
        OrderLog("d", 9 * HOUR, "x", HERE, "refused", "NO_STOCK"),
    ]
    trips = [
        TripLog("k1", "s", 8 * HOUR + 600, 9 * HOUR + 600, 3000, ("a",), (HERE,), wait_s=120),
        TripLog("k2", "s", 8 * HOUR + 1800, 9 * HOUR + 600, 1000, ("b",), (HERE,), wait_s=0),
        TripLog("k2", "s", 10 * HOUR, 10 * HOUR + 600, 0, (), (HERE,), wait_s=240),
    ]
    couriers = [CourierLog(k, "s", "bike", Window(8 * HOUR, 12 * HOUR)) for k in ("k1", "k2")]
    return DayLog("hand", 0, None, orders, trips, couriers, {"s": "store"})


def test_trip_kpis_follow_from_the_log() -> None:
    k = day_kpis(_day())
    assert (k.refused, k.refused_idle, k.refused_idle_share) == (2, 1, 0.5)
    assert k.refused_idle_by_reason == {"FLEET_FULL": 1}
    assert k.order_to_departure_min == pytest.approx((10 + 30) / 2)
    assert k.trips_per_courier_hour == pytest.approx(3 / 8)
    assert k.wait_per_trip_min == pytest.approx((2 + 0 + 4) / 3)
    assert k.km_per_order == pytest.approx(4.0 / 2)


def test_no_refusal_means_no_idle_share_and_means_average_the_reasons() -> None:
    day = _day()
    day.orders = day.orders[:2]
    calm = day_kpis(day)
    assert (calm.refused_idle, calm.refused_idle_share, calm.refused_idle_by_reason) == (0, 0.0, {})
    mean = mean_kpis([calm, day_kpis(_day())])
    assert mean.refused_idle_share == pytest.approx(0.25) and mean.refused_idle_by_reason == {"FLEET_FULL": 0.5}
