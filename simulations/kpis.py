"""The KPIs of a simulated day, computed from its log alone."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from simulations.log import DayLog, OrderLog

__all__ = ["ETA_HORIZONS_MIN", "KPI_TABLE", "Kpis", "by_scenario", "day_kpis", "mean_kpis"]

ETA_HORIZONS_MIN = (30, 10, 2)
"""Minutes before the courier reached the door at which the ETA error is measured."""


@dataclass(frozen=True)
class Kpis:
    """What an analyst compares. Rates are shares (0–1); times are minutes; ``eta_mae_min`` maps minutes before
    arrival to the mean absolute error of the ETA predicted then (``nan`` when no order had a prediction then).
    ``refused_idle`` counts the orders refused while a courier who could have served them was idle (on shift, at a
    site holding the basket and covering the address, no trip planned for 30 min); ``refused_idle_share`` is their
    share of the refusals (0 with none)."""

    orders: float
    accepted: float
    refused: float
    delivered: float
    failed: float
    acceptance_rate: float
    on_time_rate: float
    late_over_60: float
    delivery_mean_min: float
    delivery_p90_min: float
    utilisation: float
    orders_per_courier_hour: float
    km_per_order: float
    forward_share: float
    eta_mae_min: dict[int, float]
    eta_updates_per_order: float
    overtime_min: float
    refused_idle: float
    refused_idle_share: float
    order_to_departure_min: float
    trips_per_courier_hour: float
    wait_per_trip_min: float
    refused_by_reason: dict[str, float]
    refused_idle_by_reason: dict[str, float]


def _eta_errors(reached: Sequence[OrderLog], minutes: int) -> list[float]:
    errors = []
    for order in reached:
        assert order.arrival_s is not None
        before = [eta for t, eta in order.etas if t <= order.arrival_s - minutes * 60]
        if before:
            errors.append(abs(before[-1] - order.arrival_s) / 60)
    return errors


def _mean(values: Sequence[float]) -> float:
    return float(np.mean(values)) if len(values) else float("nan")


def _nanmean(values: Sequence[float]) -> float:
    """The mean of the values that are not ``nan`` (``nan`` when none is)."""
    known = [v for v in values if not np.isnan(v)]
    return float(np.mean(known)) if known else float("nan")


def day_kpis(log: DayLog) -> Kpis:
    """The KPIs of one day: ``on_time_rate`` counts the doors reached by the end of the promised window among
    the orders a courier reached; delivery time runs from the order to the door; utilisation is time out on
    trips over shift time; ``forward_share`` is the share of reached orders served from forward warehouses."""
    orders = log.orders
    status = Counter(o.status for o in orders)
    reached = [o for o in orders if o.arrival_s is not None and o.promised is not None]
    late = [o for o in reached if o.arrival_s is not None and o.promised and o.arrival_s > o.promised.end_s]
    minutes = [((o.arrival_s or 0) - o.placed_s) / 60 for o in reached]
    shift_s = sum(c.shift.end_s - c.shift.start_s for c in log.couriers)
    out_s = sum(t.end_s - t.start_s for t in log.trips)
    last_back: dict[str, int] = {}
    for trip in log.trips:
        last_back[trip.courier] = max(trip.end_s, last_back.get(trip.courier, 0))
    overtime = sum(max(0, last_back.get(c.id, 0) - c.shift.end_s) for c in log.couriers)
    accepted = len(orders) - status["refused"]
    refused = [o for o in orders if o.status == "refused"]
    idle = [o for o in refused if o.idle_able > 0]
    left = [(o.departed_s - o.placed_s) / 60 for o in orders if o.departed_s is not None]
    return Kpis(
        orders=len(orders),
        accepted=accepted,
        refused=status["refused"],
        delivered=status["delivered"],
        failed=status["failed"],
        acceptance_rate=accepted / len(orders) if orders else float("nan"),
        on_time_rate=1 - len(late) / len(reached) if reached else float("nan"),
        late_over_60=sum(1 for o in late if o.promised and (o.arrival_s or 0) > o.promised.end_s + 3600),
        delivery_mean_min=_mean(minutes),
        delivery_p90_min=float(np.percentile(minutes, 90)) if minutes else float("nan"),
        utilisation=out_s / shift_s if shift_s else float("nan"),
        orders_per_courier_hour=len(reached) / (shift_s / 3600) if shift_s else float("nan"),
        km_per_order=sum(t.distance_m for t in log.trips) / 1000 / len(reached) if reached else float("nan"),
        forward_share=sum(1 for o in reached if o.site_kind == "forward_warehouse") / len(reached)
        if reached
        else float("nan"),
        eta_mae_min={m: _mean(_eta_errors(reached, m)) for m in ETA_HORIZONS_MIN},
        eta_updates_per_order=_mean([o.eta_updates for o in reached]),
        overtime_min=overtime / 60,
        refused_idle=len(idle),
        refused_idle_share=len(idle) / len(refused) if refused else 0.0,
        order_to_departure_min=_mean(left),
        trips_per_courier_hour=len(log.trips) / (shift_s / 3600) if shift_s else float("nan"),
        wait_per_trip_min=_mean([t.wait_s / 60 for t in log.trips]),
        refused_by_reason=dict(Counter(o.reason or "" for o in refused)),
        refused_idle_by_reason=dict(Counter(o.reason or "" for o in idle)),
    )


def mean_kpis(days: Sequence[Kpis]) -> Kpis:
    """The mean of several days' KPIs (seeds of one scenario), field by field."""

    def avg(name: str) -> float:
        return _nanmean([getattr(d, name) for d in days])

    def by_reason(name: str) -> dict[str, float]:
        counts: list[dict[str, float]] = [getattr(d, name) for d in days]
        reasons = sorted({r for c in counts for r in c})
        return {r: float(np.mean([c.get(r, 0) for c in counts])) for r in reasons}

    mapped = ("eta_mae_min", "refused_by_reason", "refused_idle_by_reason")
    return Kpis(
        **{f: avg(f) for f in Kpis.__dataclass_fields__ if f not in mapped},
        eta_mae_min={m: _nanmean([d.eta_mae_min[m] for d in days]) for m in ETA_HORIZONS_MIN},
        refused_by_reason=by_reason("refused_by_reason"),
        refused_idle_by_reason=by_reason("refused_idle_by_reason"),
    )


def by_scenario(days: Sequence[DayLog]) -> tuple[list[str], list[Kpis]]:
    """The scenarios of ``days`` in order of first appearance, and each one's KPIs averaged over its seeds."""
    names = list(dict.fromkeys(d.scenario for d in days))
    return names, [mean_kpis([day_kpis(d) for d in days if d.scenario == n]) for n in names]


KPI_TABLE: tuple[tuple[str, str, str], ...] = (
    ("orders", "orders", "{:.0f}"),
    ("accepted", "accepted", "{:.0f}"),
    ("refused", "refused", "{:.0f}"),
    ("delivered", "delivered", "{:.0f}"),
    ("failed", "failed (customer absent or not delivered)", "{:.0f}"),
    ("acceptance_rate", "acceptance rate", "{:.1%}"),
    ("on_time_rate", "on time (by the end of the promised window)", "{:.1%}"),
    ("late_over_60", "more than 60 min late", "{:.0f}"),
    ("delivery_mean_min", "delivery time from order, mean (min)", "{:.1f}"),
    ("delivery_p90_min", "delivery time from order, p90 (min)", "{:.1f}"),
    ("utilisation", "courier utilisation (time on trips / shift)", "{:.1%}"),
    ("orders_per_courier_hour", "orders per courier-hour", "{:.2f}"),
    ("km_per_order", "km per order", "{:.2f}"),
    ("forward_share", "served from forward warehouses", "{:.1%}"),
    ("eta_updates_per_order", "ETA changes ≥ 5 min per order", "{:.2f}"),
    ("overtime_min", "overtime after shifts, all couriers (min)", "{:.0f}"),
    ("refused_idle", "refused while an able courier was idle", "{:.0f}"),
    ("refused_idle_share", "of the refusals, with an able courier idle", "{:.0%}"),
    ("order_to_departure_min", "time from order to departure, mean (min)", "{:.1f}"),
    ("trips_per_courier_hour", "trips per courier-hour", "{:.2f}"),
    ("wait_per_trip_min", "waiting at doors per trip, mean (min)", "{:.1f}"),
)
"""``(field, label, format)`` rows of the report's KPI table."""
