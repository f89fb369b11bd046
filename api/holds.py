"""Offers held in Redis, shared by every API process: the offer itself (with a TTL), the stock it holds per site
and item, and the running total of held stock, swept of expired offers by a Lua script on each read."""

from __future__ import annotations

import secrets
from collections import Counter
from collections.abc import Collection

from redis import Redis

from api.codec import dump_offer, load_offer
from routing import Problem
from scheduling import Offer

__all__ = ["RedisHolds"]

HELD = "lm:held"
EXPIRIES = "lm:holds"
_RELEASE = """
local function release(id)
  local h = redis.call('HGETALL', 'lm:hold:' .. id)
  for i = 1, #h, 2 do
    if redis.call('HINCRBY', KEYS[1], h[i], -tonumber(h[i + 1])) <= 0 then redis.call('HDEL', KEYS[1], h[i]) end
  end
  redis.call('DEL', 'lm:hold:' .. id, 'lm:offer:' .. id)
  redis.call('ZREM', KEYS[2], id)
end
"""
_SWEEP_AND_READ = (
    _RELEASE
    + """
for _, id in ipairs(redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', ARGV[1])) do release(id) end
local skip = {}
if ARGV[2] ~= '' then skip = redis.call('HGETALL', 'lm:hold:' .. ARGV[2]) end
if #ARGV < 3 then return {redis.call('HGETALL', KEYS[1]), skip} end
local fields = {unpack(ARGV, 3)}
local values = redis.call('HMGET', KEYS[1], unpack(fields))
local held = {}
for i, value in ipairs(values) do
  if value then held[#held + 1] = fields[i]; held[#held + 1] = value end
end
return {held, skip}
"""
)
_DROP = _RELEASE + "release(ARGV[1])\nreturn 1\n"


class RedisHolds:
    """The :class:`scheduling.Holds` of the live service; times in the live problem's seconds."""

    def __init__(self, redis: Redis, problem: Problem) -> None:
        self.redis = redis
        self.sites = [s.id for s in problem.sites]
        self.site_index = {s: k for k, s in enumerate(self.sites)}
        self.epoch_unix = problem.epoch.timestamp() if problem.epoch else 0.0
        self._sweep = redis.register_script(_SWEEP_AND_READ)
        self._drop = redis.register_script(_DROP)

    def new_id(self) -> str:
        """An unguessable offer id."""
        return "pr_" + secrets.token_urlsafe(12)

    def _pairs(self, flat: list[bytes]) -> dict[int, Counter[str]]:
        held: dict[int, Counter[str]] = {}
        for field, qty in zip(flat[::2], flat[1::2], strict=True):
            site, _, item = field.decode().partition("|")
            if site in self.site_index:
                held.setdefault(self.site_index[site], Counter())[item] += int(qty)
        return held

    def held(
        self, now_s: int, skip: str | None = None, items: Collection[str] | None = None
    ) -> dict[int, Counter[str]]:
        """Stock held by unexpired offers (other than ``skip``) per site, of ``items`` only when given; expired
        offers are released first."""
        fields = [f"{site}|{item}" for site in self.sites for item in items] if items is not None else []
        args: list[str | float] = [self.epoch_unix + now_s, skip or "", *fields]
        total, skipped = self._sweep(keys=[HELD, EXPIRIES], args=args)
        held, minus = self._pairs(total), self._pairs(skipped)
        for site, items in minus.items():
            held.setdefault(site, Counter()).subtract(items)
        return held

    def keep(self, offer: Offer) -> None:
        """Store the offer and add its stock to the held totals, in one transaction."""
        fields = {
            f"{self.sites[site]}|{item}": qty for site, items in offer.held.items() for item, qty in items.items()
        }
        expires = self.epoch_unix + offer.expires_s
        pipe = self.redis.pipeline()
        pipe.set(f"lm:offer:{offer.id}", dump_offer(offer), exat=int(expires) + 60)
        if fields:
            pipe.hset(f"lm:hold:{offer.id}", mapping=fields)  # type: ignore[arg-type]
            for field, qty in fields.items():
                pipe.hincrby(HELD, field, qty)
        pipe.zadd(EXPIRIES, {offer.id: expires})
        pipe.execute()

    def get(self, offer_id: str, now_s: int) -> Offer | None:
        """The offer if it is still held."""
        raw = self.redis.get(f"lm:offer:{offer_id}")
        if raw is None:
            return None
        offer = load_offer(raw)
        return offer if offer.expires_s > now_s else None

    def drop(self, offer_id: str) -> None:
        """Release the offer's stock and forget it."""
        self._drop(keys=[HELD, EXPIRIES], args=[offer_id])
