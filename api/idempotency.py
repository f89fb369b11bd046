"""``Idempotency-Key`` records bound to their request (as the IETF Idempotency-Key draft suggests): the first request
with a key stores the request's fingerprint (route and body hash) and then its answer; a retry with the same key
and the same request gets that answer again, the same key with another request a 422, and a retry while the first
is still running a 409."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from fastapi.responses import JSONResponse
from redis import Redis

from routing.errors import Conflict, InputError

__all__ = ["IdempotencyRecord", "fingerprint"]

PENDING_TTL_S = 120


def fingerprint(route: str, body: str) -> str:
    """What identifies a request: its route (with path parameters filled in) and its body, hashed."""
    return hashlib.sha256(f"{route}\n{body}".encode()).hexdigest()


class IdempotencyRecord:
    """The record of one caller's key in Redis (``key`` already names the caller)."""

    def __init__(self, redis: Redis, key: str, request_fingerprint: str, ttl_s: int) -> None:
        self.redis, self.key, self.fingerprint, self.ttl_s = redis, key, request_fingerprint, ttl_s

    def claim(self) -> JSONResponse | None:
        """None when this request is the key's first (it is now pending); the stored answer for a retry.

        Raises ``InputError`` when the key was used for another request, ``Conflict`` while the first one runs.
        """
        pending = json.dumps({"fingerprint": self.fingerprint, "pending": True})
        for _ in range(2):  # the record may expire between the two calls: claim again once
            if self.redis.set(self.key, pending, nx=True, ex=PENDING_TTL_S):
                return None
            raw = self.redis.get(self.key)
            if raw is None:
                continue
            seen: dict[str, Any] = json.loads(raw)
            if seen.get("fingerprint") != self.fingerprint:
                raise InputError("Idempotency-Key: already used for a different request")
            if seen.get("pending"):
                raise Conflict("Idempotency-Key: the first request with this key is still running")
            return JSONResponse(seen["body"], status_code=seen["status"])
        raise Conflict("Idempotency-Key: the first request with this key is still running")

    def answer(self, status: int, body: Any, pipe: Any = None) -> None:
        """Store the answer to replay (in ``pipe``'s transaction when given)."""
        record = json.dumps({"fingerprint": self.fingerprint, "status": status, "body": body})
        (pipe if pipe is not None else self.redis).set(self.key, record, ex=self.ttl_s)

    def release(self) -> None:
        """Forget a claim whose request failed unexpectedly, so that a retry runs it again."""
        self.redis.delete(self.key)
