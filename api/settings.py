"""The service's one configuration object, read from ``LASTMILE_*`` environment variables (or a ``.env`` file)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from scheduling import PromisePolicy
from scheduling.dispatch import DispatchPolicy, Greedy, Lazy

__all__ = ["Settings", "get_settings"]


class Settings(BaseSettings):
    """Where Redis is, the bootstrap dispatcher key, limits and the promise policy of the live service."""

    model_config = SettingsConfigDict(env_prefix="LASTMILE_", env_file=".env", extra="ignore")

    redis_url: str = Field(
        default="redis://127.0.0.1:6379/0", description="Redis holding all live state and the RQ queue"
    )
    redis_timeout_s: float = Field(
        default=5.0, gt=0, le=60, description="a Redis call that takes longer fails, and the request gets 503"
    )
    admin_key: SecretStr | None = Field(default=None, description="a dispatcher API key that always works (bootstrap)")
    queue: str = Field(default="lastmile", description="RQ queue name for solve jobs")
    max_body_bytes: int = Field(default=1_000_000, ge=1024, description="requests with a larger body get 413")
    solve_time_limit_s: float = Field(default=30.0, gt=0, description="default budget of a plan or re-plan job")
    solve_workers: int = Field(default=1, ge=1, description="search processes per solve job")
    job_retries: int = Field(default=2, ge=0, description="retries of a solve job whose worker died")
    position_ttl_s: int = Field(default=900, ge=1, description="how long a courier's last GPS ping is kept")
    idempotency_ttl_s: int = Field(
        default=86400, ge=1, description="how long a confirmed promise's response is replayed"
    )
    roads: Path | None = Field(default=None, description="OSM .pbf for road travel times (default: straight line)")
    matrix: Path | None = Field(
        default=None,
        description="your own travel matrices with their locations, JSON or .npz (docs/problem-format.md, Matrices); "
        "sites, orders and promises must then be at those locations",
    )
    slot_s: int = Field(default=3600, gt=0, description="length of a promised delivery window")
    step_s: int = Field(default=1800, gt=0, description="a promised window starts every step_s")
    horizon_s: int = Field(default=4 * 3600, gt=0, description="how far ahead windows are offered")
    hold_s: int = Field(default=300, gt=0, description="how long an offer holds its stock")
    prep_s: int = Field(default=600, ge=0, description="picking and packing time before a courier can leave")
    dispatch: Literal["greedy", "lazy"] = Field(
        default="greedy",
        description="when the courier app is told to leave on a loaded trip: when ready, or at the latest safe time",
    )

    def dispatch_policy(self) -> DispatchPolicy:
        """The dispatch policy these settings name."""
        return Lazy() if self.dispatch == "lazy" else Greedy()

    def promise_policy(self) -> PromisePolicy:
        """The promise policy these settings describe."""
        return PromisePolicy(self.slot_s, self.step_s, self.horizon_s, self.hold_s, self.prep_s)


@lru_cache
def get_settings() -> Settings:
    """The settings of this process (read once)."""
    return Settings()
