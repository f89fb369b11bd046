"""Couriers' last GPS pings in Redis, with a TTL; a ping older than (or as old as) the one kept is ignored, so
pings may arrive out of order or twice."""

from __future__ import annotations

from redis import Redis

__all__ = ["Positions"]

_NEWER_ONLY = """
local at = redis.call('HGET', KEYS[1], 'at')
if at and tonumber(at) >= tonumber(ARGV[3]) then return 0 end
redis.call('HSET', KEYS[1], 'lat', ARGV[1], 'lon', ARGV[2], 'at', ARGV[3])
redis.call('EXPIRE', KEYS[1], ARGV[4])
return 1
"""


class Positions:
    """Last known position per courier id: ``(lat, lon, unix time)``."""

    def __init__(self, redis: Redis, ttl_s: int) -> None:
        self.redis, self.ttl_s = redis, ttl_s
        self._set = redis.register_script(_NEWER_ONLY)

    def record(self, courier: str, lat: float, lon: float, at_unix: float) -> bool:
        """Keep the ping if it is newer than the last one; True when it was kept."""
        return bool(self._set(keys=[f"lm:pos:{courier}"], args=[lat, lon, at_unix, self.ttl_s]))

    def last(self, courier: str) -> tuple[float, float, float] | None:
        """The last ping, or None when there is none (or it expired)."""
        raw = self.redis.hmget(f"lm:pos:{courier}", ["lat", "lon", "at"])
        if raw[0] is None:
            return None
        lat, lon, at = (float(v) for v in raw)  # type: ignore[arg-type]
        return lat, lon, at
