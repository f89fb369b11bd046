"""From order lines to daily demand per series (item × area), and the calendar the forecasters need."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from forecasting.history import OrderLines
from forecasting.models import Calendar

__all__ = ["daily_demand", "make_calendar"]


def daily_demand(lines: OrderLines, area: np.ndarray, areas: int) -> np.ndarray:
    """Units per item, area and day: shape ``(items, areas, days)``; ``area`` gives each line's area index."""
    demand = np.zeros((len(lines.items), areas, lines.days))
    np.add.at(demand, (lines.item, area, lines.day), lines.quantity)
    return demand


def make_calendar(lines: OrderLines, areas: int, promotions: Iterable[tuple[int, Iterable[int]]] = ()) -> Calendar:
    """The calendar of the series of :func:`daily_demand` flattened to ``items * areas`` rows."""
    items = len(lines.items)
    return Calendar(
        lines.first_day.weekday(),
        np.repeat(np.arange(items), areas),
        np.tile(np.arange(areas), items),
        {day: frozenset(promoted) for day, promoted in promotions},
    )
