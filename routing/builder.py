"""A problem built call by call, in the style of PyVRP's ``Model``: nobody manages indices.

:meth:`Model.add_site` returns a :class:`SiteRef`, which :meth:`Model.add_courier` and :meth:`Model.add_order`
take as ``site=``; each handle knows the model that made it, and one from another model is an ``InputError``.
:meth:`Model.problem` gives the frozen :class:`~routing.model.Problem` (the same one a caller could build by hand),
:meth:`Model.solve` solves it and returns a :class:`Result`: problem, matrix and plan, with :meth:`Result.cost`,
:meth:`Result.is_feasible`, :attr:`Result.summary` and a text of the plan for a person (``str(result)``).

**Times.** Wherever the builder takes a time (a site's ``opening``, a courier's ``shift``, an order's ``windows``
and ``ready``) it is either an integer, seconds from the model's epoch as everywhere inside, or an aware
``datetime``, which needs ``Model(epoch=...)`` and becomes whole seconds from it. A window is a
:class:`~routing.model.Window` or a ``(start, end)`` pair. Domain objects passed as they are (``Break``,
``Pickup``, ``Picking``, ``Capacity``, ``Window``) are in seconds already: :meth:`Model.seconds` converts a
``datetime`` for them.

**Errors.** Each ``add_*`` builds and validates its object at once, so a wrong value fails at the call that gave
it, with an ``InputError`` naming the field as the problem format does (``orders[2].windows[0]: end 3600 s before
start 7200 s``); an index in a path is the object's position in its kind (the handle's ``index``).
"""

from __future__ import annotations

import operator
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import TypeVar, cast

from geo.matrix import Matrix, MatrixProvider, Point
from geo.zones import zone_polygon
from routing.errors import InputError
from routing.limits import HORIZON_S, ID_PATTERN
from routing.model import PROFILES, Break, Capacity, Courier, Order, Picking, Pickup, Problem, Site, SiteKind, Window
from routing.params import SolveParams, StopAfter
from routing.phases import Progress
from routing.result import Result
from routing.solve import solve

__all__ = ["CourierRef", "Model", "OrderRef", "SiteRef", "Span", "Time"]

Time = int | datetime
"""Seconds from the model's epoch, or an aware ``datetime`` (with ``Model(epoch=...)``)."""
Span = Window | tuple[Time, Time]
"""A time window: a :class:`~routing.model.Window`, or a ``(start, end)`` pair of :data:`Time`."""


@dataclass(frozen=True)
class _Ref:
    id: str
    index: int
    owner: object = field(repr=False)


class SiteRef(_Ref):
    """A site of a :class:`Model`: its id and its index in ``Problem.sites`` (``Route.site``)."""


class CourierRef(_Ref):
    """A courier of a :class:`Model`: its id and its index in ``Problem.couriers`` (``Route.courier``)."""


class OrderRef(_Ref):
    """An order of a :class:`Model`: its id and its index in ``Problem.orders`` (``Stop.order``,
    ``Unassigned.order``)."""


R = TypeVar("R", bound=_Ref)


@contextmanager
def _field(where: str) -> Iterator[None]:
    """Put the path ``where`` in front of an ``InputError`` raised inside: ``where.field: …`` for a message that
    names a field, ``where: …`` for one that does not."""
    try:
        yield
    except InputError as exc:
        message = str(exc)
        head, sep, _ = message.partition(": ")
        raise InputError(f"{where}.{message}" if sep and " " not in head else f"{where}: {message}") from None


def _point(location: Sequence[float]) -> Point:
    """A location as the model keeps it, a tuple (a list or an array is taken too; the domain checks its size)."""
    return cast(Point, tuple(location))


def _check_id(id: str, taken: Sequence[Site | Courier | Order], where: str) -> None:
    """Raise ``InputError`` for an id outside the problem format's alphabet or one ``taken`` already."""
    if not isinstance(id, str) or re.fullmatch(ID_PATTERN, id) is None:
        raise InputError(f"{where}.id: letters, digits and . _ : @ + - (not first), at most 128 characters, got {id!r}")
    if any(o.id == id for o in taken):
        raise InputError(f"{where}.id: repeated id {id!r}")


def _names(names: Iterable[str], where: str) -> frozenset[str]:
    """Skill names as a set; one string alone is an error (it is not a set of its letters)."""
    if isinstance(names, str):
        raise InputError(f"{where}: a collection of names, not one string ({names!r})")
    return frozenset(names)


class Model:
    """A problem under construction: ``add_site``, ``add_courier``, ``add_order``, then ``problem()`` or ``solve()``.

    ``epoch`` (an aware ``datetime``) is the moment time 0 stands for; without it times are plain seconds and
    ``datetime`` values are refused. ``name`` names the problem. Raises ``InputError`` for a naive ``epoch``.
    """

    def __init__(self, *, name: str = "problem", epoch: datetime | None = None) -> None:
        if epoch is not None and epoch.utcoffset() is None:
            raise InputError("epoch: must have a time zone (a UTC offset)")
        self.name, self.epoch = name, epoch
        self._sites: list[Site] = []
        self._couriers: list[Courier] = []
        self._orders: list[Order] = []
        self._owner = object()  # what this model's handles carry

    def seconds(self, at: Time, where: str = "time") -> int:
        """``at`` as whole seconds from the epoch (an integer is taken as it is); raises ``InputError`` naming
        ``where`` for a ``datetime`` without an epoch or a time zone, another type, or a time more than
        :data:`~routing.limits.HORIZON_S` from the epoch."""
        if isinstance(at, datetime):
            if self.epoch is None or at.utcoffset() is None:
                raise InputError(f"{where}: a datetime needs Model(epoch=...) and a time zone, got {at}")
            seconds = int((at - self.epoch).total_seconds())
        else:
            try:
                seconds = operator.index(at)
            except TypeError:
                raise InputError(f"{where}: must be whole seconds or a datetime, got {at!r}") from None
        if abs(seconds) > HORIZON_S:
            raise InputError(f"{where}: more than {HORIZON_S // 86400} days from the epoch")
        return seconds

    def _window(self, span: Span, where: str) -> Window:
        if isinstance(span, Window):
            return span
        if not isinstance(span, tuple | list) or len(span) != 2:
            raise InputError(f"{where}: must be a Window or a (start, end) pair, got {span!r}")
        start, end = self.seconds(span[0], f"{where}.start"), self.seconds(span[1], f"{where}.end")
        with _field(where):
            return Window(start, end)

    def _windows(self, spans: Span | Sequence[Span], where: str) -> tuple[Window, ...]:
        """One window (a ``Window`` or a pair of times) or a sequence of them."""
        one = isinstance(spans, Window) or (
            isinstance(spans, tuple | list) and len(spans) == 2 and not isinstance(spans[0], Window | tuple | list)
        )
        many = cast(Sequence[Span], [spans] if one else spans)
        return tuple(self._window(span, f"{where}[{k}]") for k, span in enumerate(many))

    def _ref(self, ref: object, kind: type[R], where: str) -> int:
        if not isinstance(ref, kind) or ref.owner is not self._owner:
            raise InputError(f"{where}: {ref!r} is not a {kind.__name__} of this model")
        return ref.index

    def add_site(
        self,
        id: str,
        location: Sequence[float],
        *,
        opening: Span,
        kind: SiteKind = "store",
        stock: Mapping[str, int] | None = None,
        zone: Sequence[Sequence[float]] | None = None,
        reload_s: int = 0,
        picking: Picking | None = None,
    ) -> SiteRef:
        """Add a store (``kind="store"``) or a forward warehouse at ``location`` (lat, lon), open ``opening``,
        with ``stock`` (item -> units), the ``zone`` polygon it serves, ``reload_s`` per courier return and its
        ``picking`` capacity (:class:`~routing.model.Site`). Returns its handle; raises ``InputError`` naming the
        field (``sites[k].…``)."""
        where = f"sites[{len(self._sites)}]"
        _check_id(id, self._sites, where)
        window = self._window(opening, f"{where}.opening")
        vertices = None if zone is None else tuple(_point(p) for p in zone)
        with _field(where):
            site = Site(id, kind, _point(location), window, dict(stock or {}), vertices, reload_s, picking)
        if vertices is not None:
            try:
                zone_polygon(vertices)
            except ValueError as exc:
                raise InputError(f"{where}.{exc}") from None
        self._sites.append(site)
        return SiteRef(id, len(self._sites) - 1, self._owner)

    def add_courier(
        self,
        id: str,
        *,
        site: SiteRef,
        shift: Span,
        profile: str = PROFILES[0],
        capacity_g: int | None = None,
        capacity: Capacity | None = None,
        skills: Iterable[str] = (),
        fixed_cost: int = 0,
        end_site: SiteRef | None = None,
        max_trips: int | None = None,
        max_duration_s: int | None = None,
        max_distance_m: int | None = None,
        breaks: Sequence[Break] = (),
    ) -> CourierRef:
        """Add a courier based at ``site`` (a handle of this model), working ``shift``, travelling as ``profile``,
        carrying ``capacity_g`` grams or a full ``capacity`` (exactly one of the two), with the rest as
        :class:`~routing.model.Courier` has them (``end_site`` a handle too; ``max_trips=None``: as many trips as
        fit). Returns its handle; raises ``InputError`` naming the field (``couriers[k].…``)."""
        where = f"couriers[{len(self._couriers)}]"
        _check_id(id, self._couriers, where)
        home = self._ref(site, SiteRef, f"{where}.site")
        end = None if end_site is None else self._ref(end_site, SiteRef, f"{where}.end_site")
        window = self._window(shift, f"{where}.shift")
        if (capacity is None) == (capacity_g is None):
            raise InputError(f"{where}.capacity: give capacity_g or capacity, exactly one")
        if capacity is None:
            with _field(f"{where}.capacity"):
                capacity = Capacity(cast(int, capacity_g))
        crafts = _names(skills, f"{where}.skills")
        with _field(where):
            courier = Courier(
                id,
                home,
                window,
                profile,
                capacity,
                crafts,
                fixed_cost,
                end,
                max_trips,
                max_duration_s,
                max_distance_m,
                tuple(breaks),
            )
        self._couriers.append(courier)
        return CourierRef(id, len(self._couriers) - 1, self._owner)

    def add_order(
        self,
        id: str,
        location: Sequence[float],
        *,
        windows: Span | Sequence[Span],
        items: Mapping[str, int] | None = None,
        weight_g: int = 0,
        volume_cm3: int = 0,
        service_s: int = 0,
        skills: Iterable[str] = (),
        priority: int = 0,
        site: SiteRef | None = None,
        pickup: Pickup | None = None,
        ready: Time | None = None,
    ) -> OrderRef:
        """Add an order delivered at ``location`` within ``windows`` (one window or a sequence of them), of
        ``items`` from a site's stock (or collected at ``pickup``), served from ``site`` if given (a handle of
        this model), not leaving before ``ready``; the rest as :class:`~routing.model.Order` has them. Returns
        its handle; raises ``InputError`` naming the field (``orders[k].…``)."""
        where = f"orders[{len(self._orders)}]"
        _check_id(id, self._orders, where)
        spans = self._windows(windows, f"{where}.windows")
        forced = None if site is None else self._ref(site, SiteRef, f"{where}.site")
        ready_s = None if ready is None else self.seconds(ready, f"{where}.ready")
        needs = _names(skills, f"{where}.skills")
        with _field(where):
            order = Order(
                id,
                _point(location),
                spans,
                dict(items or {}),
                weight_g,
                volume_cm3,
                service_s,
                needs,
                priority,
                forced,
                pickup,
                ready_s,
            )
        self._orders.append(order)
        return OrderRef(id, len(self._orders) - 1, self._owner)

    def problem(self) -> Problem:
        """The frozen, validated problem of everything added so far (a new one each call; the model can grow on).
        Raises ``InputError`` for a model without a site or a pickup-and-delivery order with stock items or a
        ready time."""
        return Problem(tuple(self._sites), tuple(self._couriers), tuple(self._orders), self.name, self.epoch)

    def solve(
        self,
        travel: MatrixProvider | Matrix,
        *,
        stop: StopAfter | None = None,
        seed: int = 0,
        params: SolveParams | None = None,
        progress: Progress | None = None,
    ) -> Result:
        """Solve :meth:`problem` on ``travel``: a :class:`~geo.matrix.Matrix` of the problem's locations (in the
        order of :meth:`~routing.model.Problem.locations`), or a provider that builds it for the couriers'
        profiles first (not counted in the budget). ``stop`` replaces the stopping fields of ``params`` (default
        :class:`~routing.params.SolveParams`); ``seed`` and ``progress`` as :func:`routing.solve.solve` takes them.
        Returns a :class:`Result`; raises ``InputError`` as ``problem()`` does, or for a matrix that does not fit.
        """
        problem = self.problem()
        if isinstance(travel, Matrix):
            matrix = travel
        else:
            profiles = sorted({c.profile for c in problem.couriers}) or [PROFILES[0]]
            matrix = travel.matrix(problem.locations(), profiles)
        plan = solve(problem, matrix, params=params or SolveParams(), seed=seed, progress=progress, stop=stop)
        return Result(problem, matrix, plan)
