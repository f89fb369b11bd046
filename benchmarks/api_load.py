"""API load: latency of the live HTTP API under an open-loop mix of delivery promises and courier polling.

Starts its own Redis (AOF, fsync on every write) and ``python -m cli serve``, registers a synthetic central-Helsinki
world through the API (sites with stock, couriers, open orders), makes a live plan with a burst worker, then sends
requests at fixed intervals for the target rate whatever the answers (open loop: slow answers are not hidden by
coordinated omission): half ``POST /v1/promises``, half ``GET /v1/couriers/{id}/assignments`` with the courier's
key and last ``ETag``, and ~2 % GPS pings; a share of the promises (``--confirm-share``, 1 %) is confirmed at
once, so that the live plan changes about once a second: polls recompute their answers (a 200 where a courier's
stops changed), not only 304s. Latency runs from a request's scheduled send time to its response (a confirmation:
from when it was sent).

``python -m benchmarks.api_load [--rate 200] [--duration-s 60] [--couriers 50] [--orders 300] [--out FILE.md]``
(also ``--confirm-share``, ``--time-limit-s``, ``--connections``, ``--seed``). Targets: promises p99 ≤ 20 ms,
polling p99 ≤ 10 ms, no errors.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import math
import os
import platform
import random
import re
import secrets
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from subprocess import DEVNULL, PIPE, STDOUT
from typing import Any

import httpx
from redis import Redis
from redis.exceptions import ConnectionError as RedisConnectionError

from benchmarks.environment import write_results

__all__ = [
    "Load",
    "Services",
    "World",
    "api_service",
    "main",
    "make_plan",
    "redis_service",
    "register_world",
    "render",
    "run_load",
    "services",
]

ROOT = Path(__file__).resolve().parents[1]
ITEMS = [f"item-{k:02d}" for k in range(20)]
AREA = ((60.15, 60.20), (24.90, 25.00))
SITES = [
    ("store-centre", "store", 60.1690, 24.9410),
    ("store-kallio", "store", 60.1840, 24.9510),
    ("store-toolo", "store", 60.1780, 24.9200),
    ("fw-east", "forward_warehouse", 60.1880, 24.9780),
    ("fw-south", "forward_warehouse", 60.1580, 24.9450),
]
KINDS = {  # each kind of request: method, route (as the API's metrics name it), the statuses that are not errors
    "promise": ("POST", "/v1/promises", (201,)),
    "poll": ("GET", "/v1/couriers/{courier_id}/assignments", (200, 304)),
    "position": ("POST", "/v1/couriers/{courier_id}/positions", (202,)),
    "confirm": ("POST", "/v1/promises/{promise_id}/confirm", (201, 409)),  # 409: the slot was taken meanwhile
}
TARGET_P99_MS = {"promise": 20.0, "poll": 10.0}
POSITION_SHARE = 0.02
HISTOGRAM = "lastmile_http_request_duration_seconds"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait(ready: Callable[[], bool], process: subprocess.Popen[bytes], what: str, log: Path | None = None) -> None:
    deadline = time.monotonic() + 60
    while True:
        with suppress(RedisConnectionError, httpx.TransportError):
            if ready():
                return
        if time.monotonic() > deadline or process.poll() is not None:
            raise RuntimeError(f"{what} did not start" + (f":\n{log.read_text()[-2000:]}" if log else ""))
        time.sleep(0.05)


def _stop(process: subprocess.Popen[bytes], cold: bool = False) -> None:
    process.terminate()
    if cold:  # an RQ worker: a second signal (it ignores one within 1 s) stops it and its work horse at once
        time.sleep(1.1)
        process.terminate()
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@dataclass(frozen=True)
class Services:
    """Where the benchmark's own Redis and API listen, and the bootstrap dispatcher key."""

    redis_url: str
    base_url: str
    admin_key: str


@contextmanager
def redis_service(folder: Path) -> Iterator[str]:
    """A redis-server (AOF, fsync always) on a free loopback port with its data in ``folder``, ready; its URL.
    Stopped on exit."""
    binary = shutil.which("redis-server")
    if binary is None:
        raise RuntimeError("redis-server is not installed")
    port = _free_port()
    url = f"redis://127.0.0.1:{port}/0"
    flags = f"--port {port} --bind 127.0.0.1 --appendonly yes --appendfsync always --daemonize no".split()
    args = [binary, *flags, "--dir", str(folder), "--save", ""]
    redis = subprocess.Popen(args, stdout=DEVNULL, stderr=DEVNULL, start_new_session=True)
    try:
        _wait(lambda: bool(Redis.from_url(url).ping()), redis, "redis-server")
        yield url
    finally:
        _stop(redis)


@contextmanager
def api_service(folder: Path, redis_url: str, admin_key: str, api_workers: int = 1) -> Iterator[str]:
    """``python -m cli serve`` on a free loopback port and ``redis_url`` (its log in ``folder``), ready; its base
    URL. Stopped on exit."""
    port = str(_free_port())
    base_url = f"http://127.0.0.1:{port}"
    env = {**os.environ, "LASTMILE_REDIS_URL": redis_url, "LASTMILE_ADMIN_KEY": admin_key}
    log_path = folder / "api.log"
    args = [sys.executable, "-m", "cli", "serve", "--host", "127.0.0.1", "--port", port, "--workers", str(api_workers)]
    with log_path.open("wb") as log:
        api = subprocess.Popen(args, env=env, cwd=ROOT, stdout=log, stderr=STDOUT, start_new_session=True)
        try:
            _wait(lambda: httpx.get(f"{base_url}/health", timeout=2).status_code == 200, api, "the API", log_path)
            yield base_url
        finally:
            _stop(api)


@contextmanager
def services(folder: Path, api_workers: int = 1) -> Iterator[Services]:
    """Redis and the API on free loopback ports (data and log in ``folder``), ready; both stopped on exit."""
    with ExitStack() as stack:
        redis_url, admin_key = stack.enter_context(redis_service(folder)), secrets.token_urlsafe(24)
        base_url = stack.enter_context(api_service(folder, redis_url, admin_key, api_workers))
        yield Services(redis_url, base_url, admin_key)


def redis_round_trips(redis_url: str, count: int = 300) -> str:
    """How long one Redis read and one write take here (p50 / p99 over ``count`` each, ms): with ``appendfsync
    always`` a write waits for the disk's fsync, which every stored offer, confirmation and lock pays."""
    redis, spent = Redis.from_url(redis_url), {"read": list[float](), "write": list[float]()}
    for k in range(count):
        start = time.perf_counter()
        redis.set("bench:probe", k)
        middle = time.perf_counter()
        redis.get("bench:probe")
        spent["write"].append((middle - start) * 1000)
        spent["read"].append((time.perf_counter() - middle) * 1000)
    redis.delete("bench:probe")
    figures = (f"{kind} p50 {_percentile(ms, 50):.2f} / p99 {_percentile(ms, 99):.2f} ms" for kind, ms in spent.items())
    return ", ".join(figures)


def _ok(response: httpx.Response, status: int) -> dict[str, Any]:
    if response.status_code != status:
        request = f"{response.request.method} {response.request.url.path}"
        raise RuntimeError(f"{request}: {response.status_code}, not {status}: {response.text[:1000]}")
    return dict(response.json())


def _address(rng: random.Random) -> list[float]:
    return [round(rng.uniform(*AREA[0]), 5), round(rng.uniform(*AREA[1]), 5)]


def _basket(rng: random.Random) -> dict[str, int]:
    return {item: rng.randint(1, 2) for item in rng.sample(ITEMS, rng.randint(1, 3))}


@dataclass
class World:
    """What was registered: courier ids, the storefront key and one key per courier."""

    couriers: list[str]
    shop_key: str = ""
    courier_keys: dict[str, str] = field(default_factory=dict)


def register_world(client: httpx.Client, couriers: int, orders: int, rng: random.Random) -> World:
    """Register sites (ample stock), couriers (bike/car, shifts now-1 h..now+10 h) and open orders via the API."""
    now = datetime.now().astimezone().replace(microsecond=0)

    def window(start_min: float, end_min: float) -> dict[str, str]:
        start, end = (now + timedelta(minutes=start_min)), (now + timedelta(minutes=end_min))
        return {"start": start.isoformat(), "end": end.isoformat()}

    for site, kind, lat, lon in SITES:
        stock = dict.fromkeys(ITEMS, 1_000_000)
        spec: dict[str, Any] = {"id": site, "kind": kind, "location": [lat, lon], "opening": window(-120, 720)}
        _ok(client.put(f"/v1/sites/{site}", json={**spec, "stock": stock}), 201)
    ids = [f"courier-{k:02d}" for k in range(couriers)]
    for k, courier in enumerate(ids):
        car = k % 4 == 0
        vehicle = {"profile": "car" if car else "bike", "capacity": {"weight_g": 150_000 if car else 30_000}}
        spec = {"id": courier, "site": SITES[k % len(SITES)][0], "shift": window(-60, 600), **vehicle}
        _ok(client.put(f"/v1/couriers/{courier}", json=spec), 201)
    for k in range(orders):
        start, items = 30 + 20 * (k % 16), _basket(rng)  # windows open between now+30 min and now+5.5 h
        spec = {"id": f"order-{k:03d}", "location": _address(rng), "windows": [window(start, start + 90)]}
        load = {"items": items, "weight_g": 500 * sum(items.values()), "service_s": 120}
        _ok(client.post("/v1/orders", json={**spec, **load}), 201)
    return World(ids)


def make_plan(client: httpx.Client, redis_url: str, time_limit_s: float) -> dict[str, Any]:
    """POST /v1/plans, run ``python -m cli worker --burst`` until the queue is empty; the finished, live job."""
    job = _ok(client.post("/v1/plans", json={"time_limit_s": time_limit_s}), 202)
    env, command = {**os.environ, "LASTMILE_REDIS_URL": redis_url}, [sys.executable, "-m", "cli", "worker", "--burst"]
    worker = subprocess.Popen(command, env=env, cwd=ROOT, stdout=DEVNULL, stderr=PIPE, start_new_session=True)
    try:
        _, stderr = worker.communicate(timeout=time_limit_s * 3 + 300)
    except BaseException:  # Ctrl-C or timeout
        _stop(worker, cold=True)
        raise
    if worker.returncode != 0:
        raise RuntimeError(f"worker exited {worker.returncode}: {stderr.decode()[-2000:]}")
    done = _ok(client.get(f"/v1/plans/{job['id']}"), 200)
    if done["status"] != "finished" or not done["live"]:
        raise RuntimeError(f"plan {job['id']}: {done['status']}, live={done['live']}, error={done.get('error')}")
    return done


@dataclass
class Kind:
    """What one request kind saw: latencies (ms, of every answer), answers per status (or transport error), errors."""

    latencies_ms: list[float] = field(default_factory=list)
    statuses: Counter[int | str] = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)


@dataclass
class Load:
    """A run: per kind; seconds from the first send to the last answer; the generator's largest lag behind its
    schedule (ms); the API's own latency histogram over the run (see :func:`histogram`)."""

    kinds: dict[str, Kind]
    wall_s: float
    lag_ms: float
    app: dict[tuple[str, str], float]


def histogram(metrics: str) -> dict[tuple[str, str], float]:
    """The API's latency histogram in ``/metrics`` text: counts per (route, bucket bound), seconds per (route, sum)."""
    found: dict[tuple[str, str], float] = {}
    for line in metrics.splitlines():
        if line.startswith(f"{HISTOGRAM}_bucket{{") or line.startswith(f"{HISTOGRAM}_sum{{"):
            labels = dict(re.findall(r'(\w+)="([^"]*)"', line))
            key = labels["route"], labels.get("le", "sum")
            found[key] = found.get(key, 0.0) + float(line.rsplit(" ", 1)[1])
    return found


async def run_load(
    base_url: str,
    world: World,
    rate: float,
    duration_s: float,
    rng: random.Random,
    connections: int = 16,
    confirm_share: float = 0.0,
) -> Load:
    """Send the open-loop mix over at most ``connections`` keep-alive connections (httpx's pool costs client CPU
    that grows with its connections, encode/httpx#3215: a large pool starves the API on a small machine); confirm
    ``confirm_share`` of the promises that have slots right after their answer."""
    kinds = {kind: Kind() for kind in KINDS}
    etags: dict[str, str] = {}
    # idle connections are dropped before uvicorn's 5 s keep-alive timeout, so a reused one is never half-closed
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections, keepalive_expiry=4)
    async with httpx.AsyncClient(base_url=base_url, limits=limits, timeout=30) as client:

        async def send(kind: str, courier: str) -> httpx.Response:
            if kind == "promise":
                body = {"address": _address(rng), "items": _basket(rng)}
                return await client.post("/v1/promises", json=body, headers={"X-API-Key": world.shop_key})
            headers = {"X-API-Key": world.courier_keys[courier]}
            if kind == "position":
                ping = {"lat": _address(rng)[0], "lon": _address(rng)[1], "at": datetime.now().astimezone().isoformat()}
                return await client.post(f"/v1/couriers/{courier}/positions", json=ping, headers=headers)
            if courier in etags:
                headers["If-None-Match"] = etags[courier]
            response = await client.get(f"/v1/couriers/{courier}/assignments", headers=headers)
            if response.status_code == 200:
                etags[courier] = response.headers.get("etag", "")
            return response

        async def confirm(promise: dict[str, Any]) -> httpx.Response:
            url, headers = f"/v1/promises/{promise['id']}/confirm", {"X-API-Key": world.shop_key}
            return await client.post(url, json={"slot": promise["slots"][0]["index"]}, headers=headers)

        async def one(kind: str, request: Awaitable[httpx.Response], scheduled: float) -> None:
            stats = kinds[kind]
            try:
                response = await request
            except httpx.HTTPError as exc:
                stats.statuses[type(exc).__name__] += 1
                stats.errors.append(f"{type(exc).__name__}: {exc}")
                return
            stats.latencies_ms.append((time.perf_counter() - scheduled) * 1000)
            stats.statuses[response.status_code] += 1
            if response.status_code not in KINDS[kind][2]:
                stats.errors.append(f"{response.status_code}: {response.text[:500]}")
            elif kind == "promise" and (promise := response.json())["slots"] and rng.random() < confirm_share:
                await one("confirm", confirm(promise), time.perf_counter())

        for kind, courier in [("poll", c) for c in world.couriers] + [("promise", "")] * 5:
            await send(kind, courier)  # warm-up, not measured: caches, connections, each courier's first ETag
        gc.collect()
        gc.freeze()  # a full collection over httpx, redis, ... would pause the sender 15-20 ms now and then
        before, tasks = histogram((await client.get("/metrics")).text), list[asyncio.Task[None]]()
        lag, start = 0.0, time.perf_counter() + 0.05
        for k in range(round(rate * duration_s)):
            scheduled = start + k / rate
            if (delay := scheduled - time.perf_counter()) > 0:
                await asyncio.sleep(delay)
            lag = max(lag, time.perf_counter() - scheduled)
            draw = rng.random()
            kind = "position" if draw < POSITION_SHARE else "promise" if draw < (1 + POSITION_SHARE) / 2 else "poll"
            tasks.append(asyncio.create_task(one(kind, send(kind, rng.choice(world.couriers)), scheduled)))
        await asyncio.gather(*tasks)
        wall_s, after = time.perf_counter() - start, histogram((await client.get("/metrics")).text)
        return Load(kinds, wall_s, lag * 1000, {key: n - before.get(key, 0.0) for key, n in after.items()})


def _percentile(values: list[float], p: float) -> float:
    """Nearest rank; NaN for no values."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)] if ordered else math.nan


def render(load: Load, args: argparse.Namespace, plan: dict[str, Any], redis_ms: str) -> str:
    """The Markdown report: setup, the per-kind table with targets met or missed, achieved rate, error samples."""
    kinds, wall_s, lag_ms, app, served = load.kinds, load.wall_s, load.lag_ms, load.app, plan["plan"]["summary"]
    total, errors = sum(k.statuses.total() for k in kinds.values()), sum(len(k.errors) for k in kinds.values())
    lines = [
        "# API load: promises and courier polling, open loop",
        "",
        f"- command: `{shlex.join(['python', '-m', 'benchmarks.api_load', *sys.argv[1:]])}`",
        f"- machine: {os.cpu_count()} CPUs, {platform.platform()}, Python {platform.python_version()}; the load "
        f"generator, the API (one uvicorn process) and Redis (AOF, fsync always) share them; a Redis {redis_ms}",
        f"- run: {datetime.now().astimezone().isoformat(timespec='seconds')}; {len(SITES)} sites × {len(ITEMS)} items, "
        f"{args.couriers} couriers, {args.orders} orders; live plan ({args.time_limit_s:g} s budget): "
        f"{served['orders_served']} served, {served['orders_unassigned']} unassigned, {served['routes']} routes",
        f"- load: {args.rate:g} req/s for {args.duration_s:g} s, open loop over at most {args.connections} keep-alive "
        f"connections, {args.confirm_share:.0%} of the promises with slots confirmed at once (each changes the live "
        "plan: the next poll of every courier recomputes its answer, a 200 where its stops changed); latency from "
        "the scheduled send time to the answer (answered requests, any status); warm-up "
        "(one poll per courier, 5 promises) not counted. *In app*: the API's own histogram (`/metrics`, time inside "
        "the ASGI app, without socket and event-loop queueing) for the same requests",
        "",
        "| request | count | statuses | errors | req/s | p50 ms | p95 ms | p99 ms | max ms | in app: mean ms, "
        "≤ target | target | met |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, kind in kinds.items():
        (method, route, _), values, target = KINDS[name], kind.latencies_ms, TARGET_P99_MS.get(name)
        count, seen = kind.statuses.total(), ", ".join(f"{s} × {n}" for s, n in sorted(kind.statuses.items(), key=str))
        cells = " | ".join(f"{_percentile(values, p):.1f}" for p in (50, 95, 99, 100))
        answered = app.get((route, "+Inf")) or math.nan
        inside = f"{app.get((route, 'sum'), math.nan) / answered * 1000:.1f}"
        if target is not None:
            inside += f", {app.get((route, f'{target / 1000:g}'), math.nan) / answered:.1%}"
        met = "–" if target is None else "met" if _percentile(values, 99) <= target else "missed"
        goal = "reported only" if target is None else f"p99 ≤ {target:g} ms"
        lines.append(f"| {method} {route} | {count} | {seen} | {len(kind.errors)} | {count / wall_s:.1f} | {cells} | ")
        lines[-1] += f"{inside} | {goal} | {met} |"
    met = "met" if not errors else "missed"
    lines.append(f"| all | {total} | | {errors} | {total / wall_s:.1f} | | | | | | 0 errors | {met} |")
    lines.append(
        f"\nAchieved {total / wall_s:.1f} req/s ({total} requests in {wall_s:.1f} s from the first send to the last "
        f"answer; target {args.rate:g}); the generator's largest lag behind its schedule was {lag_ms:.1f} ms."
    )
    samples = [f"- {name}: {text}" for name, k in kinds.items() for text in k.errors[:5]]
    return "\n".join(lines + (["", "Errors (first few per kind):", "", *samples] if samples else [])) + "\n"


def main() -> None:
    """Start Redis and the API, register a world, plan it, load it, and print and write the report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=200, help="requests per second (all kinds)")
    parser.add_argument("--duration-s", type=float, default=60, help="how long to send")
    parser.add_argument("--couriers", type=int, default=50)
    parser.add_argument("--orders", type=int, default=300)
    parser.add_argument("--time-limit-s", type=float, default=20, help="budget of the plan job")
    parser.add_argument("--connections", type=int, default=16, help="most keep-alive connections (see run_load)")
    parser.add_argument("--confirm-share", type=float, default=0.01, help="share of promises confirmed at once")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--api-workers", type=int, default=1, help="processes of `lastmile serve`")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "api_load.md")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # clean up as on Ctrl-C
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory(prefix="api_load_") as folder, services(Path(folder), args.api_workers) as found:
        with httpx.Client(base_url=found.base_url, headers={"X-API-Key": found.admin_key}, timeout=60) as admin:
            print(f"registering {args.couriers} couriers and {args.orders} orders on {found.base_url} …", flush=True)
            world = register_world(admin, args.couriers, args.orders, rng)
            print(f"planning ({args.time_limit_s:g} s budget) …", flush=True)
            plan = make_plan(admin, found.redis_url, args.time_limit_s)
            world.shop_key = str(_ok(admin.post("/v1/keys", json={"role": "storefront", "name": "load"}), 201)["key"])
            for courier in world.couriers:
                key = _ok(admin.post("/v1/keys", json={"role": "courier", "courier": courier, "name": courier}), 201)
                world.courier_keys[courier] = str(key["key"])
        redis_ms = redis_round_trips(found.redis_url)
        print(f"loading at {args.rate:g} req/s for {args.duration_s:g} s …", flush=True)
        load = asyncio.run(
            run_load(found.base_url, world, args.rate, args.duration_s, rng, args.connections, args.confirm_share)
        )
    text = render(load, args, plan, redis_ms)
    print(text)
    write_results(args.out, text)


if __name__ == "__main__":
    main()
