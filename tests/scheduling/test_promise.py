"""Promises: slots the plan can keep, held stock, expiry, confirmation, and the reasons when there is no slot."""

from __future__ import annotations

from dataclasses import replace
from types import SimpleNamespace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from routing import Conflict, InputError, NotFound, Order, Reason, Window
from routing.plan_json import EditedRoute
from scheduling import Demand, LivePlan, PromiseDesk, PromisePolicy, live_at
from scheduling.check import check_routes
from scheduling.promise import MemoryHolds, Offer
from scheduling.replan import insert_orders

from .conftest import HOUR, STORE, ZONE

MILK = Demand({"milk": 1}, weight_g=2_000, service_s=120)
NEAR = (STORE[0] + 0.004, STORE[1] + 0.006)


def held(desk: PromiseDesk) -> dict[str, Offer]:
    """The offers a desk keeps in this process's memory (the desks here are made without a shared store)."""
    assert isinstance(desk.holds, MemoryHolds)
    return desk.holds.offers


def before_start(morning: SimpleNamespace) -> LivePlan:
    return live_at(morning.problem, morning.matrix, morning.plan, 8 * HOUR - 300)


def edited(live: LivePlan) -> list[EditedRoute]:
    return [EditedRoute(r.courier, r.site, tuple((s.order, s.kind) for s in r.stops)) for r in live.plan.routes]


def assert_kept(live: LivePlan, order_id: str, window: Window) -> None:
    report = check_routes(live.problem, live.matrix, edited(live))
    assert report.ok, report.violations
    new = next(o for o, order in enumerate(live.problem.orders) if order.id == order_id)
    stop = next(s for r in live.plan.routes for s in r.stops if s.order == new)
    assert window.start_s <= stop.start_s <= window.end_s


def test_every_slot_offered_can_be_confirmed_and_kept(morning: SimpleNamespace) -> None:
    live = before_start(morning)
    offer = PromiseDesk(live, morning.provider).offer(MILK, NEAR, live.now_s)
    assert offer.reason is None and offer.slots[0].asap and len(offer.slots) > 3
    assert all(0.5 <= s.confidence <= 1 for s in offer.slots)
    for k, slot in enumerate(offer.slots):
        desk = PromiseDesk(live, morning.provider)
        again = desk.offer(MILK, NEAR, live.now_s)
        confirmed = desk.confirm(again.id, k, f"web-{k}", live.now_s)
        assert_kept(confirmed, f"web-{k}", slot.window)
        assert confirmed.problem.couriers[slot.courier].site == slot.site
        assert len(confirmed.problem.orders) == len(live.problem.orders) + 1


def test_an_address_outside_every_zone_gets_no_slot_and_the_reason(morning: SimpleNamespace) -> None:
    sites = tuple(replace(s, zone=ZONE) for s in morning.problem.sites)
    live = replace(before_start(morning), problem=replace(morning.problem, sites=sites))
    desk = PromiseDesk(live, morning.provider)
    offer = desk.offer(MILK, (60.30, 25.20), live.now_s)
    assert offer.slots == () and offer.reason is Reason.OUT_OF_ZONE
    assert held(desk) == {}


def test_no_slot_once_every_shift_is_over(morning: SimpleNamespace) -> None:
    live = live_at(morning.problem, morning.matrix, morning.plan, 12 * HOUR)
    offer = PromiseDesk(live, morning.provider).offer(MILK, NEAR, 12 * HOUR)
    assert offer.slots == () and offer.reason is Reason.NO_COURIER_ON_SHIFT


def test_held_stock_is_not_promised_twice_and_comes_back_on_expiry(morning: SimpleNamespace) -> None:
    live = before_start(morning)
    desk = PromiseDesk(live, morning.provider, PromisePolicy(hold_s=300))
    rare = Demand({"rare": 1}, weight_g=500)
    first = desk.offer(rare, NEAR, live.now_s)
    assert first.slots
    assert desk.offer(rare, NEAR, live.now_s + 60).reason is Reason.NO_STOCK
    later = live.now_s + 301
    third = desk.offer(rare, NEAR, later)
    assert third.slots
    with pytest.raises(NotFound):
        desk.confirm(first.id, 0, "web-1", later)
    assert_kept(desk.confirm(third.id, 1, "web-3", later), "web-3", third.slots[1].window)


def test_stock_sold_elsewhere_before_confirmation_is_a_conflict(morning: SimpleNamespace) -> None:
    live = before_start(morning)
    desk = PromiseDesk(live, morning.provider)
    offer = desk.offer(Demand({"rare": 1}, weight_g=500), NEAR, live.now_s)
    phone_order = Order("phone-1", NEAR, (Window(9 * HOUR, 11 * HOUR),), {"rare": 1}, weight_g=500)
    taken, left_out = insert_orders(live, morning.provider, [phone_order])
    assert left_out == ()
    desk.use(taken)
    with pytest.raises(Conflict, match="NO_STOCK"):
        desk.confirm(offer.id, 0, "web-1", live.now_s)
    assert held(desk) == {} and len(desk.live.problem.orders) == len(taken.problem.orders)


def test_bad_confirmations_are_input_errors_and_keep_the_offer(morning: SimpleNamespace) -> None:
    live = before_start(morning)
    desk = PromiseDesk(live, morning.provider)
    offer = desk.offer(MILK, NEAR, live.now_s)
    with pytest.raises(InputError, match="slot"):
        desk.confirm(offer.id, len(offer.slots), "web-1", live.now_s)
    with pytest.raises(InputError, match="order_id"):
        desk.confirm(offer.id, 0, morning.problem.orders[0].id, live.now_s)
    assert offer.id in held(desk)


requests = st.lists(
    st.tuples(
        st.floats(-0.012, 0.012),
        st.floats(-0.02, 0.02),
        st.integers(0, 20),
        st.integers(0, 9),
        st.sampled_from([{"milk": 1}, {"milk": 2, "bread": 1}, {"rare": 1}]),
    ),
    min_size=1,
    max_size=8,
)


@settings(max_examples=30, deadline=None)
@given(requests)
def test_every_confirmed_promise_is_kept_by_the_plan_right_after(
    morning: SimpleNamespace, stream: list[tuple[float, float, int, int, dict[str, int]]]
) -> None:
    live = before_start(morning)
    desk = PromiseDesk(live, morning.provider)
    now = live.now_s
    for k, (dlat, dlon, minutes, choice, items) in enumerate(stream):
        now += minutes * 60
        offer = desk.offer(Demand(items, weight_g=1_500, service_s=90), (STORE[0] + dlat, STORE[1] + dlon), now)
        if not offer.slots:
            assert offer.reason is not None
            continue
        slot = offer.slots[choice % len(offer.slots)]
        live = desk.confirm(offer.id, choice % len(offer.slots), f"web-{k}", now)
        assert_kept(live, f"web-{k}", slot.window)
