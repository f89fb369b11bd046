"""Plans: a solve of every open order as a background job (202 + job id), its progress, then the plan; the live
plan; and re-planning it (insert new orders, or re-optimise around the locked stops)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from api.deps import DispatcherCaller, LiveDep, RedisDep, SettingsDep
from api.jobs import enqueue, job_record
from api.schemas import ERRORS, JobPublic, PlanCreate, ReplanCreate
from routing.errors import NotFound
from routing.plan_json import plan_to_json

__all__ = ["router"]

router = APIRouter(tags=["plans"], responses=ERRORS)


def _job(redis: Any, job_id: str) -> JobPublic:
    record = job_record(redis, job_id)
    if record is None:
        raise NotFound(f"plan {job_id!r}: unknown")
    return JobPublic(
        id=job_id,
        kind=record["kind"],
        status=record["status"],
        progress=record.get("progress"),
        plan=record.get("plan"),
        changes=record.get("changes"),
        error=record.get("error"),
        live=record["live"],
    )


@router.post("/v1/plans", response_model=JobPublic, status_code=202)
def create_plan(body: PlanCreate, _: DispatcherCaller, redis: RedisDep, settings: SettingsDep) -> JobPublic:
    """Start planning every open order on the registered couriers; poll ``GET /v1/plans/{id}``. When it finishes
    it becomes the live plan (unless a plan requested later is live already)."""
    return _job(redis, enqueue(redis, settings, "plan", body.model_dump()))


@router.get("/v1/plans/live", response_model=dict[str, Any])
def live_plan(_: DispatcherCaller, live: LiveDep) -> dict[str, Any]:
    """The live plan, as `lastmile solve` writes a plan."""
    current = live.current()
    return plan_to_json(current.problem, current.plan)


@router.get("/v1/plans/{plan_id}", response_model=JobPublic)
def get_plan(plan_id: str, _: DispatcherCaller, redis: RedisDep) -> JobPublic:
    """A plan job: status (queued, started, finished, failed), progress while it runs, then the plan."""
    return _job(redis, plan_id)


@router.post("/v1/replan", response_model=JobPublic, status_code=202)
def replan(body: ReplanCreate, _: DispatcherCaller, redis: RedisDep, settings: SettingsDep) -> JobPublic:
    """Re-plan the live plan as a job: ``insert`` puts the orders accepted since into it where they fit;
    ``reoptimise`` re-plans everything not locked (stops done, the stop a courier is driving to, what it
    carries). The job's ``changes`` list the couriers whose stops to come changed."""
    return _job(redis, enqueue(redis, settings, "replan", body.model_dump()))
