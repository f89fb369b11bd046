"""A what-if scenario: the city, its sites and couriers, the day's orders and the policies, read from TOML.

The format is documented in ``docs/simulations.md``; every field has a default except the sites and couriers.
A scenario that is wrong fails when it is read, with a message naming the field
(``sites[2].capacity_units: Input should be greater than 0``). Clock times are ``"HH:MM"`` on the simulated day.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from routing.errors import InputError
from routing.limits import MAX_AMOUNT
from routing.problem_json import LatLon

__all__ = [
    "AreaSpec",
    "CityNetwork",
    "CourierGroup",
    "DemandSpec",
    "DispatchSpec",
    "NoiseSpec",
    "PromiseSpec",
    "Scenario",
    "SiteSpec",
    "clock_s",
    "load_scenario",
    "parse_scenario",
]


def clock_s(text: str) -> int:
    """Seconds after midnight of ``"HH:MM"`` (up to ``"30:00"`` for the small hours after a late shift).

    Examples
    --------
    >>> clock_s("08:30"), clock_s("24:00")
    (30600, 86400)
    """
    hours, sep, minutes = text.partition(":")
    if not (sep and hours.isdigit() and minutes.isdigit() and len(minutes) == 2):
        raise ValueError(f"{text!r} is not a clock time HH:MM")
    if int(hours) > 30 or int(minutes) > 59:
        raise ValueError(f"{text!r} is out of range (00:00 to 30:00)")
    return int(hours) * 3600 + int(minutes) * 60


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CityNetwork(_Spec):
    """The streets: the shipped central-Helsinki OSM extract (or another ``roads`` file), a synthetic grid, or the
    user's own travel ``matrix`` (a JSON or ``.npz`` file with its locations; each order goes to the nearest)."""

    network: Literal["helsinki", "grid", "matrix"] = "helsinki"
    roads: str | None = None
    matrix: str | None = None

    @model_validator(mode="after")
    def _one_source(self) -> CityNetwork:
        if (self.network == "matrix") != (self.matrix is not None):
            raise ValueError('matrix: give a matrix file exactly when network = "matrix"')
        if self.network != "helsinki" and self.roads is not None:
            raise ValueError('roads: a roads file is for network = "helsinki"')
        return self


class AreaSpec(_Spec):
    """A neighbourhood customers order from (each area gets the same share of the orders)."""

    name: str
    centre: LatLon
    radius_m: float = Field(strict=True, default=400.0, gt=0, le=20_000)


class DemandSpec(_Spec):
    """The day's orders: generated with ``history_days`` of history before it (for the forecast), or the last day
    of an order-line ``history`` CSV. Baskets, item weights and service times."""

    orders: int = Field(strict=True, default=600, ge=1, le=200_000)
    items: int = Field(strict=True, default=300, ge=10, le=20_000)
    history_days: int = Field(strict=True, default=56, ge=42, le=400)
    history: str | None = None
    basket_mean: float = Field(strict=True, default=3.0, ge=1, le=30)
    item_weight_g: int = Field(strict=True, default=600, ge=1, le=50_000)
    service_min: float = Field(strict=True, default=3.0, ge=0, le=60)
    failure_rate: float = Field(strict=True, default=0.01, ge=0, le=1)
    start: str = "08:00"
    end: str = "21:00"
    areas: tuple[AreaSpec, ...] = Field(min_length=1)

    @field_validator("start", "end")
    @classmethod
    def _clock(cls, value: str) -> str:
        clock_s(value)
        return value

    @model_validator(mode="after")
    def _order(self) -> DemandSpec:
        if clock_s(self.end) <= clock_s(self.start):
            raise ValueError(f"end {self.end} must be after start {self.start}")
        return self


class SiteSpec(_Spec):
    """A store (every item, ``days_of_cover`` days of expected demand) or a forward warehouse stocked by a policy:
    ``preposition`` (forecast and stocking plan from the history), ``top_n`` (last week's best-sellers) or
    ``none``; ``area`` is its catchment; ``zone_radius_m`` limits where it delivers."""

    id: str
    kind: Literal["store", "forward_warehouse"]
    location: LatLon
    stock: Literal["all", "preposition", "top_n", "none"] = "all"
    days_of_cover: float = Field(strict=True, default=3.0, gt=0, le=60)
    area: str | None = None
    capacity_units: int | None = Field(strict=True, default=None, gt=0, le=MAX_AMOUNT)
    zone_radius_m: float | None = Field(strict=True, default=None, gt=0, le=50_000)

    @model_validator(mode="after")
    def _policy(self) -> SiteSpec:
        stocked = self.kind == "forward_warehouse" and self.stock in ("preposition", "top_n")
        if stocked and (self.area is None or self.capacity_units is None):
            raise ValueError(f"stock = {self.stock!r} needs area and capacity_units")
        return self


class CourierGroup(_Spec):
    """``count`` couriers at ``site`` with one shift, vehicle and capacity."""

    site: str
    count: int = Field(strict=True, default=1, ge=1, le=1000)
    profile: Literal["bike", "car", "foot"] = "bike"
    shift: tuple[str, str] = ("08:00", "16:00")
    capacity_kg: float = Field(strict=True, default=25.0, gt=0, le=MAX_AMOUNT // 1000)
    capacity_items: int | None = Field(strict=True, default=None, gt=0, le=MAX_AMOUNT)

    @field_validator("shift")
    @classmethod
    def _shift(cls, value: tuple[str, str]) -> tuple[str, str]:
        if clock_s(value[1]) <= clock_s(value[0]):
            raise ValueError(f"ends at {value[1]}, not after it starts at {value[0]}")
        return value


class PromiseSpec(_Spec):
    """The promise policy: windows offered, picking time, and the share of customers taking the earliest slot
    (the others take the first regular window)."""

    slot_min: int = Field(strict=True, default=60, ge=5, le=600)
    step_min: int = Field(strict=True, default=30, ge=5, le=600)
    horizon_h: float = Field(strict=True, default=4.0, gt=0, le=24)
    prep_min: int = Field(strict=True, default=10, ge=0, le=240)
    asap_share: float = Field(strict=True, default=0.6, ge=0, le=1)


class DispatchSpec(_Spec):
    """How accepted orders reach couriers: ``insert`` each at once, ``replan`` the day every
    ``replan_every_min``, or both. Re-plans stop after ``replan_solutions`` solutions (repeatable) or
    ``replan_time_limit_s``, whichever comes first. ``policy`` decides when a loaded trip leaves
    (:mod:`scheduling.dispatch`): ``greedy`` when ready, ``lazy`` at the latest safe time, ``look-ahead`` waiting
    ``lookahead_step_min`` at a time while a new order near the site is at least ``lookahead_chance`` likely."""

    mode: Literal["insert", "replan", "insert+replan"] = "insert+replan"
    policy: Literal["greedy", "lazy", "look-ahead"] = "greedy"
    lookahead_step_min: int = Field(strict=True, default=5, ge=1, le=120)
    lookahead_chance: float = Field(strict=True, default=0.5, gt=0, le=1)
    replan_every_min: int = Field(strict=True, default=5, ge=1, le=720)
    replan_solutions: int = Field(strict=True, default=60, ge=1, le=100_000)
    replan_time_limit_s: float = Field(strict=True, default=5.0, gt=0, le=3600)


class NoiseSpec(_Spec):
    """Coefficients of variation of travel and service times around the plan's (lognormal, mean 1)."""

    travel_cv: float = Field(strict=True, default=0.15, ge=0, le=2)
    service_cv: float = Field(strict=True, default=0.3, ge=0, le=2)


class Scenario(_Spec):
    """A whole what-if day: city, sites, couriers, demand, policies, noise and the seed."""

    name: str
    seed: int = Field(strict=True, default=0, ge=0, le=2**31 - 1)
    city: CityNetwork = CityNetwork()
    demand: DemandSpec
    sites: tuple[SiteSpec, ...] = Field(min_length=1)
    couriers: tuple[CourierGroup, ...] = Field(min_length=1)
    promise: PromiseSpec = PromiseSpec()
    dispatch: DispatchSpec = DispatchSpec()
    noise: NoiseSpec = NoiseSpec()
    eta_every_min: int = Field(strict=True, default=1, ge=1, le=60)
    base_dir: str = "."

    @model_validator(mode="after")
    def _references(self) -> Scenario:
        ids = [s.id for s in self.sites]
        if len(set(ids)) != len(ids):
            raise ValueError("sites: ids must be unique")
        areas = {a.name for a in self.demand.areas}
        for k, site in enumerate(self.sites):
            if site.area is not None and site.area not in areas:
                raise ValueError(f"sites[{k}].area: no demand area named {site.area!r}")
        for k, group in enumerate(self.couriers):
            if group.site not in ids:
                raise ValueError(f"couriers[{k}].site: no site named {group.site!r}")
        return self

    def path(self, name: str) -> Path:
        """A file named in the scenario, relative to the scenario file's folder."""
        return Path(self.base_dir) / name


def _where(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def parse_scenario(data: dict[str, object], base_dir: Path, source: str = "scenario") -> Scenario:
    """Validate a scenario given as a dict (as read from TOML); ``InputError`` naming the first bad field."""
    try:
        return Scenario.model_validate({**data, "base_dir": str(base_dir)})
    except ValidationError as exc:
        first = exc.errors()[0]
        where = _where(tuple(p for p in first["loc"] if p not in ("function-after",)))
        message = first["msg"].removeprefix("Value error, ")
        raise InputError(f"{source}: {where + ': ' if where else ''}{message}") from None


def load_scenario(path: Path) -> Scenario:
    """Read and validate a scenario TOML file; ``InputError`` naming the file and the field when it is wrong."""
    try:
        data = tomllib.loads(path.read_text())
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror})") from None
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{path}: not valid TOML ({exc})") from None
    return parse_scenario(data, path.resolve().parent, str(path))
