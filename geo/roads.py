"""Road travel times from an OpenStreetMap extract: pyosmium → networkx graph → scipy Dijkstra matrix.

Each vehicle profile gets its own directed graph of the ways it may use, with ``length_m`` (great-circle, per
segment) and ``travel_s`` (length at a speed per highway type) on every edge; only the largest strongly connected
component is kept, so every snapped point can reach every other.
"""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Sequence
from functools import cached_property
from pathlib import Path

import networkx as nx
import numpy as np
import osmium
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra
from scipy.spatial import cKDTree

from geo.haversine import haversine_m
from geo.matrix import Matrix, Point
from geo.paths import SIMPLIFY_M, Leg, simplify_path
from geo.profiles import speed_kph
from geo.streets import StreetLines

__all__ = ["HIGHWAY_SPEED_KPH", "RoadGraphProvider", "load_road_graph"]

_CAR = {
    "motorway": 50,
    "trunk": 40,
    "primary": 35,
    "secondary": 30,
    "tertiary": 30,
    "unclassified": 25,
    "residential": 20,
    "living_street": 10,
    "service": 10,
}
_BIKE_ONLY = {"cycleway": 16, "path": 12, "track": 12, "pedestrian": 8, "footway": 8, "bridleway": 8}
_FOOT_ONLY = {"footway": 5, "pedestrian": 5, "path": 5, "steps": 2, "cycleway": 5, "track": 5, "corridor": 5}
HIGHWAY_SPEED_KPH: dict[str, dict[str, float]] = {
    "car": {
        **_CAR,
        **{f"{k}_link": v for k, v in _CAR.items() if k in ("motorway", "trunk", "primary", "secondary", "tertiary")},
    },
    "bike": {**{k: 15 for k in _CAR if k not in ("motorway", "trunk")}, **_BIKE_ONLY},
    "foot": {**{k: 5 for k in _CAR if k not in ("motorway", "trunk")}, **_FOOT_ONLY},
}
"""Speed per OSM ``highway`` value for each profile; a way whose type is missing is not used by the profile."""


def _oneway(tags: osmium.osm.TagList, profile: str) -> int:
    """1: only along the way, -1: only against it, 0: both directions."""
    if profile == "foot":
        return 0
    if profile == "bike" and (tags.get("highway") == "cycleway" or tags.get("oneway:bicycle") == "no"):
        return 0
    value = tags.get("oneway", "")
    if value in ("yes", "true", "1") or tags.get("junction") == "roundabout" or tags.get("highway") == "motorway":
        return 1
    return -1 if value == "-1" else 0


def load_road_graph(pbf_path: Path, profile: str) -> nx.DiGraph:
    """The directed road graph of ``profile`` from an ``.osm.pbf`` file, largest strongly connected part only.

    Nodes carry ``lat``/``lon``; edges ``length_m`` and ``travel_s``. Raises ``ValueError`` for an unknown profile
    and ``OSError`` if the file cannot be read.
    """
    if profile not in HIGHWAY_SPEED_KPH:
        raise ValueError(f"profile: unknown vehicle profile {profile!r}; known: {', '.join(HIGHWAY_SPEED_KPH)}")
    speeds = HIGHWAY_SPEED_KPH[profile]
    graph = nx.DiGraph()
    processor = osmium.FileProcessor(str(pbf_path), osmium.osm.NODE | osmium.osm.WAY).with_locations()
    for way in processor.with_filter(osmium.filter.KeyFilter("highway")):
        if not isinstance(way, osmium.osm.Way):
            continue
        kph = speeds.get(way.tags.get("highway") or "")
        if kph is None or way.tags.get("access") in ("no", "private") or way.tags.get("area") == "yes":
            continue
        nodes = [(n.ref, n.lat, n.lon) for n in way.nodes if n.location.valid()]
        direction = _oneway(way.tags, profile)
        for (a, lat_a, lon_a), (b, lat_b, lon_b) in itertools.pairwise(nodes):
            length = float(haversine_m(lat_a, lon_a, lat_b, lon_b))
            graph.add_node(a, lat=lat_a, lon=lon_a)
            graph.add_node(b, lat=lat_b, lon=lon_b)
            data = {"length_m": length, "travel_s": length / (kph / 3.6)}
            if direction >= 0:
                graph.add_edge(a, b, **data)
            if direction <= 0:
                graph.add_edge(b, a, **data)
    if graph.number_of_nodes() == 0:
        raise ValueError(f"{pbf_path}: no ways usable by profile {profile!r}")
    largest = max(nx.strongly_connected_components(graph), key=len)
    return graph.subgraph(largest).copy()


def _figures(
    length: np.ndarray, travel: np.ndarray, offset_a: np.ndarray, offset_b: np.ndarray, same: np.ndarray, profile: str
) -> tuple[np.ndarray, np.ndarray]:
    """Int64 metres and seconds of trips whose graph part is ``length`` / ``travel`` and whose ends are
    ``offset_a`` / ``offset_b`` metres off the graph (walked in a straight line at the profile's speed), 0 where
    ``same`` (from a point to itself); the arrays broadcast against each other."""
    distance = np.rint(length + offset_a + offset_b).astype(np.int64)
    duration = np.rint(travel + (offset_a + offset_b) / (speed_kph(profile) / 3.6)).astype(np.int64)
    distance[same] = 0
    duration[same] = 0
    return distance, duration


_PER_MS = 10**8
"""The route weight of an edge is its travel time in whole milliseconds times this plus its length in whole
decimetres: one Dijkstra finds the fastest path (the shortest of equally fast ones) and both its time and its
length, exactly in float64 while a path's time stays under 25 hours and its length under 10,000 km."""


class _Network:
    """A profile's graph as arrays: node coordinates, a KD-tree for snapping, CSR matrices for Dijkstra
    (``length``: metres, for drawing; ``route``: time and length in one weight, :data:`_PER_MS`)."""

    def __init__(self, graph: nx.DiGraph) -> None:
        nodes = list(graph.nodes)
        index = {n: k for k, n in enumerate(nodes)}
        self.lat = np.array([graph.nodes[n]["lat"] for n in nodes])
        self.lon = np.array([graph.nodes[n]["lon"] for n in nodes])
        self._cos = float(np.cos(np.radians(self.lat.mean())))
        self.tree = cKDTree(self._project(self.lat, self.lon))
        rows = np.array([index[a] for a, _ in graph.edges])
        cols = np.array([index[b] for _, b in graph.edges])
        shape = (len(nodes), len(nodes))
        travel_ms = np.rint([d["travel_s"] * 1000 for *_, d in graph.edges(data=True)])
        length_dm = np.rint([d["length_m"] * 10 for *_, d in graph.edges(data=True)])
        self.length = csr_matrix((length_dm / 10, (rows, cols)), shape)
        self.route = csr_matrix((travel_ms * _PER_MS + length_dm, (rows, cols)), shape)

    @cached_property
    def streets(self) -> StreetLines:
        """The graph's street lines (cached)."""
        edges = self.length.tocoo()
        return StreetLines.from_graph(self.lat, self.lon, edges.row, edges.col)

    @cached_property
    def reverse_route(self) -> csr_matrix:
        """:attr:`route` on the reversed graph (Dijkstra from a destination gives the paths *to* it)."""
        return self.route.T.tocsr()

    def fastest(self, sources: np.ndarray, reverse: bool = False, *, tree: bool = False) -> tuple[np.ndarray, ...]:
        """Dijkstra on :attr:`route` from ``sources`` (to them with ``reverse``): ``(travel_s, length_m)``, arrays of
        shape ``(len(sources), nodes)``, ``inf`` where no path goes, and with ``tree`` the predecessor rows too."""
        found = dijkstra(self.reverse_route if reverse else self.route, indices=sources, return_predecessors=tree)
        total = found[0] if tree else found
        reached = np.isfinite(total)
        ms, dm = np.divmod(np.where(reached, total, 0.0), _PER_MS)
        travel_s, length_m = np.where(reached, ms / 1000, np.inf), np.where(reached, dm / 10, np.inf)
        return (travel_s, length_m, found[1]) if tree else (travel_s, length_m)

    def _project(self, lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
        return np.column_stack([lon * 111_320.0 * self._cos, lat * 110_540.0])

    def snap(self, lat: np.ndarray, lon: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Nearest graph node of each point and the straight-line metres to it."""
        _, nearest = self.tree.query(self._project(lat, lon))
        return nearest, haversine_m(lat, lon, self.lat[nearest], self.lon[nearest])

    def node_path(self, before: np.ndarray, target: int) -> list[int]:
        """The nodes from a fastest-path tree's source to ``target``, given the tree's ``before`` (predecessor)
        row as :func:`scipy.sparse.csgraph.dijkstra` returns it."""
        nodes = [target]
        while before[nodes[-1]] >= 0:
            nodes.append(int(before[nodes[-1]]))
        return nodes[::-1]


class RoadGraphProvider:
    """Travel matrices on the road network of an OSM extract, per profile, with an optional on-disk cache.

    Each point is snapped to its nearest node of the profile's graph; the walk to it (straight line at the
    profile's speed) is added at both ends. A leg is the fastest path (the shortest of equally fast ones): its
    duration and its distance are that path's, as OSRM and Valhalla give them, and :meth:`paths` draws it.
    """

    def __init__(self, pbf_path: Path, cache_dir: Path | None = None) -> None:
        self.pbf_path = Path(pbf_path)
        self.cache_dir = Path(cache_dir) if cache_dir is not None else None
        self._networks: dict[str, _Network] = {}

    def network(self, profile: str) -> _Network:
        """The (memoised) graph arrays of ``profile``."""
        if profile not in self._networks:
            self._networks[profile] = _Network(load_road_graph(self.pbf_path, profile))
        return self._networks[profile]

    def streets(self, profile: str = "car") -> StreetLines:
        """The street lines of ``profile``'s graph, for drawing (default: the ways a car may use)."""
        return self.network(profile).streets

    def _cache_file(self, points: np.ndarray, profile: str) -> Path | None:
        if self.cache_dir is None:
            return None
        stat = self.pbf_path.stat()
        tag = f"{profile}|{stat.st_size}|{stat.st_mtime_ns}|fastest-path-length"
        key = hashlib.sha256(np.round(points, 6).tobytes() + tag.encode())
        return self.cache_dir / f"roads-{key.hexdigest()[:24]}.npz"

    def _profile_matrix(self, points: np.ndarray, profile: str) -> tuple[np.ndarray, np.ndarray]:
        cached = self._cache_file(points, profile)
        if cached is not None and cached.exists():
            with np.load(cached) as data:
                return data["distance_m"], data["duration_s"]
        net = self.network(profile)
        nodes, offset_m = net.snap(points[:, 0], points[:, 1])
        unique, inverse = np.unique(nodes, return_inverse=True)
        travel, length = (a[:, unique][np.ix_(inverse, inverse)] for a in net.fastest(unique))
        same = np.eye(len(points), dtype=bool)
        distance, duration = _figures(length, travel, offset_m[:, None], offset_m[None, :], same, profile)
        if cached is not None:
            cached.parent.mkdir(parents=True, exist_ok=True)
            tmp = cached.with_name(cached.stem + ".tmp.npz")
            np.savez(tmp, distance_m=distance, duration_s=duration)
            tmp.replace(cached)
        return distance, duration

    def legs(
        self, origins: Sequence[Point], destinations: Sequence[Point], profile: str
    ) -> tuple[np.ndarray, np.ndarray]:
        """Road distances (m) and durations (s) from every origin to every destination, as int64 arrays.

        Dijkstra runs from the shorter side (on the reversed graph when that is the destinations), so one new
        address against many known points costs two searches per direction.
        """
        a = np.asarray(origins, dtype=float).reshape(-1, 2)
        b = np.asarray(destinations, dtype=float).reshape(-1, 2)
        net = self.network(profile)
        a_nodes, a_off = net.snap(a[:, 0], a[:, 1])
        b_nodes, b_off = net.snap(b[:, 0], b[:, 1])
        if len(a) <= len(b):
            travel, length = (x[:, b_nodes] for x in net.fastest(a_nodes))
        else:
            travel, length = (x[:, a_nodes].T for x in net.fastest(b_nodes, reverse=True))
        same = (a[:, None, 0] == b[None, :, 0]) & (a[:, None, 1] == b[None, :, 1])
        return _figures(length, travel, a_off[:, None], b_off[None, :], same, profile)

    def paths(self, pairs: Sequence[tuple[Point, Point]], profile: str, tolerance_m: float = SIMPLIFY_M) -> list[Leg]:
        """The fastest path of each ``(origin, destination)`` pair of ``(lat, lon)`` points for ``profile``.

        A leg's path runs from the origin exactly, straight to its snapped graph node, along the nodes of the
        fastest path, then from the destination's node straight to the destination exactly, simplified by
        :func:`geo.paths.simplify_path` at ``tolerance_m`` (``0`` keeps every node). ``distance_m`` and
        ``duration_s`` are what :meth:`legs` and :meth:`matrix` give the pair (a point to itself: the two points,
        0 m, 0 s). The unsimplified path's own length is ``distance_m`` (to the rounding of the matrix's metres and
        of each edge's to decimetres); simplifying at 2 m cuts a few metres off (at most 9 m on 2,000 legs of the
        Helsinki sample).
        One fastest-path tree is grown per distinct origin node. Raises ``ValueError`` for an unknown profile.
        """
        if not pairs:
            return []
        ends = np.asarray(pairs, dtype=float).reshape(-1, 2, 2)
        a, b = ends[:, 0], ends[:, 1]
        net = self.network(profile)
        a_nodes, a_off = net.snap(a[:, 0], a[:, 1])
        b_nodes, b_off = net.snap(b[:, 0], b[:, 1])
        sources, tree = np.unique(a_nodes, return_inverse=True)
        travel, length, before = net.fastest(sources, tree=True)
        same = (a == b).all(axis=1)
        distance, duration = _figures(length[tree, b_nodes], travel[tree, b_nodes], a_off, b_off, same, profile)
        legs = []
        for k in range(len(ends)):
            nodes = [] if same[k] else net.node_path(before[tree[k]], int(b_nodes[k]))
            full = np.vstack([a[k], np.column_stack([net.lat[nodes], net.lon[nodes]]), b[k]])
            path = tuple((lat, lon) for lat, lon in simplify_path(full, tolerance_m).tolist())
            legs.append(Leg(path, int(distance[k]), int(duration[k])))
        return legs

    def matrix(self, points: Sequence[Point], profiles: Sequence[str]) -> Matrix:
        """The road matrix between ``(lat, lon)`` points for each profile (``ValueError`` if unknown)."""
        xy = np.asarray(points, dtype=float).reshape(-1, 2)
        distances, durations = {}, {}
        for profile in profiles:
            distances[profile], durations[profile] = self._profile_matrix(xy, profile)
        return Matrix(distances, durations)
