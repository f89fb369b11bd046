"""Solve jobs on RQ: ``POST /v1/plans`` and ``/v1/replan`` enqueue one; ``lastmile worker`` processes run them.

A job's own record (``lm:job:{id}``: kind, status, progress, result) is what the API shows; RQ carries the work
and retries a job whose worker died (``Retry``; RQ notices a dead worker when its heartbeat lapses). A plan job
plans every open order afresh and becomes the live plan unless a newer plan job already did; orders accepted
while it ran are inserted into it before it goes live, so none is lost.
"""

from __future__ import annotations

import json
import time
from dataclasses import replace
from typing import Any

from redis import Redis
from rq import Queue, Retry, get_current_job
from rq.exceptions import NoSuchJobError
from rq.job import Job

from api.live_store import LIVE, LiveStore
from api.providers import make_provider
from api.settings import Settings, get_settings
from api.store import Registry
from routing import SolveParams, solve
from routing.errors import Conflict
from routing.plan_json import plan_to_json
from scheduling import LivePlan
from scheduling.replan import insert_orders, reoptimise

__all__ = ["enqueue", "job_record", "run_job"]

SEQ = "lm:job:seq"


def _key(job_id: str) -> str:
    return f"lm:job:{job_id}"


def enqueue(redis: Redis, settings: Settings, kind: str, params: dict[str, Any]) -> str:
    """Queue a ``plan`` or ``replan`` job; return its id."""
    budget = params.get("time_limit_s") or settings.solve_time_limit_s
    params = {**params, "time_limit_s": budget, "seq": int(redis.incr(SEQ))}
    queue = Queue(settings.queue, connection=redis)
    job = queue.create_job(
        run_job,
        args=(kind, params),
        retry=Retry(max=settings.job_retries) if settings.job_retries else None,
        timeout=int(budget * 3 + 120),
        result_ttl=86400,
        failure_ttl=86400,
    )
    redis.hset(_key(job.id), mapping={"kind": kind, "status": "queued", "params": json.dumps(params)})
    redis.expire(_key(job.id), 7 * 86400)
    queue.enqueue_job(job)
    return job.id


def job_record(redis: Redis, job_id: str) -> dict[str, Any] | None:
    """The job's record (kind, status, progress, plan, changes, error, live) or None when unknown."""
    raw: dict[bytes, bytes] = redis.hgetall(_key(job_id))  # type: ignore[assignment]
    if not raw:
        return None
    record: dict[str, Any] = {k.decode(): v.decode() for k, v in raw.items()}
    for name in ("progress", "plan", "changes"):
        if name in record:
            record[name] = json.loads(record[name])
    record["live"] = record.get("live") == "1"
    if record["status"] in ("queued", "started"):
        status = _rq_status(redis, job_id)
        if status == "failed":
            record["status"], record["error"] = "failed", "the worker died and no retry is left"
    return record


def _rq_status(redis: Redis, job_id: str) -> str | None:
    try:
        return str(Job.fetch(job_id, connection=redis).get_status())
    except NoSuchJobError:  # the RQ job expired: the record says the rest
        return None


class _Reporter:
    """Writes solve progress into the job record, at most twice a second."""

    def __init__(self, redis: Redis, job_id: str) -> None:
        self.redis, self.job_id, self.last = redis, job_id, 0.0

    def __call__(self, phase: str, elapsed_s: float, objective: int) -> None:
        if time.monotonic() - self.last >= 0.5:
            self.last = time.monotonic()
            progress = {"phase": phase, "elapsed_s": round(elapsed_s, 2), "objective": int(objective)}
            self.redis.hset(_key(self.job_id), "progress", json.dumps(progress))


def run_job(kind: str, params: dict[str, Any]) -> str:
    """The body of a job, run by an RQ worker: plan or re-plan, then make the result live. Returns the status."""
    job = get_current_job()
    assert job is not None, "run_job runs inside an RQ worker"
    redis: Redis = job.connection
    settings = get_settings()
    registry = Registry(redis)
    live_store = LiveStore(redis, registry, make_provider(settings), settings.promise_policy())
    redis.hset(_key(job.id), mapping={"status": "started", "retries_left": str(job.retries_left)})
    solve_params = SolveParams(
        time_limit_s=float(params["time_limit_s"]),
        solution_limit=params.get("solution_limit"),
        ruin_iterations=params.get("solution_limit"),
        workers=settings.solve_workers,
    )
    try:
        if kind == "plan":
            fields = _plan(live_store, registry, solve_params, params, job.id)
        else:
            fields = _replan(live_store, solve_params, params)
    except Exception as exc:  # recorded for the API; RQ marks the job failed too
        redis.hset(_key(job.id), mapping={"status": "failed", "error": f"{type(exc).__name__}: {exc}"})
        raise
    redis.hset(_key(job.id), mapping={"status": "finished", **fields})
    return "finished"


def _plan(live_store: LiveStore, registry: Registry, params: SolveParams, job: dict[str, Any], job_id: str) -> dict:
    problem = registry.problem(open_only=True)
    matrix = live_store.provider.matrix(problem.locations(), sorted({c.profile for c in problem.couriers}))
    plan = solve(
        problem, matrix, params=params, seed=int(job.get("seed", 0)), progress=_Reporter(registry.redis, job_id)
    )
    fields = {"plan": json.dumps(plan_to_json(problem, plan)), "live": "0"}
    with live_store.lock():
        newest = int(registry.redis.hget(LIVE, "seq") or 0)
        if job["seq"] < newest:
            return fields
        live = _insert_registered(live_store, LivePlan(problem, matrix, plan, live_store.clock(problem)))
        pipe = registry.redis.pipeline()
        pipe.hset(LIVE, "seq", job["seq"])
        live_store.commit(live, pipe)
        fields["live"] = "1"
        fields["plan"] = json.dumps(plan_to_json(live.problem, live.plan))
    return fields


def _insert_registered(live_store: LiveStore, live: LivePlan) -> LivePlan:
    """``live`` with the registered open orders it does not have yet inserted (or left out with a reason)."""
    known = {o.id for o in live.problem.orders}
    registered = live_store.registry.problem(open_only=True)
    added = [o for o in registered.orders if o.id not in known]
    return insert_orders(live, live_store.provider, added)[0] if added else live


def _replan(live_store: LiveStore, params: SolveParams, job: dict[str, Any]) -> dict:
    changes: dict[Any, Any] = {}
    if job["mode"] == "insert":
        with live_store.lock():
            new = _insert_registered(live_store, live_store.current())
            live_store.commit(new, live_store.redis.pipeline())
    else:
        version, before = live_store.version(), live_store.current()
        new, changes = reoptimise(before, params, int(job.get("seed", 0)))
        with live_store.lock():
            now = live_store.current()
            if live_store.version() != version:
                if now.states != before.states:
                    raise Conflict("live plan: couriers reported events during the re-optimisation; run it again")
                known = {o.id for o in before.problem.orders}
                added = [o for o in now.problem.orders if o.id not in known]
                new = insert_orders(replace(new, now_s=now.now_s), live_store.provider, added)[0]
            live_store.commit(new, live_store.redis.pipeline())
    listed = [{"courier": ch.courier, "before": ch.before, "after": ch.after} for ch in changes.values()]
    return {"plan": json.dumps(plan_to_json(new.problem, new.plan)), "changes": json.dumps(listed), "live": "1"}
