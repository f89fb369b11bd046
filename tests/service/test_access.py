"""Roles: what each kind of key may and may not do; tracking by token only."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient


def _planned(client: TestClient, world: Any, redis_url: str) -> None:
    world.register(client, orders=6)
    client.post("/v1/plans", json={"solution_limit": 20})
    world.run_worker(redis_url)


def test_keys_are_required_and_checked(client: TestClient) -> None:
    assert client.get("/v1/sites", headers={"X-API-Key": ""}).status_code == 401
    assert client.get("/v1/sites", headers={"X-API-Key": "made-up"}).status_code == 401
    assert client.get("/v1/sites").status_code == 200


def test_courier_key_is_bound_to_its_courier(client: TestClient, world: Any, redis_server: Any) -> None:
    _planned(client, world, redis_server.url)
    live = client.get("/v1/plans/live").json()
    busy = live["routes"][0]["courier"]
    other = next(c["id"] for c in world.couriers if c["id"] != busy)
    rider = {"X-API-Key": world.key(client, "courier", other)}
    assert client.get(f"/v1/couriers/{other}/assignments", headers=rider).status_code == 200
    assert client.get(f"/v1/couriers/{busy}/assignments", headers=rider).status_code == 403
    ping = {"lat": 60.17, "lon": 24.94, "at": world.at(0)}
    assert client.post(f"/v1/couriers/{busy}/positions", json=ping, headers=rider).status_code == 403
    assert client.get("/v1/sites", headers=rider).status_code == 403
    assert client.post("/v1/plans", json={}, headers=rider).status_code == 403
    assert client.get("/v1/orders", headers=rider).status_code == 403
    not_mine = live["routes"][0]["stops"][0]["order"]
    refused = client.post(f"/v1/orders/{not_mine}/events", json={"type": "delivered"}, headers=rider)
    assert refused.status_code == 403
    assert client.get(f"/v1/orders/{not_mine}").json()["status"] == "planned"


def test_storefront_sees_only_its_own_orders(client: TestClient, world: Any, redis_server: Any) -> None:
    _planned(client, world, redis_server.url)
    shops = [{"X-API-Key": world.key(client, "storefront")} for _ in range(2)]
    offer = client.post("/v1/promises", json={"address": [60.17, 24.94], "items": {"milk": 1}}, headers=shops[0])
    made = client.post(f"/v1/promises/{offer.json()['id']}/confirm", json={"slot": 0}, headers=shops[0]).json()
    assert client.get(f"/v1/orders/{made['id']}", headers=shops[0]).status_code == 200
    assert client.get(f"/v1/orders/{made['id']}", headers=shops[1]).status_code == 403
    assert [o["id"] for o in client.get("/v1/orders", headers=shops[0]).json()] == [made["id"]]
    assert client.get("/v1/orders", headers=shops[1]).json() == []
    assert client.get("/v1/orders/o1", headers=shops[0]).status_code == 403
    assert client.post("/v1/orders", json=world.order("x", 1), headers=shops[0]).status_code == 403
    assert client.post("/v1/keys", json={"role": "dispatcher"}, headers=shops[0]).status_code == 403


def test_tracking_needs_only_the_token(client: TestClient, world: Any, redis_server: Any) -> None:
    _planned(client, world, redis_server.url)
    token = client.get("/v1/orders/o1").json()["tracking_token"]
    assert len(token) >= 20
    anonymous = {"X-API-Key": ""}
    seen = client.get(f"/v1/tracking/{token}", headers=anonymous)
    assert seen.status_code == 200 and seen.json()["order"] == "o1" and seen.json()["status"] == "planned"
    assert seen.json()["courier_position"] is None  # not on its way yet
    wrong = token[:-1] + ("y" if token.endswith("x") else "x")  # one character off (a token may end in "x")
    assert client.get(f"/v1/tracking/{wrong}", headers=anonymous).status_code == 404
    assert client.get("/v1/tracking/o1", headers=anonymous).status_code == 404


def test_keys_are_listed_without_secrets_and_revoked(client: TestClient) -> None:
    made = client.post("/v1/keys", json={"role": "storefront", "name": "webshop"}).json()
    shop = {"X-API-Key": made["key"]}
    # used once (an unknown order: 404, past the key check), so it is in this process's key cache
    assert client.get("/v1/orders/nope", headers=shop).status_code == 404
    listed = client.get("/v1/keys").json()
    assert {"id": made["id"], "role": "storefront", "courier": None, "name": "webshop", "key": None} in listed
    assert all(k["key"] is None for k in listed)
    assert client.get("/v1/keys", headers=shop).status_code == 403
    assert client.delete(f"/v1/keys/{made['id']}", headers=shop).status_code == 403
    assert client.delete(f"/v1/keys/{made['id']}").status_code == 204
    assert client.get("/v1/orders/nope", headers=shop).status_code == 401
    assert made["id"] not in {k["id"] for k in client.get("/v1/keys").json()}
    missing = client.delete(f"/v1/keys/{made['id']}")
    assert missing.status_code == 404 and made["id"] in missing.json()["detail"]
