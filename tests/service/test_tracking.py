"""Tracking's courier contact and timeline: the courier's first name and phone only in the tracking of the orders
on the trip it has left on, never before it leaves, after the order is delivered, or in other couriers' orders;
the steps in order; phone and name checked at registration and kept out of the routing problem; street lines for
the page's backdrop from the road graph only."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.routes.tracking import MAX_STREETS
from api.settings import Settings

PBF = Path(__file__).resolve().parents[2] / "data" / "helsinki.osm.pbf"
CONTACTS = {
    "bike-1": {"name": "Aino Maria Virtanen", "phone": "+358401234567"},
    "bike-2": {"phone": "+358501112223"},
    "bike-3": {"name": "Ilmari", "phone": "+358409998887"},
}
FIRST_NAMES = {"bike-1": "Aino", "bike-2": None, "bike-3": "Ilmari"}
ANONYMOUS = {"X-API-Key": ""}


def _tracked(client: TestClient, order_id: str) -> dict[str, Any]:
    token = client.get(f"/v1/orders/{order_id}").json()["tracking_token"]
    response = client.get(f"/v1/tracking/{token}", headers=ANONYMOUS)
    assert response.status_code == 200, response.text
    return dict(response.json())


def _deliveries(route: dict[str, Any]) -> list[str]:
    return [s["order"] for s in route["stops"] if s["kind"] == "delivery"]


def _live_with_contacts(client: TestClient, world: Any, redis_url: str) -> list[dict[str, Any]]:
    """The test world with every courier's contact and two orders by the east warehouse, planned; its routes."""
    world.register(client, orders=6)
    for k in range(2):
        east = {**world.order(f"east{k}", k), "location": [60.1890 + 0.001 * k, 24.9800]}
        assert client.post("/v1/orders", json=east).status_code == 201
    for courier in world.couriers:
        contact = {**courier, **CONTACTS[courier["id"]]}
        assert client.put(f"/v1/couriers/{courier['id']}", json=contact).status_code == 200
    job = client.post("/v1/plans", json={"solution_limit": 20}).json()
    world.run_worker(redis_url)
    assert client.get(f"/v1/plans/{job['id']}").json()["status"] == "finished"
    return [r for r in client.get("/v1/plans/live").json()["routes"] if _deliveries(r)]


def _times(timeline: list[dict[str, Any]]) -> list[datetime]:
    return [datetime.fromisoformat(step["at"]) for step in timeline]


def test_contact_only_in_the_tracking_of_orders_on_the_trip_under_way(
    client: TestClient, world: Any, redis_server: Any
) -> None:
    routes = _live_with_contacts(client, world, redis_server.url)
    assert len(routes) >= 2, routes
    route = max(routes, key=lambda r: len(_deliveries(r)))
    mine = _deliveries(route)
    assert len(mine) >= 2, route
    others = [o for r in routes if r["courier"] != route["courier"] for o in _deliveries(r)]
    for order_id in mine + others:  # nobody has left yet
        seen = _tracked(client, order_id)
        assert seen["courier"] is None and seen["courier_position"] is None, seen
        assert [step["status"] for step in seen["timeline"]] == ["accepted"]

    rider = {"X-API-Key": world.key(client, "courier", route["courier"])}
    assert client.post(f"/v1/orders/{mine[0]}/events", json={"type": "picked_up"}, headers=rider).status_code == 201
    contact = {"first_name": FIRST_NAMES[route["courier"]], "phone": CONTACTS[route["courier"]]["phone"]}
    for order_id in mine:
        assert _tracked(client, order_id)["courier"] == contact, order_id
    for order_id in others:  # another courier, still at its site
        assert _tracked(client, order_id)["courier"] is None, order_id

    assert client.post(f"/v1/orders/{mine[0]}/events", json={"type": "delivered"}, headers=rider).status_code == 201
    delivered = _tracked(client, mine[0])
    assert delivered["status"] == "delivered" and delivered["courier"] is None
    assert _tracked(client, mine[1])["courier"] == contact  # still on its way to this one

    failed = {"type": "failed", "reason": "nobody home"}
    assert client.post(f"/v1/orders/{mine[1]}/events", json=failed, headers=rider).status_code == 201
    assert _tracked(client, mine[1])["courier"] is None


def test_the_timeline_lists_the_steps_in_order(client: TestClient, world: Any, redis_server: Any) -> None:
    route = max(_live_with_contacts(client, world, redis_server.url), key=lambda r: len(_deliveries(r)))
    first, second = _deliveries(route)[:2]
    rider = {"X-API-Key": world.key(client, "courier", route["courier"])}
    picked = client.post(f"/v1/orders/{first}/events", json={"type": "picked_up"}, headers=rider).json()
    on_its_way = _tracked(client, second)["timeline"]  # the courier left with it, its own pickup not scanned
    assert [step["status"] for step in on_its_way] == ["accepted", "on_the_way"]
    assert datetime.fromisoformat(on_its_way[1]["at"]) == datetime.fromisoformat(picked["at"])

    client.post(f"/v1/orders/{first}/events", json={"type": "delivered"}, headers=rider)
    done = _tracked(client, first)["timeline"]
    assert [step["status"] for step in done] == ["accepted", "picked", "on_the_way", "delivered"]
    assert _times(done) == sorted(_times(done))
    events = client.get(f"/v1/orders/{first}/events").json()
    assert [datetime.fromisoformat(e["at"]) for e in events] == [_times(done)[1], _times(done)[3]]

    client.post(f"/v1/orders/{second}/events", json={"type": "failed", "reason": "nobody home"}, headers=rider)
    gone = _tracked(client, second)["timeline"]
    assert [step["status"] for step in gone] == ["accepted", "on_the_way", "failed"]
    assert _times(gone) == sorted(_times(gone))


def test_contact_is_kept_on_the_courier_and_out_of_the_plan(client: TestClient, world: Any, redis_server: Any) -> None:
    _live_with_contacts(client, world, redis_server.url)
    registered = client.get("/v1/couriers/bike-1").json()
    assert (registered["name"], registered["phone"]) == ("Aino Maria Virtanen", "+358401234567")
    assert client.get("/v1/couriers/bike-2").json()["name"] is None
    changed = {**world.couriers[0], "name": "Aino", "phone": "+358401230000"}  # while a plan is live
    assert client.put("/v1/couriers/bike-1", json=changed).status_code == 200
    plan = client.get("/v1/plans/live").text
    assert "+35840" not in plan and "+35850" not in plan and "Aino" not in plan


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("phone", "040 1234567"),
        ("phone", "+358 40 123 4567"),
        ("phone", "358401234567"),
        ("phone", "+35840"),
        ("phone", "+3584012345678901"),
        ("phone", 358401234567),
        ("name", "   "),
        ("name", "x" * 101),
    ],
)
def test_a_bad_phone_or_name_is_refused_naming_its_field(
    client: TestClient, world: Any, field: str, value: object
) -> None:
    world.register(client, orders=0)
    response = client.put("/v1/couriers/bike-1", json={**world.couriers[0], field: value})
    assert response.status_code == 422, response.text
    assert response.json()["detail"].startswith(f"{field}: "), response.json()
    assert client.get("/v1/couriers/bike-1").json()[field] is None


def test_streets_come_from_the_road_graph_only(client: TestClient, settings: Settings, world: Any) -> None:
    world.register(client, orders=0)
    address = [60.1700, 24.9450]  # in the middle of the road graph's extract
    placed = client.post("/v1/orders", json={**world.order("o0", 0), "location": address}).json()
    url = f"/v1/tracking/{placed['tracking_token']}/streets"
    assert client.get(url, headers=ANONYMOUS).json() == {"streets": []}  # straight line: no road graph
    with TestClient(create_app(settings.model_copy(update={"roads": PBF}))) as roads:
        lines = roads.get(url).json()["streets"]
        assert 0 < len(lines) <= MAX_STREETS and all(len(line) >= 2 for line in lines)
        lat, lon = address
        assert any(abs(p[0] - lat) < 0.002 and abs(p[1] - lon) < 0.004 for line in lines for p in line)
        assert roads.get("/v1/tracking/not-a-token/streets").status_code == 404
