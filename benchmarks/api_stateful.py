"""Stateful fuzzing of the live API: odd-but-valid writes, then reads, promises and plans, on a real Redis.

Single-request fuzzing (:mod:`benchmarks.api_fuzz`) cannot see a value that is accepted and breaks a *later*
request. This hypothesis state machine registers a small world, then interleaves writes with extreme but allowed
values (weights and stock up to the format's bounds, priorities, far-away addresses and windows days ahead, zones
of random vertices, pings near now, promises and confirmations) with the reads that use them (orders, tracking,
assignments, the live plan) and plan jobs run by an in-process RQ worker. The target: no answer ≥ 500 and every
plan job finished.

``python -m benchmarks.api_stateful [--examples 30] [--steps 25] [--out benchmarks/results/api_stateful.md]``
"""

from __future__ import annotations

import argparse
import os
import random
import secrets
import tempfile
from collections import Counter
from collections.abc import Callable
from contextlib import ExitStack
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test
from redis import Redis
from rq import Queue, SimpleWorker

from benchmarks.api_load import ITEMS, SITES, api_service, redis_service, register_world
from benchmarks.environment import write_results
from routing.limits import ID_PATTERN, MAX_AMOUNT, MAX_FIXED_COST, MAX_PRIORITY

__all__ = ["Tally", "api_machine", "main", "run"]

ClientFactory = Callable[[], Any]  # an httpx.Client with the dispatcher key, or Starlette's TestClient (httpx2)
ids = st.from_regex(ID_PATTERN, fullmatch=True).filter(lambda s: len(s) <= 40)
amounts = st.integers(0, MAX_AMOUNT) | st.integers(0, 10**30)  # mostly allowed, some far over the bound
latitudes, longitudes = st.floats(-90, 90), st.floats(-180, 180)
points = st.tuples(latitudes, longitudes)
Point = tuple[float, float]
priorities = st.integers(0, MAX_PRIORITY) | st.integers(0, 10**25)
ping_ages = st.integers(-20, 2000) | st.integers(-(10**6), 10**6)  # minutes: mostly recent, some years off
minutes = st.integers(-180, 20 * 24 * 60)  # from now: mostly within the problem's 14-day horizon, some beyond


class Tally:
    """Answers seen by status, server errors with their request, and plan jobs by outcome."""

    def __init__(self) -> None:
        self.statuses: Counter[int] = Counter()
        self.server_errors: list[str] = []
        self.jobs: Counter[str] = Counter()

    def see(self, response: Any) -> Any:
        """Count an answer; remember it when it is a server error."""
        self.statuses[response.status_code] += 1
        if response.status_code >= 500:
            request = response.request
            self.server_errors.append(f"{request.method} {request.url.path} {request.content[:300]!r}: {response.text}")
        return response


def _at(offset_min: float) -> str:
    return (datetime.now().astimezone() + timedelta(minutes=offset_min)).isoformat()


def api_machine(connect: ClientFactory, redis_url: str, tally: Tally) -> type[RuleBasedStateMachine]:
    """A state machine class whose every example starts from an empty Redis and a fresh client (``connect()``:
    an ``httpx.Client`` with the dispatcher key, e.g. a ``TestClient`` on a new app)."""

    class ApiMachine(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            Redis.from_url(redis_url).flushall()
            self.client = connect()
            self.world = register_world(self.client, couriers=4, orders=6, rng=random.Random(0))
            self.orders = [f"order-{k:03d}" for k in range(6)]
            self.offers: list[str] = []

        def send(self, method: str, url: str, body: Any = None) -> Any:
            return tally.see(self.client.request(method, url, json=body))

        @initialize()
        def shop_key(self) -> None:
            shop = self.send("POST", "/v1/keys", {"role": "storefront", "name": "fuzz"}).json()
            self.world.shop_key = shop["key"]

        @rule(order_id=ids, lat=latitudes, lon=longitudes, start=minutes, length=st.integers(0, 24 * 60),
              load=st.tuples(amounts, st.integers(1, MAX_AMOUNT)), priority=priorities,
              service=st.integers(0, 24 * 3600))  # fmt: skip
        def post_order(
            self, order_id: str, lat: float, lon: float, start: int, length: int, load: tuple[int, int],
            priority: int, service: int,
        ) -> None:  # fmt: skip
            weight, quantity = load
            window = {"start": _at(start), "end": _at(start + length)}
            body = {"id": order_id, "location": [lat, lon], "windows": [window], "items": {ITEMS[0]: quantity},
                    "weight_g": weight, "priority": priority, "service_s": service}  # fmt: skip
            if self.send("POST", "/v1/orders", body).status_code == 201:
                self.orders.append(order_id)

        @rule(site=st.sampled_from(SITES), stock=amounts, zone=st.none() | st.lists(points, min_size=3, max_size=6))
        def put_site(self, site: tuple[str, str, float, float], stock: int, zone: list[Point] | None) -> None:
            name, kind, lat, lon = site
            opening = {"start": _at(-120), "end": _at(720)}
            body = {"id": name, "kind": kind, "location": [lat, lon], "opening": opening,
                    "stock": dict.fromkeys(ITEMS, stock)}  # fmt: skip
            self.send("PUT", f"/v1/sites/{name}", body if zone is None else {**body, "zone": zone})

        @rule(k=st.integers(0, 3), weight=amounts, fixed_cost=st.integers(0, MAX_FIXED_COST), car=st.booleans())
        def put_courier(self, k: int, weight: int, fixed_cost: int, car: bool) -> None:
            body = {"id": f"courier-{k:02d}", "site": SITES[k % len(SITES)][0], "profile": "car" if car else "bike",
                    "shift": {"start": _at(-60), "end": _at(600)}, "capacity": {"weight_g": weight},
                    "fixed_cost": fixed_cost}  # fmt: skip
            self.send("PUT", f"/v1/couriers/courier-{k:02d}", body)

        @rule(k=st.integers(0, 3), lat=latitudes, lon=longitudes, ago=ping_ages)
        def ping(self, k: int, lat: float, lon: float, ago: int) -> None:
            self.send("POST", f"/v1/couriers/courier-{k:02d}/positions", {"lat": lat, "lon": lon, "at": _at(-ago)})

        @rule(lat=latitudes, lon=longitudes, quantity=st.integers(1, 10_000))
        def promise(self, lat: float, lon: float, quantity: int) -> None:
            body = {"address": [lat, lon], "items": {ITEMS[1]: quantity}}
            offer = self.client.post("/v1/promises", json=body, headers={"X-API-Key": self.world.shop_key})
            if tally.see(offer).status_code == 201 and offer.json()["slots"]:
                self.offers.append(offer.json()["id"])

        @rule(data=st.data())
        def confirm(self, data: st.DataObject) -> None:
            if self.offers:
                offer = data.draw(st.sampled_from(self.offers))
                url, key = f"/v1/promises/{offer}/confirm", {"X-API-Key": self.world.shop_key}
                made = tally.see(self.client.post(url, json={"slot": 0}, headers=key))
                if made.status_code == 201:
                    self.orders.append(made.json()["id"])

        @rule(data=st.data())
        def read(self, data: st.DataObject) -> None:
            self.send("GET", "/v1/orders")
            if self.orders:
                order = self.send("GET", f"/v1/orders/{data.draw(st.sampled_from(self.orders))}")
                if order.status_code == 200:
                    self.send("GET", f"/v1/tracking/{order.json()['tracking_token']}")
            for courier in self.world.couriers:
                self.send("GET", f"/v1/couriers/{courier}/assignments")
            self.send("GET", "/v1/plans/live")

        @rule()
        def plan(self) -> None:
            job = self.send("POST", "/v1/plans", {"solution_limit": 5, "time_limit_s": 30})
            redis = Redis.from_url(redis_url)
            worker = SimpleWorker([Queue("lastmile", connection=redis)], connection=redis)
            worker.work(burst=True, logging_level="WARNING")
            status = self.send("GET", f"/v1/plans/{job.json()['id']}").json()
            tally.jobs[status["status"]] += 1
            assert status["status"] == "finished", status

        @invariant()
        def no_server_error(self) -> None:
            assert not tally.server_errors, tally.server_errors[:3]

        def teardown(self) -> None:
            self.client.close()

    return ApiMachine


def run(connect: ClientFactory, redis_url: str, examples: int, steps: int) -> Tally:
    """Run the machine for ``examples`` examples of at most ``steps`` steps; the tally (raises on a failure)."""
    tally = Tally()
    machine = api_machine(connect, redis_url, tally)
    config = settings(
        max_examples=examples,
        stateful_step_count=steps,
        deadline=None,
        derandomize=True,  # the same examples every run
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    run_state_machine_as_test(machine, settings=config)
    return tally


def main() -> None:
    """Start Redis, run the machine against ``lastmile serve`` (started afresh for every example), write the counts."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=30)
    parser.add_argument("--steps", type=int, default=25)
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results/api_stateful.md"))
    args = parser.parse_args()
    admin = secrets.token_urlsafe(24)
    with tempfile.TemporaryDirectory() as folder, redis_service(Path(folder)) as redis_url, ExitStack() as running:
        os.environ.update(LASTMILE_REDIS_URL=redis_url, LASTMILE_ADMIN_KEY=admin)  # for the in-process RQ worker

        def connect() -> httpx.Client:  # a new API process on the just-emptied Redis: no cache of the last example
            running.close()
            base_url = running.enter_context(api_service(Path(folder), redis_url, admin))
            return running.enter_context(httpx.Client(base_url=base_url, headers={"X-API-Key": admin}, timeout=60))

        tally = run(connect, redis_url, args.examples, args.steps)
    answered = sum(tally.statuses.values())
    lines = [
        "# Stateful fuzzing of the live API",
        "",
        f"`python -m benchmarks.api_stateful --examples {args.examples} --steps {args.steps}` (the same examples every"
        " run):",
        f"{answered} requests, **{len(tally.server_errors)} server errors**; answers by status: "
        + ", ".join(f"{s} × {n}" for s, n in sorted(tally.statuses.items()))
        + "; plan jobs: "
        + (", ".join(f"{s} × {n}" for s, n in sorted(tally.jobs.items())) or "none"),
    ]
    write_results(args.out, "\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
