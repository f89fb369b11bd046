"""Readers for public VRPTW (Solomon, Gehring–Homberger) and PDPTW (Li & Lim) instances and best-known results.

Pure numpy and the standard library: the benchmark side shares no code with the solver, so that the checker
that re-evaluates the solver's routes is independent of it.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np

__all__ = ["Instance", "list_instances", "read_bks", "read_instance"]


@dataclass(frozen=True)
class Instance:
    """One instance; arrays are indexed by node, node 0 being the depot.

    For PDPTW, ``pickup_of[d]`` is the pickup of delivery node ``d`` and ``delivery_of[p]`` the delivery of
    pickup node ``p`` (0 elsewhere). Travel time equals distance divided by ``speed``.
    """

    set_name: str
    name: str
    kind: Literal["vrptw", "pdptw"]
    vehicles: int
    capacity: int
    x: np.ndarray
    y: np.ndarray
    demand: np.ndarray
    ready: np.ndarray
    due: np.ndarray
    service: np.ndarray
    pickup_of: np.ndarray
    delivery_of: np.ndarray
    speed: float = 1.0

    @property
    def n_customers(self) -> int:
        """Number of nodes other than the depot."""
        return len(self.x) - 1


def _numbers(path: Path, lineno: int, line: str, count: int) -> list[float]:
    parts = line.split()
    try:
        values = [float(p) for p in parts]
    except ValueError:
        raise ValueError(f"{path.name}:{lineno}: expected numbers, got {line.strip()!r}") from None
    if len(values) != count:
        raise ValueError(f"{path.name}:{lineno}: expected {count} numbers, got {len(values)}")
    return values


def _rows_to_instance(
    path: Path,
    set_name: str,
    kind: Literal["vrptw", "pdptw"],
    vehicles: int,
    capacity: int,
    rows: list[list[float]],
    speed: float,
) -> Instance:
    table = np.array(rows, dtype=float)
    if len(table) < 2:
        raise ValueError(f"{path.name}: no customers")
    if not np.array_equal(table[:, 0], np.arange(len(table))):
        raise ValueError(f"{path.name}: node ids must be 0..{len(table) - 1} in order")
    n = len(table)
    pickup_of = table[:, 7].astype(np.int64) if kind == "pdptw" else np.zeros(n, np.int64)
    delivery_of = table[:, 8].astype(np.int64) if kind == "pdptw" else np.zeros(n, np.int64)
    for d in np.nonzero(pickup_of)[0]:
        if not (0 < pickup_of[d] < n and delivery_of[pickup_of[d]] == d):
            raise ValueError(f"{path.name}: delivery {d} and its pickup {pickup_of[d]} do not name each other")
    return Instance(
        set_name,
        path.stem,
        kind,
        vehicles,
        capacity,
        table[:, 1],
        table[:, 2],
        table[:, 3].astype(np.int64),
        table[:, 4],
        table[:, 5],
        table[:, 6],
        pickup_of,
        delivery_of,
        speed,
    )


def read_instance(path: Path, set_name: str) -> Instance:
    """Read a Solomon/Homberger (``VEHICLE`` / ``CUSTOMER`` sections) or Li & Lim file.

    Raises ``ValueError`` naming the file and line for malformed input, ``OSError`` if it cannot be read.
    """
    path = Path(path)
    lines = path.read_text().splitlines()
    numbered = [(k, line) for k, line in enumerate(lines, 1) if line.strip()]
    if not numbered:
        raise ValueError(f"{path.name}: empty file")
    if any(line.strip().upper().startswith("VEHICLE") for _, line in numbered):
        header = next(i for i, (_, line) in enumerate(numbered) if line.strip().upper().startswith("VEHICLE"))
        if header + 2 >= len(numbered):
            raise ValueError(f"{path.name}: VEHICLE section without values")
        k, line = numbered[header + 2]
        vehicles, capacity = (int(v) for v in _numbers(path, k, line, 2))
        rows = [_numbers(path, k, line, 7) for k, line in numbered[header + 3 :] if re.match(r"\s*\d", line)]
        return _rows_to_instance(path, set_name, "vrptw", vehicles, capacity, rows, 1.0)
    k, first = numbered[0]
    vehicles_f, capacity_f, speed = _numbers(path, k, first, 3)
    rows = [_numbers(path, k, line, 9) for k, line in numbered[1:]]
    return _rows_to_instance(path, set_name, "pdptw", int(vehicles_f), int(capacity_f), rows, speed or 1.0)


def _natural_key(path: Path) -> list[object]:
    return [int(t) if t.isdigit() else t.lower() for t in re.split(r"(\d+)", path.stem)]


def list_instances(data_dir: Path, set_name: str) -> list[Path]:
    """The instance files of a set folder, in natural order (C101 < C102 < C201; c1_2_2 < c1_2_10)."""
    return sorted((Path(data_dir) / set_name).glob("*.txt"), key=_natural_key)


def read_bks(path: Path) -> dict[tuple[str, str], tuple[int, float]]:
    """Best-known results from ``bks.csv``: ``(set, instance) -> (vehicles, distance)``."""
    with Path(path).open(newline="") as fh:
        return {
            (row["set"], row["instance"]): (int(row["vehicles"]), float(row["distance"])) for row in csv.DictReader(fh)
        }
