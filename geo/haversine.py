"""Great-circle distances on the sphere, scalar or vectorised with numpy."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike

from geo.matrix import Point

__all__ = ["EARTH_RADIUS_M", "haversine_m", "haversine_matrix_m"]

EARTH_RADIUS_M = 6_371_008.8


def haversine_m(lat1: ArrayLike, lon1: ArrayLike, lat2: ArrayLike, lon2: ArrayLike) -> np.ndarray:
    """Great-circle distance in metres between points given in degrees; inputs broadcast like numpy arrays.

    Examples
    --------
    >>> round(float(haversine_m(60.1699, 24.9384, 59.4370, 24.7536)))  # Helsinki - Tallinn
    82148
    """
    p1, l1, p2, l2 = (np.radians(np.asarray(v, dtype=float)) for v in (lat1, lon1, lat2, lon2))
    a = np.sin((p2 - p1) / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin((l2 - l1) / 2) ** 2
    return 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


def haversine_matrix_m(points: Sequence[Point] | np.ndarray) -> np.ndarray:
    """Square float matrix of great-circle distances (m) between ``(lat, lon)`` points.

    Examples
    --------
    >>> m = haversine_matrix_m([(60.0, 24.0), (60.0, 24.01)])
    >>> m.shape, float(m[0, 0]), round(float(m[0, 1]))
    ((2, 2), 0.0, 556)
    """
    xy = np.asarray(points, dtype=float).reshape(-1, 2)
    lat, lon = xy[:, 0], xy[:, 1]
    return haversine_m(lat[:, None], lon[:, None], lat[None, :], lon[None, :])
