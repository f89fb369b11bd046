"""Health (Redis reachable) and Prometheus metrics."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import BaseModel
from redis.exceptions import RedisError

from api.deps import RedisDep
from api.errors import RETRY_AFTER_S

__all__ = ["router"]

router = APIRouter(tags=["health"])


class Health(BaseModel):
    """``ok`` when Redis answers."""

    status: str
    redis: str


@router.get("/health", response_model=Health, responses={503: {"model": Health}})
def health(redis: RedisDep, response: Response) -> Health:
    """Liveness and readiness: 200 when Redis answers a PING, else 503 (``redis`` names the error)."""
    try:
        redis.ping()
    except RedisError as exc:
        response.status_code = 503
        response.headers["Retry-After"] = str(RETRY_AFTER_S)
        return Health(status="unavailable", redis=type(exc).__name__)
    return Health(status="ok", redis="ok")


@router.get("/metrics", response_class=Response, responses={200: {"content": {"text/plain": {}}}})
def metrics(request: Request) -> Response:
    """Prometheus text format: requests and latencies by route, solve jobs by state, queue length."""
    return Response(generate_latest(request.app.state.metrics.registry), media_type=CONTENT_TYPE_LATEST)
