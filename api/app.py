"""The HTTP service: ``create_app(settings)`` wires Redis, the registry, the live plan, routers and errors."""

from __future__ import annotations

import gc
import sys

from fastapi import FastAPI
from redis import Redis

from api.errors import install_error_handlers
from api.live_store import LiveStore
from api.metrics import Metrics, MetricsMiddleware
from api.positions import Positions
from api.providers import make_provider
from api.routes import couriers, health, keys, orders, plans, promises, sites, tracking
from api.settings import Settings, get_settings
from api.store import Registry

__all__ = ["create_app"]

DESCRIPTION = """Live last-mile operations: dispatchers register sites, couriers and orders and request plans;
storefronts ask for delivery promises and confirm them; courier apps poll assignments and report positions and
events; customers track orders with live ETAs. Every call but tracking needs an `X-API-Key`."""

SWITCH_INTERVAL_S = 0.0005


def create_app(settings: Settings | None = None) -> FastAPI:
    """The FastAPI app on the Redis in ``settings`` (default: from the environment)."""
    settings = settings or get_settings()
    # the event loop answers promises and polls in a few ms; a confirmation or a plan read runs in the thread pool
    # for tens of ms and would keep the GIL for the default 5 ms at a time, several times per request on the loop
    sys.setswitchinterval(SWITCH_INTERVAL_S)
    timeout = settings.redis_timeout_s  # a Redis that stops answering (frozen, partitioned) is an error, not a hang
    redis = Redis.from_url(
        settings.redis_url, health_check_interval=30, socket_timeout=timeout, socket_connect_timeout=timeout
    )
    app = FastAPI(title="lastmile", version="0.1.0", description=DESCRIPTION)
    registry = Registry(redis)
    app.state.settings, app.state.redis, app.state.registry = settings, redis, registry
    app.state.live = LiveStore(redis, registry, make_provider(settings), settings.promise_policy())
    app.state.positions = Positions(redis, settings.position_ttl_s)
    app.state.metrics = Metrics(redis, settings.queue)
    app.state.polls = {}
    install_error_handlers(app)
    for module in (keys, sites, couriers, orders, plans, promises, tracking, health):
        app.include_router(module.router)
    app.add_middleware(MetricsMiddleware, metrics=app.state.metrics, max_body_bytes=settings.max_body_bytes)
    # what is imported and built so far (FastAPI, pydantic, OR-Tools, numpy, ...: ~130,000 objects) lives as long as
    # the process: out of the collector's sight, a full collection walks only what requests made (not a 40-70 ms
    # pause that holds up every request in flight)
    gc.collect()
    gc.freeze()
    return app
