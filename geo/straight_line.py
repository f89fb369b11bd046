"""Travel matrices from straight-line distance, a detour factor and a speed per profile."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from geo.haversine import haversine_m, haversine_matrix_m
from geo.matrix import Matrix, Point
from geo.profiles import SPEED_KPH, speed_kph

__all__ = ["StraightLineProvider"]


class StraightLineProvider:
    """Great-circle distance x ``detour_factor``, driven at a constant speed per profile.

    Examples
    --------
    >>> m = StraightLineProvider().matrix([(60.0, 24.0), (60.0, 24.01)], ["bike"])
    >>> int(m.distance_m["bike"][0, 1]), int(m.duration_s["bike"][0, 1])
    (723, 173)
    """

    def __init__(self, speed_kph: Mapping[str, float] = SPEED_KPH, detour_factor: float = 1.3) -> None:
        if detour_factor < 1:
            raise ValueError(f"detour_factor: must be >= 1, got {detour_factor}")
        self.speeds = dict(speed_kph)
        self.detour_factor = detour_factor

    def matrix(self, points: Sequence[Point], profiles: Sequence[str]) -> Matrix:
        """The matrix between ``points`` for each of ``profiles``; ``ValueError`` for an unknown profile."""
        metres = haversine_matrix_m(points) * self.detour_factor
        distance = np.rint(metres).astype(np.int64)
        distances, durations = {}, {}
        for profile in profiles:
            mps = speed_kph(profile, self.speeds) / 3.6
            distances[profile] = distance
            durations[profile] = np.rint(metres / mps).astype(np.int64)
        return Matrix(distances, durations)

    def legs(
        self, origins: Sequence[Point], destinations: Sequence[Point], profile: str
    ) -> tuple[np.ndarray, np.ndarray]:
        """Distances (m) and durations (s) from every origin to every destination, as int64 arrays.

        Examples
        --------
        >>> d, t = StraightLineProvider().legs([(60.0, 24.0)], [(60.0, 24.0), (60.0, 24.01)], "bike")
        >>> d.tolist(), t.tolist()
        ([[0, 723]], [[0, 173]])
        """
        a = np.asarray(origins, dtype=float).reshape(-1, 2)
        b = np.asarray(destinations, dtype=float).reshape(-1, 2)
        metres = haversine_m(a[:, 0, None], a[:, 1, None], b[None, :, 0], b[None, :, 1]) * self.detour_factor
        mps = speed_kph(profile, self.speeds) / 3.6
        return np.rint(metres).astype(np.int64), np.rint(metres / mps).astype(np.int64)
