"""The live plan in Redis: one hash (problem, plan, courier states, time) with a version; each process keeps the
version it last read in memory (with its travel matrix and promise desk) and reloads only when the version moved.
Changes are made under a Redis lock and written in one transaction with whatever else they touch."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime
from typing import Any

from redis import Redis
from redis.client import Pipeline

from api.codec import ProblemWriter, dump_plan, dump_states, load_plan, load_problem_text, load_states
from api.holds import RedisHolds
from api.store import KEYS, Registry
from geo import LegProvider
from routing import Plan, Problem, parse_problem
from routing.errors import Conflict
from routing.plan import SolveStats
from routing.problem_json import problem_to_json
from scheduling import LivePlan, PromiseDesk, PromisePolicy

__all__ = ["LiveStore"]

LIVE = "lm:live"
LIVE_VERSION = "lm:live:version"
REGISTRY_VERSION = "lm:registry:version"
LOCK = "lm:live:lock"
DESK_MAX_AGE_S = 30
"""A promise asked later than this after the live plan's time gets its insertion places built again at its time."""


def _empty_plan() -> Plan:
    return Plan((), (), SolveStats(0.0, 0, 0, "EMPTY"))


def merge_registry(problem: Problem, sites: list[dict[str, Any]], couriers: list[dict[str, Any]]) -> Problem:
    """The live problem with the registry's current stock, opening and zone of its sites (their location and the
    set of sites stay: matrix nodes must not move) and its couriers updated or appended (indices kept)."""
    spec = problem_to_json(problem)
    by_id = {s["id"]: s for s in sites}
    for site in spec["sites"]:
        if site["id"] in by_id:
            new = by_id[site["id"]]
            site.update({k: new[k] for k in ("stock", "opening") if k in new})
            site.pop("zone", None)
            if new.get("zone"):
                site["zone"] = new["zone"]
    known = {s["id"] for s in spec["sites"]}
    index = {c["id"]: k for k, c in enumerate(spec["couriers"])}
    for courier in couriers:
        if courier["site"] not in known or courier.get("end_site", courier["site"]) not in known:
            continue
        if courier["id"] in index:
            spec["couriers"][index[courier["id"]]] = courier
        else:
            spec["couriers"].append(courier)
    return parse_problem(spec, check_horizon=False)  # the registry was checked as a whole when it changed


class LiveStore:
    """Reads and writes the live plan; caches it (and a promise desk on it) per version in this process."""

    def __init__(self, redis: Redis, registry: Registry, provider: LegProvider, policy: PromisePolicy) -> None:
        self.redis, self.registry, self.provider, self.policy = redis, registry, provider, policy
        self._cached: tuple[tuple[int, int], LivePlan] | None = None
        self._desk: tuple[tuple[int, int], PromiseDesk] | None = None
        self._writer = ProblemWriter()

    def version(self) -> int:
        """The live plan's version (0 before any)."""
        return int(self.redis.get(LIVE_VERSION) or 0)

    def _versions(self) -> tuple[int, int]:
        live, registry = self.redis.mget(LIVE_VERSION, REGISTRY_VERSION)
        return int(live or 0), int(registry or 0)

    def _matrix_for(self, problem: Problem) -> Any:
        return self.provider.matrix(problem.locations(), sorted({c.profile for c in problem.couriers}))

    def _read(self) -> LivePlan:
        fields: dict[bytes, bytes] = self.redis.hgetall(LIVE)  # type: ignore[assignment]
        if not fields:
            problem = self.registry.problem(open_only=True)
            problem = replace(problem, orders=())
            return LivePlan(problem, self._matrix_for(problem), _empty_plan(), self.clock(problem))
        problem = load_problem_text(fields[b"problem"])
        return LivePlan(
            problem,
            self._matrix_for(problem),
            load_plan(fields[b"plan"]),
            int(fields[b"now_s"]),
            load_states(fields[b"states"]),
        )

    def exists(self) -> bool:
        """True once a plan has become live."""
        return bool(self.redis.exists(LIVE))

    def current(self) -> LivePlan:
        """The live plan (or, before any plan, an empty one on the registered sites and couriers), at now."""
        versions = self._versions()
        if self._cached is None or self._cached[0] != versions:
            if not self.redis.hlen(KEYS.sites) and not self.exists():
                raise Conflict("live plan: register sites and couriers first")
            self._cached = (versions, self._read())
        live = self._cached[1]
        return live.at(self.clock(live.problem))

    @property
    def versions(self) -> tuple[int, int]:
        """The live plan's and the registry's versions as last read by :meth:`current`."""
        return self._cached[0] if self._cached else (0, 0)

    def desk(self) -> PromiseDesk:
        """A promise desk on the current live plan (offers held in Redis)."""
        live = self.current()
        versions = self.versions
        if self._desk is None or self._desk[0] != versions:
            holds = RedisHolds(self.redis, live.problem)
            self._desk = (versions, PromiseDesk(live, self.provider, self.policy, holds, max_age_s=DESK_MAX_AGE_S))
        return self._desk[1]

    @staticmethod
    def clock(problem: Problem) -> int:
        """Now, in seconds from the problem's epoch."""
        if problem.epoch is None:
            return int(time.time())
        return int((datetime.now(problem.epoch.tzinfo) - problem.epoch).total_seconds())

    @contextmanager
    def lock(self) -> Iterator[None]:
        """Hold the live plan's lock (one writer at a time, across processes); a waiter retries every 2 ms (the
        client's default 100 ms would add up to that to every confirmation that meets another)."""
        with self.redis.lock(LOCK, timeout=60, sleep=0.002, blocking_timeout=30):
            yield

    def commit(self, live: LivePlan, pipe: Pipeline) -> None:
        """Write ``live`` (with whatever ``pipe`` already holds) in one transaction; call under :meth:`lock`."""
        pipe.hset(
            LIVE,
            mapping={
                "problem": self._writer.dump(live.problem),
                "plan": dump_plan(live.plan),
                "states": dump_states(dict(live.states)),
                "now_s": live.now_s,
            },
        )
        pipe.incr(LIVE_VERSION)
        pipe.get(REGISTRY_VERSION)
        results = pipe.execute()
        versions = (int(results[-2]), int(results[-1] or 0))
        self._cached = (versions, live)
        if self._desk is not None and self._desk[1].live is live:
            self._desk = (versions, self._desk[1])

    def register(self, key: str, item_id: str, data: str) -> bool:
        """Store a site or courier (``key``: its registry hash) and carry it into the live plan; True when new.
        Raises ``InputError``, storing nothing, when the registry with it would not read as one problem."""
        self.registry.check_with(key, item_id, json.loads(data))
        pipe = self.redis.pipeline()
        pipe.hset(key, item_id, data)
        pipe.incr(REGISTRY_VERSION)
        created = bool(pipe.execute()[0])
        self.apply_registry()
        return created

    def apply_registry(self) -> None:
        """Carry the registry's sites (stock, opening, zone) and couriers into the live plan, if there is one."""
        if not self.exists():
            return
        with self.lock():
            live = self.current()
            problem = merge_registry(live.problem, self.registry.all(KEYS.sites), self.registry.couriers())
            self.commit(replace(live, problem=problem, matrix=self._matrix_for(problem)), self.redis.pipeline())
