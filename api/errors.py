"""Typed errors mapped to HTTP in one place: InputError 422, NotFound 404, Conflict 409, Forbidden 403, Redis
unreachable or too slow 503 with ``Retry-After``, anything else 500 with no stack trace in the body; request
validation errors are 422 naming the field."""

from __future__ import annotations

import logging
import re

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from routing.errors import Conflict, Forbidden, InputError, NotFound

__all__ = ["install_error_handlers"]

log = logging.getLogger("lastmile.api")
STATUS = {InputError: 422, NotFound: 404, Conflict: 409, Forbidden: 403}
RETRY_AFTER_S = 2


def _field(loc: tuple[int | str, ...]) -> str:
    parts = [p for p in loc if p not in ("body", "query", "path", "header")]
    return "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in parts).lstrip(".") or "body"


def _error(loc: tuple[int | str, ...], message: str) -> dict[str, str]:
    """The field an error is about; a whole-model check names its field in its message (``courier: ...``)."""
    field = _field(loc)
    named = re.match(r"^([\w.\[\]]+): (.*)$", message)
    if named and (field == "body" or not field.endswith(named.group(1))):
        field = f"{field}.{named.group(1)}" if field != "body" else named.group(1)
        message = named.group(2)
    return {"field": field, "message": message}


async def _typed(request: Request, exc: Exception) -> JSONResponse:
    status = next(code for kind, code in STATUS.items() if isinstance(exc, kind))
    return JSONResponse({"detail": str(exc)}, status_code=status)


async def _invalid(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [_error(tuple(e["loc"]), str(e["msg"]).removeprefix("Value error, ")) for e in exc.errors()]
    first = errors[0] if errors else {"field": "body", "message": "invalid"}
    return JSONResponse({"detail": f"{first['field']}: {first['message']}", "errors": errors}, status_code=422)


async def _redis_away(request: Request, exc: Exception) -> JSONResponse:
    log.warning("redis unavailable on %s %s: %s", request.method, request.url.path, exc)
    return JSONResponse(
        {"detail": f"redis: unavailable ({type(exc).__name__}); retry later"},
        status_code=503,
        headers={"Retry-After": str(RETRY_AFTER_S)},
    )


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unexpected error on %s %s", request.method, request.url.path)
    return JSONResponse({"detail": f"internal error ({type(exc).__name__})"}, status_code=500)


def install_error_handlers(app: FastAPI) -> None:
    """Register the mapping on ``app``."""
    for kind in STATUS:
        app.add_exception_handler(kind, _typed)
    app.add_exception_handler(RequestValidationError, _invalid)
    for away in (RedisConnectionError, RedisTimeoutError):  # BusyLoadingError (AOF loading) is a ConnectionError
        app.add_exception_handler(away, _redis_away)
    app.add_exception_handler(Exception, _unexpected)
