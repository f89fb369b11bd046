"""The registry in Redis: sites, couriers, orders (with status, owner and tracking token), API keys, order events
and idempotent responses. Every write that must not be lost is one Redis transaction, acknowledged by Redis
(run with AOF) before the API answers."""

from __future__ import annotations

import hashlib
import json
import secrets
import time
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any, Literal

from redis import Redis

from routing import Problem, parse_problem
from routing.errors import Conflict, InputError, NotFound
from routing.problem_json import CourierSpec

__all__ = ["KEYS", "ApiKey", "OrderRecord", "Registry", "Role"]

Role = Literal["dispatcher", "storefront", "courier"]
KEY_CACHE_S = 30.0
_CREATE_ORDER = """
if redis.call('HSETNX', KEYS[1], ARGV[1], ARGV[2]) == 0 then return 0 end
redis.call('HSET', KEYS[2], ARGV[3], ARGV[1])
return 1
"""


class KEYS:
    """Redis key names (one place)."""

    sites = "lm:sites"
    couriers = "lm:couriers"
    orders = "lm:orders"
    tracking = "lm:tracking"
    api_keys = "lm:apikeys"

    @staticmethod
    def events(order_id: str) -> str:
        return f"lm:events:{order_id}"

    @staticmethod
    def idempotency(owner: str, key: str) -> str:
        return f"lm:idem:{owner}:{key}"


@dataclass(frozen=True)
class ApiKey:
    """Who a key belongs to: its id (not the secret), role, and for a courier key the courier id it is bound to."""

    id: str
    role: Role
    courier: str | None = None
    name: str = ""


@dataclass(frozen=True)
class OrderRecord:
    """An accepted order: its problem-format fields, who created it, its tracking token and its event status."""

    spec: dict[str, Any]
    created_by: str
    token: str
    created_at: str
    status: str = "accepted"
    failure: str | None = None
    invalid: str | None = None  # why a plan job could not read it (stored before a bound existed): left out

    @property
    def id(self) -> str:
        return str(self.spec["id"])

    def dump(self) -> str:
        return json.dumps(self.__dict__)


def routing_courier(record: dict[str, Any]) -> dict[str, Any]:
    """A registered courier as the problem format has it: its contact fields (name, phone) left out."""
    return {k: v for k, v in record.items() if k in CourierSpec.model_fields}


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def now_iso() -> str:
    """The current time, ISO 8601 in UTC."""
    return datetime.now(UTC).isoformat(timespec="seconds")


class Registry:
    """Sites, couriers and orders as the dispatcher registered them, and the keys of the service's clients."""

    def __init__(self, redis: Redis) -> None:
        self.redis = redis
        self._create_order = redis.register_script(_CREATE_ORDER)
        self._keys: dict[str, tuple[float, ApiKey]] = {}

    # -- sites and couriers: problem-format JSON by id
    def put(self, key: str, item_id: str, data: dict[str, Any]) -> bool:
        """Store a site or courier; True when it is new."""
        return bool(self.redis.hset(key, item_id, json.dumps(data)))

    def get(self, key: str, item_id: str, kind: str) -> dict[str, Any]:
        """One site or courier; ``NotFound`` when unknown."""
        raw = self.redis.hget(key, item_id)
        if raw is None:
            raise NotFound(f"{kind} {item_id!r}: unknown")
        return dict(json.loads(raw))

    def all(self, key: str) -> list[dict[str, Any]]:
        """Every site or courier, sorted by id."""
        raw: dict[bytes, bytes] = self.redis.hgetall(key)  # type: ignore[assignment]
        return [json.loads(raw[k]) for k in sorted(raw)]

    def couriers(self) -> list[dict[str, Any]]:
        """Every courier as the routing problem takes it (no contact fields), sorted by id."""
        return [routing_courier(c) for c in self.all(KEYS.couriers)]

    # -- orders
    def new_order(self, spec: dict[str, Any], created_by: str) -> OrderRecord:
        """An order record with a fresh tracking token (not stored yet: see :meth:`add_order`)."""
        return OrderRecord(spec, created_by, secrets.token_urlsafe(18), now_iso())

    def add_order(self, record: OrderRecord, pipe: Any = None) -> None:
        """Store a new order and its tracking token. Alone, in one atomic step that raises ``Conflict`` if the id is
        taken (of concurrent creations of one id exactly one succeeds); in ``pipe``'s transaction, unchecked (the
        caller checks, watching the orders hash)."""
        if pipe is None:
            if not self._create_order(keys=[KEYS.orders, KEYS.tracking], args=[record.id, record.dump(), record.token]):
                raise Conflict(f"id: order {record.id!r} exists already")
            return
        pipe.hset(KEYS.orders, record.id, record.dump())
        pipe.hset(KEYS.tracking, record.token, record.id)

    def order(self, order_id: str) -> OrderRecord:
        """One order; ``NotFound`` when unknown."""
        raw = self.redis.hget(KEYS.orders, order_id)
        if raw is None:
            raise NotFound(f"order {order_id!r}: unknown")
        return OrderRecord(**json.loads(raw))

    def orders(self) -> list[OrderRecord]:
        """Every order, sorted by id."""
        raw: dict[bytes, bytes] = self.redis.hgetall(KEYS.orders)  # type: ignore[assignment]
        return [OrderRecord(**json.loads(raw[k])) for k in sorted(raw)]

    def order_for_token(self, token: str) -> OrderRecord:
        """The order a tracking token belongs to; ``NotFound`` otherwise (no hint whether it ever existed)."""
        order_id = self.redis.hget(KEYS.tracking, token)
        if order_id is None:
            raise NotFound("tracking: unknown token")
        return self.order(order_id.decode() if isinstance(order_id, bytes) else str(order_id))

    def check_with(self, key: str, item_id: str, spec: dict[str, Any]) -> None:
        """``InputError`` unless the registered sites and couriers, with ``spec`` stored as ``item_id`` in the
        ``key`` hash, read as one problem (e.g. no opening or shift far from all the others)."""
        kind = "sites" if key == KEYS.sites else "couriers"
        both = {"sites": self.all(KEYS.sites), "couriers": self.couriers()}
        spec = spec if key == KEYS.sites else routing_courier(spec)
        both[kind] = [spec] + [other for other in both[kind] if other["id"] != item_id]  # named as [0] below
        sites = {s["id"] for s in both["sites"]}
        both["couriers"] = [c for c in both["couriers"] if c["site"] in sites and c.get("end_site", c["site"]) in sites]
        try:
            parse_problem({"name": "registry", **both, "orders": []})
        except InputError as exc:
            own = f"{kind}[0]."
            message = str(exc)
            raise InputError(message.removeprefix(own) if message.startswith(own) else f"registry: {message}") from None

    def problem(self, open_only: bool = True) -> Problem:
        """A problem from the registry: every site and courier, and the orders not picked up, delivered or failed.

        An order that cannot be read with the others (stored before a bound of the format existed) is left out and
        marked ``invalid`` with the reason, so that one bad record does not stop every plan; ``InputError`` only
        when the sites and couriers themselves cannot be read.
        """
        records = [r for r in self.orders() if (not open_only or r.status == "accepted") and r.invalid is None]
        data = {"name": "live", "sites": self.all(KEYS.sites), "couriers": self.couriers()}
        try:
            return parse_problem({**data, "orders": [r.spec for r in records]})
        except InputError:
            pass
        readable = []
        for record in records:
            try:
                parse_problem({**data, "orders": [record.spec]})
                readable.append(record.spec)
            except InputError as exc:
                self.redis.hset(KEYS.orders, record.id, replace(record, invalid=str(exc)).dump())
        return parse_problem({**data, "orders": readable})

    # -- events
    def add_event(self, record: OrderRecord, event: dict[str, Any], pipe: Any) -> None:
        """Append an event to the order's stream and store its new status (in ``pipe``'s transaction)."""
        pipe.xadd(KEYS.events(record.id), {"event": json.dumps(event)})
        pipe.hset(KEYS.orders, record.id, record.dump())

    def events(self, order_id: str) -> list[dict[str, Any]]:
        """The order's events, oldest first."""
        entries: list[tuple[bytes, dict[bytes, bytes]]] = self.redis.xrange(KEYS.events(order_id))  # type: ignore[assignment]
        return [json.loads(fields[b"event"]) for _, fields in entries]

    def first_event_at(self, order_ids: list[str]) -> datetime | None:
        """When the earliest of the first events of these orders happened; None when none of them has one."""
        if not order_ids:
            return None
        pipe = self.redis.pipeline(transaction=False)
        for order_id in order_ids:
            pipe.xrange(KEYS.events(order_id), count=1)
        firsts = [entries[0][1][b"event"] for entries in pipe.execute() if entries]
        return min((datetime.fromisoformat(json.loads(raw)["at"]) for raw in firsts), default=None)

    # -- API keys
    def add_key(self, role: Role, courier: str | None, name: str) -> tuple[str, ApiKey]:
        """A new API key: the secret (shown once) and what it grants."""
        secret = "lm_" + secrets.token_urlsafe(24)
        key = ApiKey(_hash(secret)[:16], role, courier, name)
        self.redis.hset(KEYS.api_keys, _hash(secret), json.dumps(key.__dict__))
        return secret, key

    def _stored_keys(self) -> dict[str, ApiKey]:
        """Every key by the hash of its secret (only hashes are stored)."""
        raw: dict[bytes, bytes] = self.redis.hgetall(KEYS.api_keys)  # type: ignore[assignment]
        return {h.decode(): ApiKey(**json.loads(v)) for h, v in raw.items()}

    def api_keys(self) -> list[ApiKey]:
        """Every key's grants (no secrets)."""
        return sorted(self._stored_keys().values(), key=lambda k: (k.role, k.name, k.id))

    def revoke_key(self, key_id: str) -> bool:
        """Delete the key with this id; False if there is none. Other API processes may still accept it for up to
        ``KEY_CACHE_S`` (their in-process cache); this one refuses it at once."""
        hashed = next((h for h, k in self._stored_keys().items() if k.id == key_id), None)
        if hashed is None:
            return False
        self.redis.hdel(KEYS.api_keys, hashed)
        self._keys.pop(hashed, None)
        return True

    def key(self, secret: str) -> ApiKey | None:
        """What a secret grants, or None; known keys are remembered in this process for ``KEY_CACHE_S``."""
        hashed = _hash(secret)
        cached = self._keys.get(hashed)
        if cached is not None and cached[0] > time.monotonic():
            return cached[1]
        raw = self.redis.hget(KEYS.api_keys, hashed)
        if raw is None:
            return None
        key = ApiKey(**json.loads(raw))
        self._keys[hashed] = (time.monotonic() + KEY_CACHE_S, key)
        return key
