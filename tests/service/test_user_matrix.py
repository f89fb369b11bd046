"""The service on a user's travel matrix (LASTMILE_MATRIX): plans and promises run from it, and a site, order or
promise at a place the matrix does not hold is refused naming the field, so it cannot break a later plan."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.settings import Settings
from geo import StraightLineProvider

from .conftest import ADMIN, COURIERS, SITES, order

ADDRESS = [60.170, 24.945]


@pytest.fixture
def on_matrix(settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    points = [tuple(s["location"]) for s in SITES] + [tuple(order("o", k)["location"]) for k in range(12)]
    points.append(tuple(ADDRESS))
    matrix = StraightLineProvider().matrix(points, ["bike"])
    path = tmp_path / "matrix.json"
    own = {"durations": matrix.duration_s["bike"].tolist(), "distances": matrix.distance_m["bike"].tolist()}
    path.write_text(json.dumps({"locations": [list(p) for p in points], "matrices": {"bike": own}}))
    monkeypatch.setenv("LASTMILE_MATRIX", str(path))  # the worker processes read it from the environment
    with TestClient(create_app(settings.model_copy(update={"matrix": path})), raise_server_exceptions=False) as c:
        c.headers["X-API-Key"] = ADMIN
        yield c


def test_plans_and_promises_run_from_the_users_matrix(on_matrix: TestClient, world: Any, redis_server: Any) -> None:
    client = on_matrix
    world.register(client, orders=12)
    job = client.post("/v1/plans", json={"solution_limit": 40, "time_limit_s": 60}).json()
    world.run_worker(redis_server.url)
    done = client.get(f"/v1/plans/{job['id']}").json()
    assert done["status"] == "finished" and done["plan"]["summary"]["orders_served"] == 12, done
    shop = {"X-API-Key": world.key(client, "storefront")}
    offer = client.post("/v1/promises", json={"address": ADDRESS, "items": {"bread": 1}}, headers=shop)
    assert offer.status_code == 201 and offer.json()["slots"], offer.text
    elsewhere = client.post("/v1/promises", json={"address": [60.2, 24.9], "items": {"bread": 1}}, headers=shop)
    assert elsewhere.status_code == 422
    assert elsewhere.json()["detail"].startswith("address: not one of the travel matrix's locations")


def test_a_place_the_matrix_does_not_hold_is_refused(on_matrix: TestClient) -> None:
    client = on_matrix
    moved = {**SITES[0], "location": [60.2, 24.9]}
    response = client.put("/v1/sites/store", json=moved)
    assert response.status_code == 422 and response.json()["detail"].startswith("location: not one of")
    assert client.put("/v1/sites/store", json=SITES[0]).status_code == 201
    assert client.put(f"/v1/couriers/{COURIERS[0]['id']}", json=COURIERS[0]).status_code == 201
    far = {**order("far", 0), "location": [60.2, 24.9]}
    assert client.post("/v1/orders", json=far).json()["detail"].startswith("location: not one of")
    indexed = {**order("idx", 0), "location_index": 3}
    response = client.post("/v1/orders", json=indexed)
    assert response.status_code == 422 and response.json()["detail"].startswith("location_index:")
    assert [o["id"] for o in client.get("/v1/orders").json()] == []
