"""Travel matrices: integer metres and seconds between points, per vehicle profile."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

__all__ = ["LegProvider", "Matrix", "MatrixProvider", "Point"]

Point = tuple[float, float]
"""A location as ``(lat, lon)`` in degrees (benchmark readers put plane ``(y, x)`` here)."""


@dataclass(frozen=True)
class Matrix:
    """Distances (m) and durations (s) between ``size`` points, one square int64 array per profile.

    ``distance_m[profile][i, j]`` is the length of the trip from point ``i`` to point ``j`` for a vehicle of
    that profile (``"bike"``, ``"car"``, ``"foot"`` or any name a provider knows), ``duration_s`` its time.

    Examples
    --------
    >>> m = Matrix.from_arrays({"car": [[0, 5], [5, 0]]}, {"car": [[0, 1], [1, 0]]})
    >>> m.size, m.profiles, int(m.duration_s["car"][0, 1])
    (2, ('car',), 1)
    """

    distance_m: Mapping[str, np.ndarray]
    duration_s: Mapping[str, np.ndarray]

    def __post_init__(self) -> None:
        if set(self.distance_m) != set(self.duration_s) or not self.distance_m:
            raise ValueError("matrix: distance_m and duration_s must name the same, non-empty set of profiles")
        sizes = {a.shape for a in [*self.distance_m.values(), *self.duration_s.values()]}
        if len(sizes) != 1 or len(next(iter(sizes))) != 2 or len(set(next(iter(sizes)))) != 1:
            raise ValueError(f"matrix: every array must be square and of the same size, got shapes {sizes}")

    @classmethod
    def from_arrays(
        cls,
        distance_m: Mapping[str, Sequence[Sequence[float]] | np.ndarray],
        duration_s: Mapping[str, Sequence[Sequence[float]] | np.ndarray],
    ) -> Matrix:
        """Build a matrix from nested lists or arrays, rounding values to int64."""
        return cls(
            {p: np.rint(np.asarray(a, dtype=float)).astype(np.int64) for p, a in distance_m.items()},
            {p: np.rint(np.asarray(a, dtype=float)).astype(np.int64) for p, a in duration_s.items()},
        )

    @property
    def size(self) -> int:
        """Number of points."""
        return int(next(iter(self.distance_m.values())).shape[0])

    @property
    def profiles(self) -> tuple[str, ...]:
        """The vehicle profiles this matrix has arrays for."""
        return tuple(self.distance_m)


class MatrixProvider(Protocol):
    """Anything that turns points into a travel matrix for some vehicle profiles."""

    def matrix(self, points: Sequence[Point], profiles: Sequence[str]) -> Matrix:
        """Return the matrix between ``points`` (lat, lon) for each of ``profiles``."""
        ...


class LegProvider(Protocol):
    """A provider that can also give a rectangle of trips, cheaply when one side is short (a new address)."""

    def matrix(self, points: Sequence[Point], profiles: Sequence[str]) -> Matrix:
        """Return the matrix between ``points`` (lat, lon) for each of ``profiles``."""
        ...

    def legs(
        self, origins: Sequence[Point], destinations: Sequence[Point], profile: str
    ) -> tuple[np.ndarray, np.ndarray]:
        """Return int64 ``(distance_m, duration_s)`` arrays of shape ``(len(origins), len(destinations))``."""
        ...
