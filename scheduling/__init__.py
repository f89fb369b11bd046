"""Time on a plan under way: ETAs, delivery promises, re-planning and checking a hand-edited plan."""

from scheduling.candidates import Demand
from scheduling.eta import CourierEta, StopEta, courier_eta, plan_etas
from scheduling.live import CourierState, LivePlan
from scheduling.promise import Holds, MemoryHolds, Offer, PromiseDesk, PromisePolicy, Slot
from scheduling.trips import live_at

__all__ = [
    "CourierEta",
    "CourierState",
    "Demand",
    "Holds",
    "LivePlan",
    "MemoryHolds",
    "Offer",
    "PromiseDesk",
    "PromisePolicy",
    "Slot",
    "StopEta",
    "courier_eta",
    "live_at",
    "plan_etas",
]
