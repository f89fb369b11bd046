"""The stateful fuzzer, bounded: odd writes, then reads, promises and plans, with no server error."""

from __future__ import annotations

from fastapi.testclient import TestClient

from api.app import create_app
from api.settings import Settings
from benchmarks.api_stateful import run

from .conftest import ADMIN


def test_odd_writes_then_reads_promises_and_plans_never_answer_500(settings: Settings) -> None:
    def connect() -> TestClient:
        client = TestClient(create_app(settings), raise_server_exceptions=False)
        client.headers["X-API-Key"] = ADMIN
        return client

    tally = run(connect, settings.redis_url, examples=10, steps=20)
    assert tally.server_errors == []
    assert tally.statuses[422] > 0 and tally.statuses[201] > 0  # it sent refused values and made things
    assert tally.jobs["finished"] > 0 and set(tally.jobs) == {"finished"}
