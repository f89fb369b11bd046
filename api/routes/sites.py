"""Sites (stores and forward warehouses) with their stock, in the problem format."""

from __future__ import annotations

from fastapi import APIRouter, Response

from api.deps import DispatcherCaller, LiveDep, RegistryDep
from api.schemas import ERRORS, SiteSpec
from api.store import KEYS
from routing.errors import InputError

router = APIRouter(prefix="/v1/sites", tags=["sites"], responses=ERRORS)


@router.put("/{site_id}", response_model=SiteSpec)
def put_site(site_id: str, body: SiteSpec, _: DispatcherCaller, live: LiveDep, response: Response) -> SiteSpec:
    """Register or update a site. Stock, opening hours and zone reach the live plan at once; a new site or a new
    location takes effect at the next plan."""
    if body.id != site_id:
        raise InputError(f"id: {body.id!r} does not match the path's {site_id!r}")
    pipe = live.redis.pipeline()
    pipe.hset(KEYS.sites, site_id, body.model_dump_json(exclude_none=True))
    live.registry_changed(pipe)
    created = pipe.execute()[0]
    live.apply_registry()
    response.status_code = 201 if created else 200
    return body


@router.get("", response_model=list[SiteSpec])
def list_sites(_: DispatcherCaller, registry: RegistryDep) -> list[SiteSpec]:
    """Every registered site."""
    return [SiteSpec.model_validate(s) for s in registry.all(KEYS.sites)]


@router.get("/{site_id}", response_model=SiteSpec)
def get_site(site_id: str, _: DispatcherCaller, registry: RegistryDep) -> SiteSpec:
    """One site."""
    return SiteSpec.model_validate(registry.get(KEYS.sites, site_id, "site"))
