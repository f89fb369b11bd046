"""Demand prediction per item and area, and pre-positioning best-sellers at forward warehouses."""

from forecasting.backtest import Score, backtest
from forecasting.demand import daily_demand, make_calendar
from forecasting.generator import Area, Generated, HistorySpec, Promotion, generate_history
from forecasting.history import OrderLines, read_history, write_history
from forecasting.models import Calendar, Forecaster, MovingAverage, SeasonalNaive, SmoothedSeasonal, models

__all__ = [
    "Area",
    "Calendar",
    "Forecaster",
    "Generated",
    "HistorySpec",
    "MovingAverage",
    "OrderLines",
    "Promotion",
    "Score",
    "SeasonalNaive",
    "SmoothedSeasonal",
    "backtest",
    "daily_demand",
    "generate_history",
    "make_calendar",
    "models",
    "read_history",
    "write_history",
]
