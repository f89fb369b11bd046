"""What must survive: idempotent confirmations, late and repeated pings, a worker killed mid-solve, and Redis
killed and restarted (AOF) with every acknowledged order still there."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

SHOP_BASKET = {"address": [60.171, 24.941], "items": {"milk": 1}}


def _live(client: TestClient, world: Any, redis_url: str, orders: int = 6) -> None:
    world.register(client, orders=orders)
    client.post("/v1/plans", json={"solution_limit": 20})
    world.run_worker(redis_url)


def test_confirm_is_idempotent_per_key(client: TestClient, world: Any, redis_server: Any) -> None:
    _live(client, world, redis_server.url)
    shop = {"X-API-Key": world.key(client, "storefront")}
    offer = client.post("/v1/promises", json=SHOP_BASKET, headers=shop).json()
    url = f"/v1/promises/{offer['id']}/confirm"
    answers = [client.post(url, json={"slot": 0}, headers={**shop, "Idempotency-Key": "k1"}) for _ in range(3)]
    assert [a.status_code for a in answers] == [201] * 3
    assert len({a.json()["id"] for a in answers}) == 1
    other_key = client.post(url, json={"slot": 0}, headers={**shop, "Idempotency-Key": "k2"})
    assert other_key.status_code == 404  # the promise was used by the first confirmation
    replay = client.post(url, json={"slot": 0}, headers={**shop, "Idempotency-Key": "k2"})
    assert replay.status_code == 404 and replay.json() == other_key.json()
    mine = [o for o in client.get("/v1/orders", headers=shop).json()]
    assert [o["id"] for o in mine] == [answers[0].json()["id"]]


def test_promised_stock_is_held_then_sold_once(client: TestClient, world: Any, redis_server: Any) -> None:
    _live(client, world, redis_server.url, orders=2)
    basket = {"address": [60.171, 24.941], "items": {"coffee": 3}}  # the store holds exactly 3
    first = client.post("/v1/promises", json=basket).json()
    assert first["slots"] and {s["site"] for s in first["slots"]} == {"store"}
    second = client.post("/v1/promises", json=basket).json()
    assert second["slots"] == [] and second["reason"] == "NO_STOCK"
    assert client.post(f"/v1/promises/{first['id']}/confirm", json={"slot": 0}).status_code == 201
    assert client.post("/v1/promises", json=basket).json()["reason"] == "NO_STOCK"


def test_pings_out_of_order_and_repeated(client: TestClient, world: Any, redis_server: Any) -> None:
    _live(client, world, redis_server.url)
    busy = client.get("/v1/plans/live").json()["routes"][0]
    courier, first = busy["courier"], busy["stops"][0]["order"]
    rider = {"X-API-Key": world.key(client, "courier", courier)}
    client.post(f"/v1/orders/{first}/events", json={"type": "picked_up"}, headers=rider)
    url = f"/v1/couriers/{courier}/positions"
    newer = {"lat": 60.1650, "lon": 24.9300, "at": world.at(5)}
    older = {"lat": 60.1690, "lon": 24.9410, "at": world.at(2)}
    assert client.post(url, json=newer, headers=rider).json() == {"applied": True}
    assert client.post(url, json=older, headers=rider).json() == {"applied": False}
    assert client.post(url, json=newer, headers=rider).json() == {"applied": False}
    token = client.get(f"/v1/orders/{first}").json()["tracking_token"]
    assert client.get(f"/v1/tracking/{token}").json()["courier_position"] == [60.1650, 24.9300]


def _children(pid: int) -> list[int]:
    return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]


def _dies(pid: int) -> bool:
    """Whether the process is gone (or a zombie) within 10 s."""
    for _ in range(100):
        try:
            if Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z":
                return True
        except FileNotFoundError:
            return True
        time.sleep(0.1)
    return False


def test_worker_killed_mid_solve_leaves_the_job_retried(client: TestClient, world: Any, redis_server: Any) -> None:
    world.register(client, orders=12)
    job = client.post("/v1/plans", json={"time_limit_s": 4}).json()
    worker = world.start_worker(redis_server.url)
    try:
        deadline = time.monotonic() + 60
        while client.get(f"/v1/plans/{job['id']}").json()["status"] != "started":
            assert time.monotonic() < deadline, "the worker never started the job"
            time.sleep(0.1)
        time.sleep(0.5)
        horses = _children(worker.pid)  # RQ's work horse runs in a process group of its own
        assert horses, "the worker has no work horse mid-solve"
        for pid in [worker.pid, *horses]:
            os.kill(pid, signal.SIGKILL)  # the worker and its work horse, mid-solve
        worker.wait()
    finally:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGKILL)
    assert all(_dies(pid) for pid in horses)
    assert client.get(f"/v1/plans/{job['id']}").json()["status"] == "started"
    # RQ finds the job abandoned once its heartbeat lapses (60-90 s after the kill), at a live worker's maintenance
    killed = time.monotonic()
    rescuer = world.start_worker(redis_server.url, "--maintenance-s", "1")
    try:
        while (status := client.get(f"/v1/plans/{job['id']}").json()["status"]) != "finished":
            assert status in ("started", "queued") and time.monotonic() - killed < 240, status
            time.sleep(1)
    finally:
        os.killpg(rescuer.pid, signal.SIGKILL)
    print(f"job retried and finished {time.monotonic() - killed:.0f} s after its worker was killed")
    result = client.get(f"/v1/plans/{job['id']}").json()
    assert result["status"] == "finished" and result["live"], result
    summary = result["plan"]["summary"]
    assert summary["orders_served"] + summary["orders_unassigned"] == 12


def test_redis_restart_loses_no_accepted_order(client: TestClient, world: Any, redis_server: Any) -> None:
    _live(client, world, redis_server.url)
    shop = {"X-API-Key": world.key(client, "storefront")}
    made = []
    for k in range(3):
        offer = client.post("/v1/promises", json=SHOP_BASKET, headers=shop).json()
        confirmed = client.post(
            f"/v1/promises/{offer['id']}/confirm", json={"slot": 0, "order_id": f"web-{k}"}, headers=shop
        )
        assert confirmed.status_code == 201
        made.append(confirmed.json())
    delivered = client.post("/v1/orders/o0/events", json={"type": "delivered"})
    assert delivered.status_code == 201
    redis_server.kill()
    down = client.get("/health")
    assert down.status_code == 503
    redis_server.start()
    assert client.get("/health").status_code == 200
    for order in made:
        after = client.get(f"/v1/orders/{order['id']}", headers=shop)
        assert after.status_code == 200 and after.json()["status"] == "planned"
        assert after.json()["tracking_token"] == order["tracking_token"]
    live_orders = {s["order"] for r in client.get("/v1/plans/live").json()["routes"] for s in r["stops"]}
    assert {o["id"] for o in made} <= live_orders
    assert client.get("/v1/orders/o0").json()["status"] == "delivered"
    assert [e["type"] for e in client.get("/v1/orders/o0/events").json()] == ["delivered"]
