"""A synthetic grid city: every street runs north–south or east–west, so a trip is the Manhattan distance.

For simulations larger than the shipped street network: trips cost nothing to compute (vectorised, no graph),
yet they keep the shape of a city's streets (a diagonal trip is ~1.3–1.4 × the straight line), unlike the
straight line.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from geo.haversine import EARTH_RADIUS_M
from geo.matrix import Matrix, Point
from geo.profiles import SPEED_KPH, speed_kph

__all__ = ["GridCityProvider"]


class GridCityProvider:
    """Trips along a north–south / east–west street grid, at ``speed_kph`` per profile.

    Examples
    --------
    >>> grid = GridCityProvider()
    >>> m = grid.matrix([(60.0, 25.0), (60.01, 25.02)], ["bike"])
    >>> int(m.distance_m["bike"][0, 1]), int(m.duration_s["bike"][0, 1])
    (2224, 534)
    """

    def __init__(self, speed_kph: Mapping[str, float] = SPEED_KPH) -> None:
        self.speeds = dict(speed_kph)

    def _metres(self, origins: Sequence[Point], destinations: Sequence[Point]) -> np.ndarray:
        a = np.radians(np.asarray(origins, dtype=float).reshape(-1, 2))
        b = np.radians(np.asarray(destinations, dtype=float).reshape(-1, 2))
        mid = np.cos((a[:, None, 0] + b[None, :, 0]) / 2)
        north = np.abs(a[:, None, 0] - b[None, :, 0])
        east = np.abs(a[:, None, 1] - b[None, :, 1]) * mid
        return np.asarray(EARTH_RADIUS_M * (north + east))

    def legs(
        self, origins: Sequence[Point], destinations: Sequence[Point], profile: str
    ) -> tuple[np.ndarray, np.ndarray]:
        """Int64 ``(distance_m, duration_s)`` from each origin to each destination for ``profile``."""
        metres = self._metres(origins, destinations)
        seconds = metres / (speed_kph(profile, self.speeds) / 3.6)
        return np.rint(metres).astype(np.int64), np.rint(seconds).astype(np.int64)

    def matrix(self, points: Sequence[Point], profiles: Sequence[str]) -> Matrix:
        """The square matrix between ``points`` for each of ``profiles``."""
        distance, duration = {}, {}
        for profile in profiles:
            distance[profile], duration[profile] = self.legs(points, points, profile)
        return Matrix(distance, duration)
