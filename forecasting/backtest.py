"""Rolling-origin backtest: for each origin, fit on the days before it only, forecast the next days, score.

WAPE = Σ|forecast − actual| / Σ actual over every series and day of every origin; bias = Σ(forecast − actual) /
Σ actual. The forecaster is handed ``demand[:, :origin]`` and nothing after it (the calendar of planned promotions
is known ahead, as in a real business).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from forecasting.models import Calendar, Forecaster

__all__ = ["Score", "backtest", "origins"]


@dataclass(frozen=True)
class Score:
    """A model's errors over the held-out days, and on the promotion days among them."""

    model: str
    wape: float
    bias: float
    promo_wape: float | None


def origins(days: int, horizon: int, count: int) -> list[int]:
    """The last ``count`` origins, ``horizon`` days apart, so that the last window ends on the last day."""
    return [days - horizon * k for k in range(count, 0, -1)]


def backtest(
    demand: np.ndarray, calendar: Calendar, forecasters: Sequence[Forecaster], horizon: int, count: int
) -> list[Score]:
    """Score each forecaster over ``count`` rolling origins of ``horizon`` days (series × days ``demand``)."""
    scores = []
    starts = origins(demand.shape[1], horizon, count)
    promo_cols = [[h for h in range(horizon) if start + h in calendar.promotions] for start in starts]
    for model in forecasters:
        error = signed = actual = promo_error = promo_actual = 0.0
        for start, promo in zip(starts, promo_cols, strict=True):
            predicted = model.forecast(demand[:, :start], calendar, horizon)
            truth = demand[:, start : start + horizon]
            error += float(np.abs(predicted - truth).sum())
            signed += float((predicted - truth).sum())
            actual += float(truth.sum())
            promo_error += float(np.abs(predicted[:, promo] - truth[:, promo]).sum())
            promo_actual += float(truth[:, promo].sum())
        promo_wape = promo_error / promo_actual if promo_actual > 0 else None
        scores.append(Score(model.name, error / actual, signed / actual, promo_wape))
    return scores
