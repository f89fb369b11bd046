"""A real Redis server for the service tests (AOF on, fsync on every write), started from the redis-server
binary on a free loopback port; the app on it; and a small live world whose times are relative to now."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr
from redis import Redis
from redis.exceptions import ConnectionError as RedisConnectionError

from api.app import create_app
from api.settings import Settings

ADMIN = "test-admin-key"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class RedisServer:
    """A redis-server process on loopback that can be killed and started again on the same data."""

    def __init__(self, folder: Path) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            pytest.fail("redis-server is not installed: scripts/check.sh installs it (apt-get install redis-server)")
        self.binary, self.folder, self.port = binary, folder, _free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen[bytes] | None = None
        self.start()

    def start(self) -> None:
        args = [
            self.binary,
            "--port",
            str(self.port),
            "--bind",
            "127.0.0.1",
            "--dir",
            str(self.folder),
            "--appendonly",
            "yes",
            "--appendfsync",
            "always",
            "--save",
            "",
            "--daemonize",
            "no",
        ]
        self.process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 20
        while True:
            try:
                Redis.from_url(self.url).ping()
                return
            except RedisConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def kill(self) -> None:
        """SIGKILL: no shutdown save; what survives is what the AOF has."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path_factory.mktemp("redis"))
    yield server
    if server.process is not None:
        server.process.terminate()
        server.process.wait()


@pytest.fixture
def settings(redis_server: RedisServer, monkeypatch: pytest.MonkeyPatch) -> Settings:
    Redis.from_url(redis_server.url).flushall()
    monkeypatch.setenv("LASTMILE_REDIS_URL", redis_server.url)
    monkeypatch.setenv("LASTMILE_ADMIN_KEY", ADMIN)
    from api.settings import get_settings

    get_settings.cache_clear()
    return Settings(redis_url=redis_server.url, admin_key=SecretStr(ADMIN), job_retries=1, max_body_bytes=20_000)


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings), raise_server_exceptions=False) as c:
        c.headers["X-API-Key"] = ADMIN
        yield c


def run_worker(redis_url: str, *extra: str, timeout: float = 120) -> subprocess.CompletedProcess[bytes]:
    """``lastmile worker --burst`` in its own process until the queue is empty."""
    env = {**os.environ, "LASTMILE_REDIS_URL": redis_url}
    return subprocess.run(
        [sys.executable, "-m", "cli", "worker", "--burst", *extra],
        env=env,
        timeout=timeout,
        capture_output=True,
        check=True,
    )


def start_worker(redis_url: str, *extra: str) -> subprocess.Popen[bytes]:
    """A long-running worker in a process group of its own (its work horse makes another one)."""
    env = {**os.environ, "LASTMILE_REDIS_URL": redis_url}
    return subprocess.Popen(
        [sys.executable, "-m", "cli", "worker", *extra],
        env=env,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


NOW = datetime.now().astimezone().replace(microsecond=0)


def at(minutes: float) -> str:
    """A time ``minutes`` from now, ISO 8601 with the local offset."""
    return (NOW + timedelta(minutes=minutes)).isoformat()


def window(start_min: float, end_min: float) -> dict[str, str]:
    return {"start": at(start_min), "end": at(end_min)}


SITES: list[dict[str, Any]] = [
    {
        "id": "store",
        "kind": "store",
        "location": [60.1690, 24.9410],
        "opening": window(-120, 600),
        "stock": {"milk": 200, "bread": 200, "coffee": 3},
    },
    {
        "id": "fw-east",
        "kind": "forward_warehouse",
        "location": [60.1880, 24.9780],
        "opening": window(-120, 600),
        "stock": {"milk": 100, "bread": 100},
    },
]


def courier(name: str, site: str, start_min: float = 30) -> dict[str, Any]:
    return {
        "id": name,
        "site": site,
        "shift": window(start_min, 480),
        "profile": "bike",
        "capacity": {"weight_g": 30_000},
    }


COURIERS = [courier("bike-1", "store"), courier("bike-2", "store"), courier("bike-3", "fw-east")]


def order(name: str, k: int, items: dict[str, int] | None = None) -> dict[str, Any]:
    lat, lon = 60.160 + 0.004 * (k % 7), 24.925 + 0.007 * (k % 5)
    return {
        "id": name,
        "location": [lat, lon],
        "windows": [window(60 + 20 * (k % 4), 180 + 20 * (k % 4))],
        "items": items or {"milk": 1 + k % 2},
        "weight_g": 1500,
        "service_s": 120,
    }


def register_world(client: TestClient, orders: int = 12) -> None:
    for site in SITES:
        assert client.put(f"/v1/sites/{site['id']}", json=site).status_code == 201
    for c in COURIERS:
        assert client.put(f"/v1/couriers/{c['id']}", json=c).status_code == 201
    for k in range(orders):
        assert client.post("/v1/orders", json=order(f"o{k}", k)).status_code == 201


def key(client: TestClient, role: str, courier_id: str | None = None) -> str:
    response = client.post("/v1/keys", json={"role": role, "courier": courier_id, "name": f"{role} test"})
    assert response.status_code == 201, response.text
    return str(response.json()["key"])


class World:
    """The test world's helpers, handed to tests as the ``world`` fixture."""

    sites, couriers = SITES, COURIERS
    at, window, order, courier = staticmethod(at), staticmethod(window), staticmethod(order), staticmethod(courier)
    register, key = staticmethod(register_world), staticmethod(key)
    run_worker, start_worker = staticmethod(run_worker), staticmethod(start_worker)


@pytest.fixture
def world() -> type[World]:
    return World
