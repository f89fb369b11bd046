"""API keys: a dispatcher creates keys for storefronts and couriers."""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import DispatcherCaller, RegistryDep
from api.routes.common import ensure_courier
from api.schemas import ERRORS, KeyCreate, KeyPublic

router = APIRouter(prefix="/v1/keys", tags=["keys"], responses=ERRORS)


@router.post("", response_model=KeyPublic, status_code=201)
def create_key(body: KeyCreate, caller: DispatcherCaller, registry: RegistryDep) -> KeyPublic:
    """Create an API key; the secret is in ``key`` and is shown only now. A courier key needs a known courier."""
    if body.courier is not None:
        ensure_courier(registry, body.courier)
    secret, key = registry.add_key(body.role, body.courier, body.name)
    return KeyPublic(id=key.id, role=key.role, courier=key.courier, name=key.name, key=secret)
