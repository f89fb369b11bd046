"""A hostile but honest client: odd values are refused at the edge (and break nothing later), Redis away is a 503,
promises belong to their storefront, an Idempotency-Key is bound to its request, a create is atomic."""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr
from redis import Redis

from api.app import create_app
from api.settings import Settings
from api.store import OrderRecord, Registry
from routing.errors import Conflict

from .conftest import ADMIN, RedisServer, World

BOW_TIE = [[60.16, 24.93], [60.18, 24.95], [60.16, 24.95], [60.18, 24.93]]
PROMISE = {"address": [60.17, 24.94], "items": {"milk": 1}}


def _poisons() -> list[tuple[str, str, dict[str, Any], str]]:
    """(method, url, body, the field the 422 must name) for values that broke later requests before."""
    order = World.order("poison", 1)
    far = {"start": "9999-12-31T10:00:00+00:00", "end": "9999-12-31T11:00:00+00:00"}
    ancient = {"start": "0001-01-01T10:00:00+00:00", "end": "0001-01-01T11:00:00+00:00"}
    century = {"start": World.at(60), "end": "2126-01-01T00:00:00+00:00"}
    ping = "/v1/couriers/bike-2/positions"
    return [
        ("post", ping, {"lat": 60.17, "lon": 24.94, "at": "9999-12-31T23:59:59+00:00"}, "at"),
        ("post", ping, {"lat": True, "lon": 24.94, "at": World.at(0)}, "lat"),
        ("put", "/v1/sites/store", {**World.sites[0], "zone": BOW_TIE}, "zone"),
        ("put", "/v1/sites/new", {**World.sites[0], "id": "new", "zone": BOW_TIE}, "zone"),
        ("post", "/v1/orders", {**order, "weight_g": 10**30}, "weight_g"),
        ("post", "/v1/orders", {**order, "weight_g": "1500"}, "weight_g"),
        ("post", "/v1/orders", {**order, "priority": 10**25}, "priority"),
        ("post", "/v1/orders", {**order, "items": {"milk": 10**25}}, "items.milk"),
        ("post", "/v1/orders", {**order, "windows": [far]}, "windows[0]"),
        ("post", "/v1/orders", {**order, "windows": [ancient]}, "windows[0]"),
        ("post", "/v1/orders", {**order, "windows": [century]}, "windows[0]"),
        ("post", "/v1/orders", {**order, "location": [True, False]}, "location[0]"),
        ("post", "/v1/orders", {**order, "id": "slash/id"}, "id"),
        ("post", "/v1/orders", {**order, "id": "tab\tid"}, "id"),
        ("put", "/v1/couriers/bike-1", {**World.couriers[0], "capacity": {"weight_g": 10**30}}, "capacity.weight_g"),
        ("put", "/v1/couriers/bike-1", {**World.couriers[0], "shift": far}, "shift.start"),
        ("put", "/v1/sites/far", {**World.sites[0], "id": "far", "opening": far}, "opening.start"),
        ("post", "/v1/promises", {**PROMISE, "items": {"milk": True}}, "items.milk"),
        ("post", "/v1/plans", {"seed": 10**30}, "seed"),
    ]


POISONS = _poisons()


@pytest.mark.parametrize(("method", "url", "body", "field"), POISONS, ids=[f"{p[1]}:{p[3]}" for p in POISONS])
def test_a_poison_value_is_refused_naming_its_field(
    client: TestClient, world: Any, method: str, url: str, body: dict[str, Any], field: str
) -> None:
    world.register(client, orders=1)
    response = getattr(client, method)(url, json=body)
    assert response.status_code == 422, response.text
    assert field in response.json()["detail"], response.json()


def test_after_every_poison_reads_promises_and_plans_still_work(
    client: TestClient, world: Any, redis_server: Any
) -> None:
    world.register(client, orders=4)
    for method, url, body, _ in POISONS:
        getattr(client, method)(url, json=body)
    assert client.get("/v1/sites/new").status_code == 404 and client.get("/v1/sites/store").json()["zone"] is None
    assert client.get("/v1/orders/poison").status_code == 404 and client.get("/v1/sites/far").status_code == 404
    assert client.get("/v1/couriers/bike-1").json()["shift"] == client.get("/v1/couriers/bike-2").json()["shift"]
    job = client.post("/v1/plans", json={"solution_limit": 20}).json()
    world.run_worker(redis_server.url)
    assert client.get(f"/v1/plans/{job['id']}").json()["status"] == "finished"
    assert client.get("/v1/orders").status_code == 200 and client.get("/v1/orders/o1").status_code == 200
    assert client.get("/v1/couriers/bike-2/assignments").status_code == 200
    assert client.post("/v1/promises", json=PROMISE).status_code == 201


def test_a_promise_belongs_to_the_storefront_that_asked(client: TestClient, world: Any) -> None:
    world.register(client, orders=2)
    mine, theirs = ({"X-API-Key": world.key(client, "storefront")} for _ in range(2))
    offer = client.post("/v1/promises", json=PROMISE, headers=mine).json()
    refused = client.post(f"/v1/promises/{offer['id']}/confirm", json={"slot": 0}, headers=theirs)
    assert refused.status_code == 403 and "another storefront" in refused.json()["detail"]
    made = client.post(f"/v1/promises/{offer['id']}/confirm", json={"slot": 0}, headers=mine)
    assert made.status_code == 201 and client.get(f"/v1/orders/{made.json()['id']}", headers=mine).status_code == 200


def test_an_idempotency_key_is_bound_to_its_request(client: TestClient, world: Any) -> None:
    world.register(client, orders=2)
    shop = {"X-API-Key": world.key(client, "storefront")}
    first, second = (client.post("/v1/promises", json=PROMISE, headers=shop).json() for _ in range(2))
    keyed = {**shop, "Idempotency-Key": "K-1"}
    made = client.post(f"/v1/promises/{first['id']}/confirm", json={"slot": 0}, headers=keyed)
    assert made.status_code == 201
    again = client.post(f"/v1/promises/{first['id']}/confirm", json={"slot": 0}, headers=keyed)
    assert again.status_code == 201 and again.json() == made.json()
    other = client.post(f"/v1/promises/{second['id']}/confirm", json={"slot": 0}, headers=keyed)
    assert other.status_code == 422 and "different request" in other.json()["detail"]
    changed = client.post(f"/v1/promises/{first['id']}/confirm", json={"slot": 0, "order_id": "x-9"}, headers=keyed)
    assert changed.status_code == 422
    assert client.post(f"/v1/promises/{second['id']}/confirm", json={"slot": 0}, headers=shop).status_code == 201
    assert len(client.get("/v1/orders", headers=shop).json()) == 2


def test_concurrent_creates_of_one_order_id_make_one_order(settings: Settings, world: Any) -> None:
    registries = [Registry(Redis.from_url(settings.redis_url)) for _ in range(10)]
    start, outcomes = threading.Barrier(len(registries)), list[str]()

    def create(k: int) -> None:
        record = OrderRecord({**world.order("same", 1), "note": k}, f"caller-{k}", f"token-{k}", "now")
        start.wait()
        try:
            registries[k].add_order(record)
            outcomes.append(f"created by caller-{k}")
        except Conflict:
            outcomes.append("conflict")

    threads = [threading.Thread(target=create, args=(k,)) for k in range(len(registries))]
    for _ in range(5):
        Redis.from_url(settings.redis_url).flushall()
        outcomes.clear()
        start.reset()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        winners = [o for o in outcomes if o.startswith("created")]
        assert len(winners) == 1 and outcomes.count("conflict") == 9, outcomes
        kept = registries[0].order("same")
        assert winners[0] == f"created by {kept.created_by}"
        assert registries[0].order_for_token(kept.token).created_by == kept.created_by
        threads = [threading.Thread(target=create, args=(k,)) for k in range(len(registries))]


def test_a_chunked_body_over_the_limit_is_413(client: TestClient, world: Any) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"id": "store", "stock": {'
        for k in range(5000):
            yield b'"item-%d": 1, ' % k
        yield b'"last": 1}}'

    response = client.put("/v1/sites/store", content=chunks(), headers={"content-type": "application/json"})
    assert response.status_code == 413 and response.json()["detail"].startswith("body")


@pytest.fixture
def own_redis(tmp_path: Any) -> Iterator[RedisServer]:
    """A Redis of this test's own, to stop and start."""
    server = RedisServer(tmp_path)
    yield server
    if server.process is not None and server.process.poll() is None:
        server.process.send_signal(signal.SIGCONT)
        server.process.terminate()
        server.process.wait()


def test_redis_away_is_503_with_retry_after_and_the_api_recovers(own_redis: RedisServer, world: Any) -> None:
    settings = Settings(redis_url=own_redis.url, admin_key=SecretStr(ADMIN), redis_timeout_s=0.5)
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        client.headers["X-API-Key"] = ADMIN
        world.register(client, orders=2)
        calls = [("get", "/v1/sites", None), ("get", "/v1/orders/o1", None), ("post", "/v1/promises", PROMISE)]
        calls += [("post", "/v1/orders", world.order("o9", 9)), ("get", "/v1/plans/live", None)]

        def answers() -> list[tuple[int, str | None]]:
            got = [getattr(client, m)(url, **({"json": body} if body else {})) for m, url, body in calls]
            return [(r.status_code, r.headers.get("retry-after")) for r in got]

        assert own_redis.process is not None
        for stop, resume in ((own_redis.kill, own_redis.start), (_freeze(own_redis), _thaw(own_redis))):
            stop()
            assert set(answers()) == {(503, "2")}
            health = client.get("/health")
            assert health.status_code == 503 and health.json()["status"] == "unavailable", health.text
            resume()
            statuses = [s for s, _ in answers()]
            assert all(s < 500 for s in statuses), statuses
            assert client.get("/health").json() == {"status": "ok", "redis": "ok"}
        assert client.get("/v1/orders/o9").json()["id"] == "o9"  # written after the restart


def _freeze(server: RedisServer) -> Any:
    return lambda: server.process.send_signal(signal.SIGSTOP)  # type: ignore[union-attr]


def _thaw(server: RedisServer) -> Any:
    return lambda: server.process.send_signal(signal.SIGCONT)  # type: ignore[union-attr]


def test_an_order_stored_before_the_bounds_is_left_out_and_the_rest_planned(
    client: TestClient, world: Any, redis_server: Any
) -> None:
    world.register(client, orders=3)
    legacy = OrderRecord({**world.order("legacy", 1), "weight_g": 10**30}, "admin", "legacy-token", "then")
    Redis.from_url(redis_server.url).hset("lm:orders", legacy.id, legacy.dump())  # as an older version stored it
    job = client.post("/v1/plans", json={"solution_limit": 20}).json()
    world.run_worker(redis_server.url)
    done = client.get(f"/v1/plans/{job['id']}").json()
    assert done["status"] == "finished", done
    assert client.get("/v1/orders/legacy").json()["reason"] == "INVALID_INPUT"
    assert done["plan"]["summary"]["orders_served"] + done["plan"]["summary"]["orders_unassigned"] == 3
    assert {client.get(f"/v1/orders/o{k}").json()["status"] for k in range(3)} <= {"planned", "unassigned"}


def test_a_confirmation_never_overwrites_an_order_posted_meanwhile(
    client: TestClient, world: Any, redis_server: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    world.register(client, orders=2)
    shop = {"X-API-Key": world.key(client, "storefront")}
    offer = client.post("/v1/promises", json=PROMISE, headers=shop).json()
    other_process = Registry(Redis.from_url(redis_server.url))
    add_order = Registry.add_order

    def posted_meanwhile(self: Registry, record: OrderRecord, pipe: Any = None) -> None:
        if pipe is not None and record.id == "race-1" and not other_process.redis.hexists("lm:orders", "race-1"):
            other_process.add_order(OrderRecord(world.order("race-1", 3), "dispatcher-elsewhere", "t-race", "now"))
        add_order(self, record, pipe)

    monkeypatch.setattr(Registry, "add_order", posted_meanwhile)
    made = client.post(f"/v1/promises/{offer['id']}/confirm", json={"slot": 0, "order_id": "race-1"}, headers=shop)
    assert made.status_code == 422 and "already an order" in made.json()["detail"]
    assert other_process.order("race-1").created_by == "dispatcher-elsewhere"
