"""Forecasts beat the naive baseline without peeking; stocking respects capacity and finds a known optimum."""

from __future__ import annotations

import numpy as np

from forecasting import (
    Calendar,
    HistorySpec,
    SeasonalNaive,
    backtest,
    daily_demand,
    generate_history,
    make_calendar,
    models,
)
from forecasting.stocking import Baskets, fill_rate, reverse_greedy, stock_plan, top_n_plan


class Spy:
    """A forecaster that records what it was shown."""

    name = "spy"

    def __init__(self) -> None:
        self.shown: list[int] = []

    def forecast(self, history: np.ndarray, calendar: Calendar, horizon: int) -> np.ndarray:
        self.shown.append(history.shape[1])
        return np.zeros((history.shape[0], horizon))


def series_of(seed: int) -> tuple[np.ndarray, Calendar]:
    made = generate_history(HistorySpec(items=200, days=105), seed)
    demand = daily_demand(made.lines, made.area, len(made.spec.areas))
    calendar = make_calendar(made.lines, len(made.spec.areas), [(p.day, p.items) for p in made.promotions])
    return demand.reshape(-1, demand.shape[2]), calendar


def test_backtest_shows_each_model_only_the_days_before_its_origin() -> None:
    series, calendar = series_of(0)
    spy = Spy()
    backtest(series, calendar, [spy], horizon=7, count=3)
    assert spy.shown == [105 - 21, 105 - 14, 105 - 7]
    changed = series.copy()
    changed[:, -7:] *= 10  # the future must not change a forecast made before it
    before = models()[2].forecast(series[:, :-7], calendar, 7)
    after = models()[2].forecast(changed[:, :-7], calendar, 7)
    assert np.array_equal(before, after)


def test_smoothed_seasonal_beats_seasonal_naive_also_on_the_promotion_day() -> None:
    series, calendar = series_of(0)
    scores = {s.model: s for s in backtest(series, calendar, models(), horizon=7, count=4)}
    naive, best = scores["seasonal_naive"], scores["smoothed_seasonal"]
    assert best.wape <= 0.85 * naive.wape
    assert best.promo_wape is not None and naive.promo_wape is not None and best.promo_wape < naive.promo_wape
    assert abs(best.bias) < 0.05


def test_seasonal_naive_repeats_last_week() -> None:
    history = np.arange(14, dtype=float)[None, :]
    calendar = Calendar(0, np.zeros(1, dtype=int), np.zeros(1, dtype=int))
    assert SeasonalNaive().forecast(history, calendar, 9).tolist() == [[7, 8, 9, 10, 11, 12, 13, 7, 8]]


def baskets(rows: list[list[int]]) -> Baskets:
    start = np.concatenate([[0], np.cumsum([len(r) for r in rows])])
    return Baskets(start, np.array([i for r in rows for i in r]), np.ones(int(start[-1]), dtype=np.int64))


def test_reverse_greedy_finds_the_pair_that_serves_most_baskets_where_top_n_fails() -> None:
    # Item 0 sells most, but always with a different rare item; items 1 and 2 always sell together.
    orders = baskets([[0, 5], [0, 6], [0, 7], [0, 8], [1, 2], [1, 2], [1, 2]])
    held = reverse_greedy(orders, np.ones(len(orders)), np.ones(9), capacity=2)
    assert np.flatnonzero(held).tolist() == [1, 2]
    assert fill_rate(np.where(held, 10, 0), orders) == 3 / 7
    units = np.bincount(orders.item, minlength=9).astype(float)
    assert fill_rate(top_n_plan(units * 1000, 7, capacity_units=2 * 4000), orders) == 0


def test_stock_plan_fits_capacity_and_fill_rate_counts_consumption() -> None:
    rng = np.random.default_rng(0)
    recent = baskets([list(rng.choice(20, size=3, replace=False)) for _ in range(300)])
    forecast = np.bincount(recent.item, minlength=20) / 4.0
    for capacity in (10, 40, 120):
        plan = stock_plan(forecast, recent, 28, 7, capacity)
        assert plan.sum() <= capacity and (plan >= 0).all()
        top = top_n_plan(forecast, 7, capacity)
        assert top.sum() <= capacity
    one = baskets([[0], [0], [0]])
    assert fill_rate(np.array([2]), one) == 2 / 3
