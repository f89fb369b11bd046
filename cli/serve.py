"""``lastmile serve`` (the HTTP API under uvicorn) and ``lastmile worker`` (an RQ worker running solve jobs)."""

from __future__ import annotations

from typing import Annotated

import typer

from api.settings import get_settings
from cli.common import console, run
from routing.errors import InputError
from simulations.batch import QUEUE as SIMULATION_QUEUE

__all__ = ["serve_command", "worker_command"]


def _redis_ok() -> None:
    from redis import Redis
    from redis.exceptions import RedisError

    url = get_settings().redis_url
    try:
        Redis.from_url(url).ping()
    except RedisError as exc:
        raise InputError(f"LASTMILE_REDIS_URL: cannot reach Redis at {url} ({exc})") from None


def serve_command(
    host: Annotated[str, typer.Option("--host", help="address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="TCP port")] = 8000,
    log_level: Annotated[str, typer.Option("--log-level", help="uvicorn log level")] = "warning",
    workers: Annotated[int, typer.Option("--workers", help="API processes (state is in Redis, so any number)")] = 1,
) -> None:
    """Run the HTTP API (settings from LASTMILE_* variables: LASTMILE_REDIS_URL, LASTMILE_ADMIN_KEY, …)."""

    def body() -> None:
        import uvicorn

        from api.app import create_app

        _redis_ok()
        console.print(f"lastmile API on http://{host}:{port} (docs at /docs), Redis {get_settings().redis_url}")
        if workers < 1:
            raise InputError(f"--workers: must be >= 1, got {workers}")
        if workers == 1:
            uvicorn.run(create_app(), host=host, port=port, log_level=log_level, access_log=False)
        else:
            options = {"host": host, "port": port, "log_level": log_level, "access_log": False, "workers": workers}
            uvicorn.run("api.app:create_app", factory=True, **options)  # type: ignore[arg-type]

    run(body)


def worker_command(
    burst: Annotated[bool, typer.Option("--burst", help="stop when the queue is empty")] = False,
    maintenance_s: Annotated[
        int,
        typer.Option("--maintenance-s", min=1, max=3600, help="how often to look for jobs of dead workers to retry"),
    ] = 60,
) -> None:
    """Run an RQ worker for solve jobs and simulated days; start as many as you like, wherever Redis is reached."""

    def body() -> None:
        from redis import Redis
        from rq import Queue, Worker

        _redis_ok()
        settings = get_settings()
        redis = Redis.from_url(settings.redis_url)
        queues = [Queue(name, connection=redis) for name in (settings.queue, SIMULATION_QUEUE)]
        # an idle worker waits for a job at most worker_ttl - 15 s (RQ's default: 405 s) before it looks at its
        # maintenance again: as long as the maintenance interval, so that a dead worker's job is retried in time
        worker = Worker(queues, connection=redis, maintenance_interval=maintenance_s, worker_ttl=maintenance_s + 15)
        console.print(
            f"lastmile worker {worker.name} on queues {settings.queue!r} and {SIMULATION_QUEUE!r}, "
            f"Redis {settings.redis_url}"
        )
        worker.work(burst=burst, logging_level="WARNING")

    run(body)
