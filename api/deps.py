"""Dependencies of the routes as ``Annotated`` aliases: settings, Redis, the registry, the live plan, the caller."""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, HTTPException, Request, Security
from fastapi.security import APIKeyHeader
from redis import Redis

from api.live_store import LiveStore
from api.settings import Settings
from api.store import ApiKey, Registry, Role

__all__ = [
    "Caller",
    "CourierCaller",
    "DispatcherCaller",
    "LiveDep",
    "RedisDep",
    "RegistryDep",
    "SettingsDep",
    "StorefrontCaller",
    "require",
]

_api_key = APIKeyHeader(
    name="X-API-Key", auto_error=False, description="an API key (role: dispatcher, storefront or courier)"
)


async def _settings(request: Request) -> Settings:
    return request.app.state.settings


async def _redis(request: Request) -> Redis:
    return request.app.state.redis


async def _registry(request: Request) -> Registry:
    return request.app.state.registry


async def _live(request: Request) -> LiveStore:
    return request.app.state.live


SettingsDep = Annotated[Settings, Depends(_settings)]
RedisDep = Annotated[Redis, Depends(_redis)]
RegistryDep = Annotated[Registry, Depends(_registry)]
LiveDep = Annotated[LiveStore, Depends(_live)]


async def _caller(
    secret: Annotated[str | None, Security(_api_key)], registry: RegistryDep, settings: SettingsDep
) -> ApiKey:
    if not secret:
        raise HTTPException(401, "X-API-Key: missing", headers={"WWW-Authenticate": "APIKey"})
    admin = settings.admin_key.get_secret_value() if settings.admin_key else None
    if admin and hmac.compare_digest(secret.encode(), admin.encode()):
        return ApiKey("admin", "dispatcher", None, "bootstrap")
    key = registry.key(secret)
    if key is None:
        raise HTTPException(401, "X-API-Key: unknown key", headers={"WWW-Authenticate": "APIKey"})
    return key


Caller = Annotated[ApiKey, Depends(_caller)]


def require(*roles: Role) -> Callable[[ApiKey], Awaitable[ApiKey]]:
    """A dependency admitting only callers with one of ``roles`` (403 otherwise)."""

    async def check(caller: Caller) -> ApiKey:
        if caller.role not in roles:
            raise HTTPException(403, f"X-API-Key: a {caller.role} key may not do this")
        return caller

    return check


DispatcherCaller = Annotated[ApiKey, Depends(require("dispatcher"))]
StorefrontCaller = Annotated[ApiKey, Depends(require("dispatcher", "storefront"))]
CourierCaller = Annotated[ApiKey, Depends(require("dispatcher", "courier"))]
