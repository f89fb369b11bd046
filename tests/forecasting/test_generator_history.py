"""The generated history has the statistics it claims; the CSV round-trips and bad lines name line and column."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from forecasting import HistorySpec, daily_demand, generate_history, read_history, write_history
from geo.errors import InputError

SPEC = HistorySpec(items=200, days=70)


def test_same_seed_same_history_other_seed_other_history() -> None:
    a, b, c = generate_history(SPEC, 1), generate_history(SPEC, 1), generate_history(SPEC, 2)
    assert np.array_equal(a.lines.item, b.lines.item) and np.array_equal(a.lines.time_s, b.lines.time_s)
    assert len(a.lines) != len(c.lines) or not np.array_equal(a.lines.item, c.lines.item)


def test_popularity_is_skewed_and_differs_by_area() -> None:
    made = generate_history(SPEC, 0)
    units = daily_demand(made.lines, made.area, len(SPEC.areas)).sum(axis=2)
    total = np.sort(units.sum(axis=1))[::-1]
    assert total[: len(total) // 10].sum() > 0.4 * total.sum()  # top 10 % of items: over 40 % of units
    top = [set(np.argsort(-units[:, a])[:20]) for a in range(len(SPEC.areas))]
    assert len(top[0] & top[1]) < 18  # areas share best-sellers, not all of them


def test_weekly_and_daily_seasonality_and_promotions() -> None:
    made = generate_history(SPEC, 0)
    orders_per_day = np.array([len(np.unique(made.lines.order[made.lines.day == d])) for d in range(SPEC.days)])
    weekday = (SPEC.start.weekday() + np.arange(SPEC.days)) % 7
    normal = np.ones(SPEC.days, dtype=bool)
    normal[[p.day for p in made.promotions]] = False
    saturday, sunday = orders_per_day[(weekday == 5) & normal].mean(), orders_per_day[(weekday == 6) & normal].mean()
    assert saturday > 1.4 * sunday  # factors 1.3 and 0.75
    hours = ((made.lines.time_s + made.lines.utc_offset_s) // 3600) % 24
    assert np.bincount(hours, minlength=24)[:6].sum() == 0 and np.bincount(hours).argmax() in (17, 18, 19)
    for promo in made.promotions:
        assert orders_per_day[promo.day] > 1.3 * orders_per_day[promo.day - 7]  # same weekday, a week before


def test_csv_round_trip(tmp_path: Path) -> None:
    made = generate_history(HistorySpec(items=30, days=42), 0)
    path = tmp_path / "h.csv"
    write_history(made.lines, path)
    back = read_history(path)
    assert np.array_equal(back.time_s, made.lines.time_s) and np.array_equal(back.quantity, made.lines.quantity)
    assert [back.items[i] for i in back.item] == [made.lines.items[i] for i in made.lines.item]
    assert back.first_day == made.spec.start and back.days == 42


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("2026-06-01T10:00:00+02:00,o1,sku,0,60.1,24.9", "line 2, quantity: must be a positive integer"),
        ("2026-06-01T10:00:00,o1,sku,1,60.1,24.9", "line 2, timestamp: needs a time zone"),
        ("yesterday,o1,sku,1,60.1,24.9", "line 2, timestamp: not ISO 8601"),
        ("2026-06-01T10:00:00+02:00,o1,sku,1,91,24.9", "line 2, lat: must be between -90 and 90"),
        ("2026-06-01T10:00:00+02:00,,sku,1,60.1,24.9", "line 2, order_id: missing"),
    ],
)
def test_bad_lines_name_line_and_column(tmp_path: Path, line: str, message: str) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("timestamp,order_id,item_id,quantity,lat,lon\n" + line + "\n")
    with pytest.raises(InputError, match=message):
        read_history(path)


def test_missing_columns_are_named(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("timestamp,order_id,item_id\n")
    with pytest.raises(InputError, match="missing quantity, lat, lon"):
        read_history(path)
