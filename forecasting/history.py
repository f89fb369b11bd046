"""Order history as columns: one row per order line (timestamp, order, item, quantity, lat, lon).

CSV format (header required, one line per order line)::

    timestamp,order_id,item_id,quantity,lat,lon
    2026-11-02T08:14:05+02:00,o000001,sku-0042,2,60.1702,24.9391

``timestamp`` is ISO 8601 with a time zone; days are counted in the zone of the first line. ``quantity`` is a
positive integer; ``lat``/``lon`` are degrees. A bad line is an ``InputError`` naming the line and column.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import numpy as np

from geo.errors import InputError

__all__ = ["COLUMNS", "OrderLines", "read_history", "write_history"]

COLUMNS = ("timestamp", "order_id", "item_id", "quantity", "lat", "lon")
DAY_S = 86_400


@dataclass(frozen=True)
class OrderLines:
    """Order lines as numpy columns; ``item`` and ``order`` index into ``items`` and ``orders``.

    ``time_s`` is Unix seconds; ``utc_offset_s`` is the zone days are counted in.
    """

    time_s: np.ndarray
    order: np.ndarray
    item: np.ndarray
    quantity: np.ndarray
    lat: np.ndarray
    lon: np.ndarray
    items: tuple[str, ...]
    orders: tuple[str, ...]
    utc_offset_s: int

    def __len__(self) -> int:
        return len(self.time_s)

    @property
    def day(self) -> np.ndarray:
        """Day index of each line, 0 = the first day in the history's zone."""
        local = (self.time_s + self.utc_offset_s) // DAY_S
        return (local - local.min()).astype(np.int64) if len(local) else local

    @property
    def first_day(self) -> date:
        """The calendar date of day 0."""
        start = int(self.time_s.min()) + self.utc_offset_s
        return datetime.fromtimestamp(start - start % DAY_S, tz=UTC).date()

    @property
    def days(self) -> int:
        """Number of days covered, first to last."""
        return int(self.day.max()) + 1 if len(self) else 0

    def select(self, mask: np.ndarray) -> OrderLines:
        """The lines where ``mask`` is true (same item and order tables)."""
        return OrderLines(
            self.time_s[mask],
            self.order[mask],
            self.item[mask],
            self.quantity[mask],
            self.lat[mask],
            self.lon[mask],
            self.items,
            self.orders,
            self.utc_offset_s,
        )


def _field(row: dict[str, str], name: str, where: str) -> str:
    value = row.get(name)
    if value is None or value == "":
        raise InputError(f"{where}, {name}: missing")
    return value


def _number(row: dict[str, str], name: str, where: str, low: float, high: float) -> float:
    text = _field(row, name, where)
    try:
        value = float(text)
    except ValueError:
        raise InputError(f"{where}, {name}: not a number: {text!r}") from None
    if not (math.isfinite(value) and low <= value <= high):
        raise InputError(f"{where}, {name}: must be between {low} and {high}, got {text}")
    return value


def read_history(path: Path) -> OrderLines:
    """Read an order-line CSV (see the module docstring); ``InputError`` naming the line and column if bad."""
    try:
        with Path(path).open(newline="") as handle:
            return _parse(csv.DictReader(handle), path)
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror})") from None


def _parse(reader: csv.DictReader[str], path: Path) -> OrderLines:
    missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise InputError(f"{path}: header must have the columns {', '.join(COLUMNS)}; missing {', '.join(missing)}")
    items: dict[str, int] = {}
    orders: dict[str, int] = {}
    rows: list[tuple[int, int, int, int, float, float]] = []
    offset: int | None = None
    for n, row in enumerate(reader, start=2):
        where = f"{path} line {n}"
        stamp = _field(row, "timestamp", where)
        try:
            moment = datetime.fromisoformat(stamp)
        except ValueError:
            raise InputError(f"{where}, timestamp: not ISO 8601: {stamp!r}") from None
        zone = moment.utcoffset()
        if zone is None:
            raise InputError(f"{where}, timestamp: needs a time zone, e.g. {stamp}+02:00")
        if offset is None:
            offset = int(zone.total_seconds())
        quantity = _field(row, "quantity", where)
        if not quantity.isdigit() or int(quantity) == 0:
            raise InputError(f"{where}, quantity: must be a positive integer, got {quantity!r}")
        item = items.setdefault(_field(row, "item_id", where), len(items))
        order = orders.setdefault(_field(row, "order_id", where), len(orders))
        lat = _number(row, "lat", where, -90, 90)
        lon = _number(row, "lon", where, -180, 180)
        rows.append((int(moment.timestamp()), order, item, int(quantity), lat, lon))
    if not rows:
        raise InputError(f"{path}: no order lines")
    table = np.array(rows, dtype=float)
    return OrderLines(
        table[:, 0].astype(np.int64),
        table[:, 1].astype(np.int64),
        table[:, 2].astype(np.int64),
        table[:, 3].astype(np.int64),
        table[:, 4],
        table[:, 5],
        tuple(items),
        tuple(orders),
        offset or 0,
    )


def _rows(lines: OrderLines) -> Iterable[tuple[str, str, str, int, str, str]]:
    zone = timezone(timedelta(seconds=lines.utc_offset_s))
    for k in range(len(lines)):
        yield (
            datetime.fromtimestamp(int(lines.time_s[k]), tz=zone).isoformat(),
            lines.orders[int(lines.order[k])],
            lines.items[int(lines.item[k])],
            int(lines.quantity[k]),
            f"{lines.lat[k]:.6f}",
            f"{lines.lon[k]:.6f}",
        )


def write_history(lines: OrderLines, path: Path) -> None:
    """Write ``lines`` as an order-line CSV, atomically (a temporary file renamed)."""
    tmp = Path(path).with_name(Path(path).name + ".tmp")
    with tmp.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS)
        writer.writerows(_rows(lines))
    tmp.replace(path)
