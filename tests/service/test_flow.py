"""The whole live flow on a real Redis and a real worker process: dispatcher → plan → promise → confirm →
courier polls → pings → events → tracking."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient


def _plan(client: TestClient, world: Any, redis_url: str, **body: Any) -> dict[str, Any]:
    response = client.post("/v1/plans", json={"solution_limit": 40, "time_limit_s": 60, **body})
    assert response.status_code == 202, response.text
    job = response.json()
    assert job["status"] == "queued"
    world.run_worker(redis_url)
    done = client.get(f"/v1/plans/{job['id']}").json()
    assert done["status"] == "finished", done
    return dict(done)


def test_full_flow(client: TestClient, world: Any, redis_server: Any) -> None:
    world.register(client, orders=12)
    job = _plan(client, world, redis_server.url)
    assert job["live"] and job["plan"]["summary"]["orders_served"] == 12
    live = client.get("/v1/plans/live").json()
    assert live["summary"] == job["plan"]["summary"]

    shop = {"X-API-Key": world.key(client, "storefront")}
    offer = client.post("/v1/promises", json={"address": [60.170, 24.945], "items": {"bread": 2}}, headers=shop)
    assert offer.status_code == 201, offer.text
    slots = offer.json()["slots"]
    assert slots and slots[0]["asap"] and {s["site"] for s in slots} <= {"store", "fw-east"}
    confirm = {**shop, "Idempotency-Key": "basket-1"}
    first = client.post(
        f"/v1/promises/{offer.json()['id']}/confirm", json={"slot": 1, "order_id": "web-1"}, headers=confirm
    )
    assert first.status_code == 201, first.text
    again = client.post(
        f"/v1/promises/{offer.json()['id']}/confirm", json={"slot": 1, "order_id": "web-1"}, headers=confirm
    )
    assert again.status_code == 201 and again.json() == first.json()
    placed = first.json()
    assert placed["status"] == "planned" and placed["courier"] and placed["windows"][0]["start"] == slots[1]["start"]
    assert sum(1 for o in client.get("/v1/orders").json() if o["id"] == "web-1") == 1

    courier_id = placed["courier"]
    rider = {"X-API-Key": world.key(client, "courier", courier_id)}
    polled = client.get(f"/v1/couriers/{courier_id}/assignments", headers=rider)
    assert polled.status_code == 200 and "web-1" in [s["order"] for s in polled.json()["stops"]]
    tag = polled.headers["etag"]
    unchanged = client.get(f"/v1/couriers/{courier_id}/assignments", headers={**rider, "If-None-Match": tag})
    assert unchanged.status_code == 304 and unchanged.content == b""

    stops = polled.json()["stops"]
    first_stop = stops[0]["order"]
    picked = client.post(f"/v1/orders/{first_stop}/events", json={"type": "picked_up"}, headers=rider)
    assert picked.status_code == 201, picked.text
    ping = client.post(
        f"/v1/couriers/{courier_id}/positions", json={"lat": 60.1695, "lon": 24.9420, "at": world.at(1)}, headers=rider
    )
    assert ping.status_code == 202 and ping.json()["applied"]
    after = client.get(f"/v1/couriers/{courier_id}/assignments", headers={**rider, "If-None-Match": tag})
    assert after.status_code == 200 and after.headers["etag"] != tag and after.json()["departed"]

    tracked = client.get(f"/v1/tracking/{placed['tracking_token']}", headers={"X-API-Key": ""})
    assert tracked.status_code == 200, tracked.text
    assert tracked.json()["courier_position"] == [60.1695, 24.9420] and tracked.json()["eta"]
    for _ in range(2):  # the second is a retry of the app: answered, not recorded again
        delivered = client.post(f"/v1/orders/{first_stop}/events", json={"type": "delivered"}, headers=rider)
        assert delivered.status_code == 201 and delivered.json()["status"] == "delivered"
    late = client.post(f"/v1/orders/{first_stop}/events", json={"type": "failed", "reason": "x"}, headers=rider)
    assert late.status_code == 409
    remaining = client.get(f"/v1/couriers/{courier_id}/assignments", headers=rider).json()["stops"]
    assert [s["order"] for s in remaining] == [s["order"] for s in stops[1:]]
    assert [e["type"] for e in client.get(f"/v1/orders/{first_stop}/events").json()] == ["picked_up", "delivered"]
    page = client.get(placed["tracking_url"])
    assert page.status_code == 200 and "/v1/tracking/" in page.text


def test_replan_inserts_orders_accepted_after_the_plan(client: TestClient, world: Any, redis_server: Any) -> None:
    world.register(client, orders=6)
    _plan(client, world, redis_server.url)
    for k in range(6, 9):
        client.post("/v1/orders", json=world.order(f"o{k}", k))
    assert client.get("/v1/orders/o7").json()["status"] == "accepted"
    job = client.post("/v1/replan", json={"mode": "insert"}).json()
    world.run_worker(redis_server.url)
    assert client.get(f"/v1/plans/{job['id']}").json()["status"] == "finished"
    assert {client.get(f"/v1/orders/o{k}").json()["status"] for k in range(9)} == {"planned"}
    job = client.post("/v1/replan", json={"mode": "reoptimise", "solution_limit": 30}).json()
    world.run_worker(redis_server.url)
    result = client.get(f"/v1/plans/{job['id']}").json()
    assert result["status"] == "finished" and result["plan"]["summary"]["orders_served"] == 9, result


def test_registry_changes_reach_the_live_plan(client: TestClient, world: Any, redis_server: Any) -> None:
    world.register(client, orders=3)
    _plan(client, world, redis_server.url, solution_limit=20)
    basket = {"address": [60.171, 24.941], "items": {"coffee": 1}}
    assert client.post("/v1/promises", json=basket).json()["slots"]
    sold_out = {**world.sites[0], "stock": {**world.sites[0]["stock"], "coffee": 0}}
    assert client.put("/v1/sites/store", json=sold_out).status_code == 200
    assert client.post("/v1/promises", json=basket).json()["reason"] == "NO_STOCK"
    extra = world.courier("bike-9", "fw-east")
    assert client.put("/v1/couriers/bike-9", json=extra).status_code == 201
    key = {"X-API-Key": world.key(client, "courier", "bike-9")}
    idle = client.get("/v1/couriers/bike-9/assignments", headers=key)
    assert idle.status_code == 200 and idle.json()["stops"] == [] and idle.json()["site"] == "fw-east"
