"""Service zones: polygons of (lat, lon) vertices, and vectorised point-in-zone tests (shapely)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import shapely
from shapely.geometry import Polygon

from geo.matrix import Point

__all__ = ["points_in_zone", "zone_polygon"]


def zone_polygon(vertices: Sequence[Point]) -> Polygon:
    """Build a zone from ``(lat, lon)`` vertices (x = lon, y = lat inside shapely).

    Raises ``ValueError`` for fewer than 3 vertices or a self-intersecting polygon.

    Examples
    --------
    >>> zone_polygon([(60.0, 24.0), (60.0, 25.0), (61.0, 25.0)]).area
    0.5
    """
    if len(vertices) < 3:
        raise ValueError(f"zone: a polygon needs at least 3 vertices, got {len(vertices)}")
    polygon = Polygon([(lon, lat) for lat, lon in vertices])
    if not polygon.is_valid:
        raise ValueError(f"zone: invalid polygon ({shapely.is_valid_reason(polygon)})")
    return polygon


def points_in_zone(zone: Polygon, points: Sequence[Point]) -> np.ndarray:
    """Boolean array: which ``(lat, lon)`` points lie inside or on the border of ``zone``.

    Examples
    --------
    >>> z = zone_polygon([(0, 0), (0, 2), (2, 2), (2, 0)])
    >>> points_in_zone(z, [(1, 1), (3, 1)]).tolist()
    [True, False]
    """
    xy = np.asarray(points, dtype=float).reshape(-1, 2)
    return np.asarray(shapely.intersects_xy(zone, xy[:, 1], xy[:, 0]), dtype=bool)
