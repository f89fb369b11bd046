"""Legs along the streets: the path a courier follows between two points, with the leg's distance and time."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np
import shapely

from geo.matrix import Point
from geo.streets import M_PER_DEG_LAT, M_PER_DEG_LON

__all__ = ["SIMPLIFY_M", "Leg", "PathProvider", "joined_path", "legs_by_profile", "simplify_path"]

SIMPLIFY_M = 2.0
"""A path's points are dropped while the line stays within this many metres of every point of the full path."""


@dataclass(frozen=True)
class Leg:
    """A trip from one point to another: ``path`` the ``(lat, lon)`` points it follows, from the origin exactly to
    the destination exactly; ``distance_m`` and ``duration_s`` as the provider's travel matrix has them."""

    path: tuple[Point, ...]
    distance_m: int
    duration_s: int


@runtime_checkable
class PathProvider(Protocol):
    """A provider that can say which way a trip goes, not only how long it takes."""

    def paths(self, pairs: Sequence[tuple[Point, Point]], profile: str) -> list[Leg]:
        """Return the leg of each ``(origin, destination)`` pair for a vehicle of ``profile``, in order."""
        ...


def simplify_path(points: np.ndarray, tolerance_m: float = SIMPLIFY_M) -> np.ndarray:
    """The rows of ``points`` (``(lat, lon)``, shape ``(n, 2)``) that Douglas–Peucker keeps at ``tolerance_m``.

    Distances are taken in metres on a plane about the points' mean latitude; the first and last rows are always
    kept, unchanged. Returns a new ``(k, 2)`` array, ``2 <= k <= n`` (``points`` itself when ``n <= 2`` or
    ``tolerance_m <= 0``).
    """
    if len(points) <= 2 or tolerance_m <= 0:
        return points
    cos = float(np.cos(np.radians(points[:, 0].mean())))
    # the row number rides along as z, which the simplification keeps for every point it keeps
    xyz = np.column_stack([points[:, 1] * M_PER_DEG_LON * cos, points[:, 0] * M_PER_DEG_LAT, np.arange(len(points))])
    simple = shapely.LineString(xyz).simplify(tolerance_m, preserve_topology=False)
    return points[shapely.get_coordinates(simple, include_z=True)[:, 2].astype(np.int64)]


def legs_by_profile(
    provider: PathProvider, hops: Iterable[tuple[str, Point, Point]]
) -> dict[tuple[str, Point, Point], Leg]:
    """The leg of every distinct ``(profile, origin, destination)`` of ``hops``, keyed so, asking ``provider``
    once per profile."""
    wanted: defaultdict[str, set[tuple[Point, Point]]] = defaultdict(set)
    for profile, origin, destination in hops:
        wanted[profile].add((origin, destination))
    legs: dict[tuple[str, Point, Point], Leg] = {}
    for profile, pairs in wanted.items():
        ordered = sorted(pairs)
        found = provider.paths(ordered, profile)
        legs.update({(profile, a, b): leg for (a, b), leg in zip(ordered, found, strict=True)})
    return legs


def joined_path(legs: Sequence[Leg]) -> list[Point]:
    """The paths of consecutive ``legs`` (at least one) as one line: where one ends and the next starts, once."""
    return [legs[0].path[0], *(p for leg in legs for p in leg.path[1:])]
