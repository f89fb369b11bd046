"""API keys: a dispatcher creates, lists and revokes keys for storefronts, couriers and other dispatchers."""

from __future__ import annotations

from dataclasses import asdict

from fastapi import APIRouter, Response

from api.deps import DispatcherCaller, RegistryDep
from api.routes.common import ensure_courier
from api.schemas import ERRORS, KeyCreate, KeyPublic
from routing.errors import NotFound

router = APIRouter(prefix="/v1/keys", tags=["keys"], responses=ERRORS)


@router.post("", response_model=KeyPublic, status_code=201)
def create_key(body: KeyCreate, caller: DispatcherCaller, registry: RegistryDep) -> KeyPublic:
    """Create an API key; the secret is in ``key`` and is shown only now. A courier key needs a known courier."""
    if body.courier is not None:
        ensure_courier(registry, body.courier)
    secret, key = registry.add_key(body.role, body.courier, body.name)
    return KeyPublic(**asdict(key), key=secret)


@router.get("", response_model=list[KeyPublic])
def list_keys(_: DispatcherCaller, registry: RegistryDep) -> list[KeyPublic]:
    """Every key's id, role, courier and name (never the secret); the bootstrap admin key is configuration, not
    listed."""
    return [KeyPublic(**asdict(k)) for k in registry.api_keys()]


@router.delete("/{key_id}", status_code=204, responses={404: {"description": "no key with this id"}})
def revoke_key(key_id: str, _: DispatcherCaller, registry: RegistryDep) -> Response:
    """Revoke a key: refused from now on by this API process, and by every other within 30 s (their key cache)."""
    if not registry.revoke_key(key_id):
        raise NotFound(f"key {key_id!r}: no such key")
    return Response(status_code=204)
