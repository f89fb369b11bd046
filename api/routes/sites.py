"""Sites (stores and forward warehouses) with their stock, in the problem format."""

from __future__ import annotations

from fastapi import APIRouter, Response

from api.deps import DispatcherCaller, LiveDep, RegistryDep
from api.providers import known_place
from api.routes.common import no_location_index, same_id
from api.schemas import ERRORS, SiteSpec
from api.store import KEYS

router = APIRouter(prefix="/v1/sites", tags=["sites"], responses=ERRORS)


@router.put("/{site_id}", response_model=SiteSpec)
def put_site(site_id: str, body: SiteSpec, _: DispatcherCaller, live: LiveDep, response: Response) -> SiteSpec:
    """Register or update a site. Stock, opening hours and zone reach the live plan at once; a new site or a new
    location takes effect at the next plan."""
    same_id(body.id, site_id)
    no_location_index(body.location_index)
    known_place(live.provider, body.location, "location")
    created = live.register(KEYS.sites, site_id, body.model_dump_json(exclude_none=True))
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
