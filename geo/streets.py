"""Street lines of a road graph, for drawing a map backdrop: the graph's edges (both directions as one) chained
into polylines from junction to junction, thinned to points a few metres apart, and picked by bounding box."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import numpy as np

from geo.matrix import Point

__all__ = ["StreetLines", "box_around"]

THIN_M = 8.0
"""A point of a line closer than this to the last one kept is dropped (the line's ends are always kept)."""
M_PER_DEG_LAT, M_PER_DEG_LON = 110_540.0, 111_320.0  # metres per degree (longitude: at the equator)


def box_around(points: list[Point], margin_m: float, aspect: float) -> tuple[float, float, float, float]:
    """``(south, west, north, east)`` of the points with ``margin_m`` all round, widened or heightened about its
    centre until its width is ``aspect`` times its height (in metres)."""
    lats, lons = [p[0] for p in points], [p[1] for p in points]
    lat, lon = (min(lats) + max(lats)) / 2, (min(lons) + max(lons)) / 2
    per_deg_lon = M_PER_DEG_LON * float(np.cos(np.radians(lat)))
    half_h = (max(lats) - min(lats)) / 2 * M_PER_DEG_LAT + margin_m
    half_w = (max(lons) - min(lons)) / 2 * per_deg_lon + margin_m
    half_w, half_h = max(half_w, half_h * aspect), max(half_h, half_w / aspect)
    return (
        lat - half_h / M_PER_DEG_LAT,
        lon - half_w / per_deg_lon,
        lat + half_h / M_PER_DEG_LAT,
        lon + half_w / per_deg_lon,
    )


def _chains(a: np.ndarray, b: np.ndarray) -> list[list[int]]:
    """The undirected edges ``a[k]–b[k]`` (no repeats, no loops on one node) as node paths that run from a node
    that is not a plain link of two edges (a junction or a dead end) to the next such node; closed rings too."""
    neighbours: defaultdict[int, list[int]] = defaultdict(list)
    for u, v in zip(a.tolist(), b.tolist(), strict=True):
        neighbours[u].append(v)
        neighbours[v].append(u)
    used: set[tuple[int, int]] = set()

    def walk(start: int, step: int) -> list[int]:
        path = [start, step]
        used.add((min(start, step), max(start, step)))
        while len(neighbours[path[-1]]) == 2:
            node = path[-1]
            onward = [n for n in neighbours[node] if (min(node, n), max(node, n)) not in used]
            if not onward:  # back where a ring started
                break
            used.add((min(node, onward[0]), max(node, onward[0])))
            path.append(onward[0])
        return path

    ends = [n for n, near in neighbours.items() if len(near) != 2]
    rings = [n for n, near in neighbours.items() if len(near) == 2]  # walked last: only rings are left there
    return [
        walk(node, step)
        for node in ends + rings
        for step in neighbours[node]
        if (min(node, step), max(node, step)) not in used
    ]


def _thin(xy: np.ndarray, min_m: float) -> list[int]:
    """Positions of the points of a line to keep: the first, each at least ``min_m`` from the last kept, the last."""
    kept = [0]
    for k in range(1, len(xy) - 1):
        if np.hypot(*(xy[k] - xy[kept[-1]])) >= min_m:
            kept.append(k)
    return [*kept, len(xy) - 1]


@dataclass(frozen=True)
class StreetLines:
    """Polylines of ``(lat, lon)`` points with their bounding boxes (south, west, north, east) and lengths."""

    lines: tuple[np.ndarray, ...]
    boxes: np.ndarray
    length_m: np.ndarray

    @classmethod
    def from_graph(cls, lat: np.ndarray, lon: np.ndarray, a: np.ndarray, b: np.ndarray) -> StreetLines:
        """The lines of a graph whose node ``k`` is at ``(lat[k], lon[k])``, with an edge ``a[j] → b[j]`` each."""
        pairs = np.unique(np.sort(np.column_stack([a, b]), axis=1), axis=0)
        pairs = pairs[pairs[:, 0] != pairs[:, 1]]
        cos = float(np.cos(np.radians(lat.mean())))
        xy = np.column_stack([lon * M_PER_DEG_LON * cos, lat * M_PER_DEG_LAT])  # metres, near enough for a sketch
        lines, lengths = [], []
        for chain in _chains(pairs[:, 0], pairs[:, 1]):
            nodes = np.array(chain)
            lengths.append(float(np.hypot(*np.diff(xy[nodes], axis=0).T).sum()))
            nodes = nodes[_thin(xy[nodes], THIN_M)]
            lines.append(np.column_stack([lat[nodes], lon[nodes]]))
        boxes = np.array([[*line.min(axis=0), *line.max(axis=0)] for line in lines]).reshape(-1, 4)
        return cls(tuple(lines), boxes, np.array(lengths))

    def within(self, south: float, west: float, north: float, east: float, limit: int) -> list[list[Point]]:
        """The lines that touch the box, at most ``limit`` of them (the longest), points rounded to about 1 m."""
        b = self.boxes
        touching = np.flatnonzero((b[:, 0] <= north) & (b[:, 2] >= south) & (b[:, 1] <= east) & (b[:, 3] >= west))
        longest = touching[np.argsort(-self.length_m[touching], kind="stable")[:limit]]
        return [[(lat, lon) for lat, lon in np.round(self.lines[k], 5).tolist()] for k in sorted(longest.tolist())]
