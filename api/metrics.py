"""Prometheus metrics: requests and their latency per route (middleware), and solve jobs and queue length read
from RQ's registries in Redis when scraped."""

from __future__ import annotations

import time
from collections.abc import Iterator

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from redis import Redis
from rq import Queue
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["Metrics", "MetricsMiddleware"]

BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)


class _Jobs(Collector):
    def __init__(self, redis: Redis, queue: str) -> None:
        self.redis, self.queue = redis, queue

    def collect(self) -> Iterator[GaugeMetricFamily]:
        queue = Queue(self.queue, connection=self.redis)
        length = GaugeMetricFamily("lastmile_queue_length", "solve jobs waiting in the RQ queue")
        length.add_metric([], len(queue))
        yield length
        jobs = GaugeMetricFamily("lastmile_solve_jobs", "solve jobs by state (RQ registries)", labels=["state"])
        jobs.add_metric(["started"], queue.started_job_registry.count)
        jobs.add_metric(["finished"], queue.finished_job_registry.count)
        jobs.add_metric(["failed"], queue.failed_job_registry.count)
        yield jobs


class Metrics:
    """The app's own metric registry."""

    def __init__(self, redis: Redis, queue: str) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "lastmile_http_requests", "HTTP requests", ["method", "route", "status"], registry=self.registry
        )
        self.latency = Histogram(
            "lastmile_http_request_duration_seconds",
            "time to answer",
            ["method", "route"],
            buckets=BUCKETS,
            registry=self.registry,
        )
        self.registry.register(_Jobs(redis, queue))


class MetricsMiddleware:
    """Counts and times every HTTP request by route template; refuses bodies over ``max_body_bytes`` with 413."""

    def __init__(self, app: ASGIApp, metrics: Metrics, max_body_bytes: int) -> None:
        self.app, self.metrics, self.max_body_bytes = app, metrics, max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started, status = time.perf_counter(), 500
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_body_bytes:
            await _too_large(send, self.max_body_bytes)
            self._record(scope, 413, started)
            return
        seen = 0

        async def limited() -> Message:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.max_body_bytes:
                raise _TooLarge(self.max_body_bytes)
            return message

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        await self.app(scope, limited, sending)  # a _TooLarge raised while reading is answered 413 by the app
        self._record(scope, status, started)

    def _record(self, scope: Scope, status: int, started: float) -> None:
        route = getattr(scope.get("route"), "path", "unmatched")
        self.metrics.requests.labels(scope["method"], route, str(status)).inc()
        self.metrics.latency.labels(scope["method"], route).observe(time.perf_counter() - started)


class _TooLarge(HTTPException):
    """A body that grew past the limit while read (chunked, or a false Content-Length): an HTTPException, so that
    the app answers it 413 (not FastAPI's 400 for a body it could not read) and the status is counted as sent."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"body: larger than {limit} bytes")


async def _too_large(send: Send, limit: int) -> None:
    body = b'{"detail":"body: larger than %d bytes"}' % limit
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})
