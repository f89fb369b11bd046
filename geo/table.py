"""A user's own travel matrix (from OSRM, Valhalla, Google, telematics...) as a provider: the matrix's locations
with per-profile arrays, every request looked up by its coordinates."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from geo.errors import InputError
from geo.matrix import Matrix, Point

__all__ = ["NO_ROUTE_M", "NO_ROUTE_S", "MatrixTable"]

NO_ROUTE_S = 10**8
"""The duration that stands for "no route" (``null`` in a user's matrix): three years, far past any time window."""
NO_ROUTE_M = 4 * 10**7
"""The distance that stands for "no route": the longest leg the problem format accepts (``routing.limits``)."""
_DIGITS = 7
"""Coordinates are compared rounded to this many decimals of a degree (about a centimetre)."""


def _key(point: Point) -> tuple[float, float]:
    return round(float(point[0]), _DIGITS), round(float(point[1]), _DIGITS)


class MatrixTable:
    """Travel between known locations, from a matrix the user gave.

    ``points[k]`` is the location of row and column ``k`` of every array in ``matrix`` (``None`` for a row no point
    names). A request for a point that is not one of them raises ``InputError``: a user matrix cannot guess the
    travel time to an address it does not hold. Two rows at the same coordinates must be equal.

    Examples
    --------
    >>> table = MatrixTable([(60.0, 24.0), (60.0, 24.1)], Matrix.from_arrays({"car": [[0, 9], [7, 0]]},
    ...                                                                     {"car": [[0, 60], [50, 0]]}))
    >>> table.legs([(60.0, 24.1)], [(60.0, 24.0)], "car")[1].tolist()
    [[50]]
    """

    def __init__(self, points: Sequence[Point | None], matrix: Matrix) -> None:
        """Index ``points``; raise ``ValueError`` when their count is not the matrix's size or two rows at the same
        coordinates differ."""
        if len(points) != matrix.size:
            raise ValueError(f"matrix: {len(points)} locations for a matrix of {matrix.size}")
        self.table, self.points = matrix, tuple(points)
        self._row: dict[tuple[float, float], int] = {}
        for k, point in enumerate(points):
            if point is None:
                continue
            first = self._row.setdefault(_key(point), k)
            if first != k and not self._same_rows(first, k):
                raise ValueError(
                    f"matrix: locations {first} and {k} are both at {point[0]}, {point[1]} but their rows differ"
                )

    def _same_rows(self, a: int, b: int) -> bool:
        arrays = [*self.table.distance_m.values(), *self.table.duration_s.values()]
        return all(np.array_equal(x[a], x[b]) and np.array_equal(x[:, a], x[:, b]) for x in arrays)

    @property
    def profiles(self) -> tuple[str, ...]:
        """The vehicle profiles the user gave a matrix for."""
        return self.table.profiles

    def rows(self, points: Sequence[Point]) -> np.ndarray:
        """The matrix row of each point; raise ``InputError`` naming the first point the matrix does not hold."""
        rows = np.empty(len(points), dtype=np.int64)
        for k, point in enumerate(points):
            row = self._row.get(_key(point))
            if row is None:
                raise InputError(f"location {point[0]}, {point[1]}: not one of the travel matrix's locations")
            rows[k] = row
        return rows

    def _profile(self, profile: str) -> tuple[np.ndarray, np.ndarray]:
        if profile not in self.table.duration_s:
            known = ", ".join(self.profiles)
            raise InputError(f"profile: the travel matrix has no {profile!r} profile; it has {known}")
        return self.table.distance_m[profile], self.table.duration_s[profile]

    def matrix(self, points: Sequence[Point], profiles: Sequence[str]) -> Matrix:
        """The user's matrix cut down to ``points`` (in that order) for each of ``profiles``."""
        rows = self.rows(points)
        cut = np.ix_(rows, rows)
        arrays = {p: self._profile(p) for p in profiles}
        return Matrix({p: d[cut] for p, (d, _) in arrays.items()}, {p: t[cut] for p, (_, t) in arrays.items()})

    def legs(
        self, origins: Sequence[Point], destinations: Sequence[Point], profile: str
    ) -> tuple[np.ndarray, np.ndarray]:
        """Int64 ``(distance_m, duration_s)`` from each origin to each destination."""
        distance, duration = self._profile(profile)
        cut = np.ix_(self.rows(origins), self.rows(destinations))
        return distance[cut], duration[cut]
