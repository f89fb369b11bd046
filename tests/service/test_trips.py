"""A courier's day as trips in the live service: plans with several trips per courier, assignments grouped by
trip, the ``trip_started`` and ``back_at_site`` events (idempotent), and tracking contact for the trip under way."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

SMALL_BIKE = {"weight_g": 3000}  # two baskets of 1.5 kg: six orders need several trips


def _live_in_trips(client: TestClient, world: Any, redis_url: str) -> dict[str, Any]:
    """The test world with two-basket bikes and six orders, planned; the route with the most trips."""
    world.register(client, orders=6)
    for courier in world.couriers:
        small = {**courier, "capacity": SMALL_BIKE, "phone": "+358401234567"}
        assert client.put(f"/v1/couriers/{courier['id']}", json=small).status_code == 200
    job = client.post("/v1/plans", json={"solution_limit": 20}).json()
    world.run_worker(redis_url)
    assert client.get(f"/v1/plans/{job['id']}").json()["status"] == "finished"
    routes = client.get("/v1/plans/live").json()["routes"]
    return max(routes, key=lambda r: len(r["trips"]))


def _event(client: TestClient, courier: str, kind: str, headers: dict[str, str]) -> Any:
    return client.post(f"/v1/couriers/{courier}/events", json={"type": kind}, headers=headers)


def _tracked_courier(client: TestClient, order_id: str) -> Any:
    token = client.get(f"/v1/orders/{order_id}").json()["tracking_token"]
    return client.get(f"/v1/tracking/{token}", headers={"X-API-Key": ""}).json()["courier"]


def test_assignments_are_grouped_by_trip_and_trip_events_move_the_day_on(
    client: TestClient, world: Any, redis_server: Any
) -> None:
    route = _live_in_trips(client, world, redis_server.url)
    assert len(route["trips"]) >= 2, route
    courier = route["courier"]
    rider = {"X-API-Key": world.key(client, "courier", courier)}
    seen = client.get(f"/v1/couriers/{courier}/assignments", headers=rider).json()
    assert [t["status"] for t in seen["trips"]] == ["loading"] + ["planned"] * (len(seen["trips"]) - 1)
    assert seen["trips"][0]["leave_at"] is not None
    assert [s["trip"] for s in seen["stops"]] == sorted(s["trip"] for s in seen["stops"])
    first, later = seen["trips"][0]["orders"], seen["trips"][1]["orders"]
    assert first and later and not set(first) & set(later)
    assert _tracked_courier(client, later[0]) is None

    assert _event(client, courier, "back_at_site", rider).json()["applied"] is False  # not on a trip: a repeat
    started = _event(client, courier, "trip_started", rider)
    assert started.status_code == 201 and started.json()["applied"] is True
    assert _event(client, courier, "trip_started", rider).json()["applied"] is False
    under_way = client.get(f"/v1/couriers/{courier}/assignments", headers=rider).json()
    assert under_way["departed"] and under_way["trips"][0]["status"] == "under_way"
    assert _tracked_courier(client, first[0])["phone"] == "+358401234567"
    assert _tracked_courier(client, later[0]) is None  # on a later trip: no contact yet

    assert _event(client, courier, "back_at_site", rider).status_code == 409  # its stops are not done
    early = client.post(f"/v1/orders/{later[0]}/events", json={"type": "delivered"}, headers=rider)
    assert early.status_code == 409 and "later trip" in early.json()["detail"]
    for order_id in first:
        assert (
            client.post(f"/v1/orders/{order_id}/events", json={"type": "delivered"}, headers=rider).status_code == 201
        )
    back = _event(client, courier, "back_at_site", rider)
    assert back.status_code == 201 and back.json() | {"at": None} == {
        "courier": courier,
        "type": "back_at_site",
        "at": None,
        "applied": True,
        "trips_done": 1,
    }
    assert _event(client, courier, "back_at_site", rider).json()["applied"] is False
    next_day = client.get(f"/v1/couriers/{courier}/assignments", headers=rider).json()
    assert not next_day["departed"] and next_day["trips"][0]["orders"] == later
    assert next_day["trips"][0]["status"] == "loading"
    live_orders = {s["order"] for r in client.get("/v1/plans/live").json()["routes"] for s in r["stops"]}
    assert not live_orders & set(first)
    assert {client.get(f"/v1/orders/{o}").json()["status"] for o in first} == {"delivered"}

    assert _event(client, courier, "trip_started", rider).json()["applied"] is True
    assert _tracked_courier(client, later[0])["phone"] == "+358401234567"


def test_a_courier_key_may_not_report_another_couriers_trip(client: TestClient, world: Any, redis_server: Any) -> None:
    route = _live_in_trips(client, world, redis_server.url)
    other = next(c["id"] for c in world.couriers if c["id"] != route["courier"])
    rider = {"X-API-Key": world.key(client, "courier", other)}
    assert _event(client, route["courier"], "trip_started", rider).status_code == 403
    assert client.post(f"/v1/couriers/{route['courier']}/events", json={"type": "left"}).status_code == 422
