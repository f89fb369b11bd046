"""Bad input: a 422 naming the field, 413 for big bodies, 404/409 for the state; never a 500, nothing written."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi.testclient import TestClient


def test_bad_bodies_name_the_field(client: TestClient, world: Any) -> None:
    world.register(client, orders=0)
    bad_site = {**world.sites[0], "opening": world.window(60, 0)}
    response = client.put("/v1/sites/store", json=bad_site)
    assert response.status_code == 422 and response.json()["detail"].startswith("opening: end")
    kept = client.get("/v1/sites/store").json()["opening"]
    assert {k: datetime.fromisoformat(v) for k, v in kept.items()} == {
        k: datetime.fromisoformat(v) for k, v in world.sites[0]["opening"].items()
    }
    assert client.put("/v1/sites/other", json=world.sites[0]).json()["detail"].startswith("id:")
    lost = {**world.couriers[0], "site": "nowhere"}
    assert client.put("/v1/couriers/bike-1", json=lost).json()["detail"] == "site: unknown site 'nowhere'"
    response = client.post("/v1/promises", json={"address": [95, 24.9], "items": {"milk": 1}})
    assert response.status_code == 422 and response.json()["detail"].startswith("address[0]")
    response = client.post("/v1/promises", json={"address": [60.1, 24.9], "items": {}})
    assert response.status_code == 422 and response.json()["detail"].startswith("items")
    response = client.post("/v1/orders", json={**world.order("z", 1), "site": "nowhere"})
    assert response.status_code == 422 and "orders[0].site" in response.json()["detail"]
    assert client.get("/v1/orders/z").status_code == 404
    assert client.post("/v1/keys", json={"role": "courier"}).json()["detail"].startswith("courier:")
    assert client.post("/v1/plans", json={"time_limit_s": -1}).json()["detail"].startswith("time_limit_s")
    assert client.post("/v1/sites", content=b"{").status_code in (404, 405)
    response = client.put("/v1/sites/store", content=b"{not json", headers={"content-type": "application/json"})
    assert response.status_code == 422


def test_events_and_promises_against_state(client: TestClient, world: Any) -> None:
    world.register(client, orders=1)
    response = client.post("/v1/orders/o0/events", json={"type": "failed"})
    assert response.status_code == 422 and response.json()["detail"].startswith("reason")
    assert client.post("/v1/orders/nope/events", json={"type": "delivered"}).status_code == 404
    assert client.post("/v1/orders", json=world.order("o0", 0)).status_code == 409
    assert client.post("/v1/promises/pr_unknown/confirm", json={"slot": 0}).status_code == 404
    offer = client.post("/v1/promises", json={"address": [60.17, 24.94], "items": {"milk": 1}}).json()
    assert offer["slots"], offer
    out_of_range = client.post(f"/v1/promises/{offer['id']}/confirm", json={"slot": 99})
    assert out_of_range.status_code == 422 and out_of_range.json()["detail"].startswith("slot")
    assert client.post(f"/v1/promises/{offer['id']}/confirm", json={"slot": 0}).status_code == 201


def test_oversized_body_is_refused(client: TestClient, world: Any) -> None:
    huge = {**world.sites[0], "stock": {f"item-{k}": 1 for k in range(5000)}}
    response = client.put("/v1/sites/store", json=huge)
    assert response.status_code == 413 and "body" in response.json()["detail"]
    assert client.get("/v1/sites").json() == []


def test_no_live_world_yet_is_a_conflict(client: TestClient) -> None:
    response = client.post("/v1/promises", json={"address": [60.17, 24.94], "items": {"milk": 1}})
    assert response.status_code == 409 and "register sites" in response.json()["detail"]


def test_health_and_metrics(client: TestClient) -> None:
    assert client.get("/health").json() == {"status": "ok", "redis": "ok"}
    client.get("/v1/sites")
    text = client.get("/metrics").text
    assert 'lastmile_http_requests_total{method="GET",route="/v1/sites",status="200"}' in text
    assert "lastmile_queue_length 0.0" in text and 'lastmile_solve_jobs{state="failed"}' in text
