"""A user's own travel matrices: in the problem (``matrices``, with ``location_index`` per node or the node order)
or in a file beside it (``lastmile solve --matrix FILE``, JSON or ``.npz``), validated into a ``geo.MatrixTable``.

Values are seconds and metres, non-negative and finite; ``null`` in JSON (``inf`` in ``.npz``) means no route.
Without ``distances`` a profile's distance is its duration at the profile's speed (``geo.SPEED_KPH``), so the
solver's objective is proportional to time.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import breadth_first_order

from geo.files import read_json
from geo.matrix import Matrix, Point
from geo.profiles import speed_kph
from geo.table import NO_ROUTE_M, NO_ROUTE_S, MatrixTable
from routing.errors import InputError
from routing.json_fields import LatLon, validated
from routing.limits import HORIZON_S, MAX_COURIERS, MAX_LEG_M, MAX_ORDERS
from routing.model import Problem

__all__ = ["MAX_NODES", "MatrixFileSpec", "MatrixSpec", "Profile", "load_matrix_file", "table_for"]

Profile = Literal["bike", "car", "foot"]
MAX_NODES = MAX_COURIERS + 2 * MAX_ORDERS
_Row = Annotated[list[Annotated[float, Field(strict=True, allow_inf_nan=False)] | None], Field(max_length=MAX_NODES)]
_LIMIT = {"durations": HORIZON_S, "distances": MAX_LEG_M}


class MatrixSpec(BaseModel):
    """One vehicle profile's travel matrix: square, rows and columns in the node order (or by ``location_index``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    durations: list[_Row] = Field(
        max_length=MAX_NODES, description="seconds from row to column; null: no route (one-way streets are fine)"
    )
    distances: list[_Row] | None = Field(
        default=None, max_length=MAX_NODES, description="metres (default: the duration at the profile's speed)"
    )


class MatrixFileSpec(BaseModel):
    """A ``--matrix`` JSON file: the matrices and, optionally, the location of each row (default: the problem's
    nodes in order — sites, orders, pickups)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    locations: list[LatLon] | None = Field(default=None, max_length=MAX_NODES)
    matrices: dict[Profile, MatrixSpec] = Field(min_length=1)


def _floats(rows: list[list[float | None]], where: str) -> np.ndarray:
    """Nested rows as a float array, ``null`` as ``inf``; raise ``InputError`` when it is not square."""
    n = len(rows)
    for i, row in enumerate(rows):
        if len(row) != n:
            raise InputError(f"{where}[{i}]: {len(row)} values in a matrix of {n} rows (it must be square)")
    values = np.array(rows, dtype=float).reshape(n, n)  # null becomes NaN here: JSON's own NaN was refused already
    values[np.isnan(values)] = np.inf
    return values


def _arrays(
    matrices: Mapping[Profile, MatrixSpec], where: str
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray | None]]:
    """The float arrays of JSON matrices: durations and (maybe) distances per profile."""
    durations: dict[str, np.ndarray] = {p: _floats(m.durations, f"{where}.{p}.durations") for p, m in matrices.items()}
    distances: dict[str, np.ndarray | None] = {
        p: None if m.distances is None else _floats(m.distances, f"{where}.{p}.distances") for p, m in matrices.items()
    }
    return durations, distances


def _checked(values: np.ndarray, where: str, kind: str, size: int) -> np.ndarray:
    """The int64 array of a validated float array (``inf`` becomes the no-route value)."""
    if values.ndim != 2 or values.shape[0] != values.shape[1]:
        raise InputError(f"{where}: must be a square matrix, got shape {values.shape}")
    if values.shape[0] != size:
        raise InputError(f"{where}: {values.shape[0]} rows, but there are {size} locations")
    for bad, what in ((np.isnan(values), "not a number"), (values < 0, "negative")):
        if bad.any():
            i, j = (int(x) for x in np.argwhere(bad)[0])
            raise InputError(f"{where}[{i}][{j}]: {what}")
    too_far = np.isfinite(values) & (values > _LIMIT[kind])
    if too_far.any():
        i, j = (int(x) for x in np.argwhere(too_far)[0])
        raise InputError(f"{where}[{i}][{j}]: {values[i, j]:g} is more than {_LIMIT[kind]:,}")
    no_route = NO_ROUTE_S if kind == "durations" else NO_ROUTE_M
    return np.where(np.isfinite(values), np.rint(values), no_route).astype(np.int64)


def _table(
    durations: Mapping[str, np.ndarray],
    distances: Mapping[str, np.ndarray | None],
    points: Sequence[Point | None],
    where: str,
) -> MatrixTable:
    """Validate float arrays per profile into a table over ``points``."""
    time_s, length_m = {}, {}
    for profile, values in durations.items():
        time_s[profile] = _checked(values, f"{where}.{profile}.durations", "durations", len(points))
        given = distances.get(profile)
        if given is None:
            metres = np.rint(time_s[profile] * (speed_kph(profile) / 3.6)).astype(np.int64)
            length_m[profile] = np.where(time_s[profile] == NO_ROUTE_S, NO_ROUTE_M, np.minimum(metres, MAX_LEG_M))
        else:
            length_m[profile] = _checked(given, f"{where}.{profile}.distances", "distances", len(points))
    try:
        return MatrixTable(points, Matrix(length_m, time_s))
    except ValueError as exc:
        raise InputError(f"{where}: {str(exc).removeprefix('matrix: ')}") from None


def _check_covers(table: MatrixTable, problem: Problem, where: str) -> None:
    """Every courier's profile has a matrix, and every order can be reached from a courier's site and back to
    where it ends, directly or through other nodes (``null`` entries are no road)."""
    for c, courier in enumerate(problem.couriers):
        if courier.profile not in table.profiles:
            raise InputError(f"{where}: no {courier.profile!r} matrix, which couriers[{c}] ({courier.id}) rides")
    if not problem.couriers:
        return
    rows = table.rows(problem.locations())
    reached = np.zeros(len(rows), dtype=bool)
    for profile in {c.profile for c in problem.couriers}:
        roads = csr_matrix(table.table.duration_s[profile][np.ix_(rows, rows)] < NO_ROUTE_S)
        for site, end in {(c.site, c.last_site) for c in problem.couriers if c.profile == profile}:
            out = np.zeros(len(rows), dtype=bool)
            out[breadth_first_order(roads, site, return_predecessors=False)] = True
            back = np.zeros(len(rows), dtype=bool)
            back[breadth_first_order(roads.T, end, return_predecessors=False)] = True
            reached |= out & back
    for o, order in enumerate(problem.orders):
        nodes = [problem.delivery_node(o), *([problem.pickup_node[o]] if order.pickup else [])]
        if not reached[nodes].all():
            raise InputError(f"{where}: orders[{o}] ({order.id}) cannot be reached from any courier's site and back")


def table_for(
    matrices: Mapping[Profile, MatrixSpec], points: Sequence[Point | None], problem: Problem, where: str = "matrices"
) -> MatrixTable:
    """The validated table of a problem's ``matrices`` (``points[k]``: the location of row ``k``); raise
    ``InputError`` naming the field for a wrong size, a negative or missing value, a missing profile or an order
    no courier can reach."""
    table = _table(*_arrays(matrices, where), points, where)
    _check_covers(table, problem, where)
    return table


def load_matrix_file(path: Path, problem: Problem | None = None, where: str = "--matrix") -> MatrixTable:
    """Read a matrix file for ``problem``: JSON as :class:`MatrixFileSpec`, or ``.npz`` with arrays
    ``{profile}_durations`` (and optionally ``{profile}_distances``, ``locations`` as n × 2 lat, lon); ``inf`` is no
    route. Without ``problem`` (the service's matrix) the file must list its locations. Raise ``InputError`` naming
    the file's field (prefixed ``where``) when it is wrong or does not cover the problem."""
    if path.suffix == ".npz":
        durations, distances, locations = _read_npz(path)
    else:
        spec = validated(MatrixFileSpec, read_json(path), prefix=where)
        durations, distances = _arrays(spec.matrices, where)
        locations = None if spec.locations is None else [(lat, lon) for lat, lon in spec.locations]
    if locations is None:
        if problem is None:
            raise InputError(f"{where}.locations: the file must list the location of each row")
        locations = problem.locations()
    table = _table(durations, distances, locations, where)
    if problem is not None:
        _check_covers(table, problem, where)
    return table


def _read_npz(path: Path) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray | None], list[Point] | None]:
    """The arrays of a ``.npz`` matrix file by profile, and its locations if it has them."""
    try:
        with np.load(path, allow_pickle=False) as data:
            arrays: dict[str, Any] = {name: np.asarray(data[name], dtype=float) for name in data.files}
    except (OSError, ValueError) as exc:
        raise InputError(f"--matrix: cannot read {path} ({exc})") from None
    known = {f"{p}_{kind}" for p in ("bike", "car", "foot") for kind in ("durations", "distances")} | {"locations"}
    unknown = sorted(set(arrays) - known)
    if unknown:
        raise InputError(f"--matrix: unknown array {unknown[0]!r} in {path} (known: {', '.join(sorted(known))})")
    durations = {n.removesuffix("_durations"): a for n, a in arrays.items() if n.endswith("_durations")}
    if not durations:
        raise InputError(f"--matrix: {path} has no '<profile>_durations' array")
    orphans = sorted(n for n in arrays if n.endswith("_distances") and n.removesuffix("_distances") not in durations)
    if orphans:
        raise InputError(f"--matrix: {orphans[0]!r} in {path} has no durations beside it")
    distances: dict[str, np.ndarray | None] = {p: arrays.get(f"{p}_distances") for p in durations}
    locations = arrays.get("locations")
    if locations is not None and (locations.ndim != 2 or locations.shape[1] != 2):
        raise InputError(f"--matrix.locations: must be n × 2 (lat, lon), got shape {locations.shape}")
    if locations is not None and not (np.all(np.abs(locations[:, 0]) <= 90) and np.all(np.abs(locations[:, 1]) <= 180)):
        raise InputError("--matrix.locations: latitudes must lie within ±90 and longitudes within ±180 degrees")
    points = None if locations is None else [(float(a), float(b)) for a, b in locations]
    return durations, distances, points
