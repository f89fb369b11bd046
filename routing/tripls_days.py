"""The days of :mod:`routing.tripls` in arrays (numba): the model, each courier's day, its timing and its edits.

A courier's day is one sequence ``g[r, :m[r]]``: ``RELOAD`` (the site: load and leave) before each trip, the trip's
orders (local indices) and the courier's breaks (``BREAK - k`` for its break ``k``); the return to the courier's
end site closes the day. A used day holds each of its courier's breaks once, after its first reload, an empty day
none. A break is taken where the entry before it is (no travel to it, from there to the entry after it), so it
never overlaps a visit or a reload, as the OR-Tools model asks; one that OR-Tools may also take before the first
departure or after the last return is inside the day here, its working time counted (a day here is never longer
than OR-Tools' one). A reload has the site's reload time as its service and may start no earlier than
``max(earliest, latest ready time on the trip) - reload`` and no later than ``close - reload``; the first one may so
start before the shift, as the OR-Tools model's first reload. Times are Vidal et al.'s (2013) segments without time
warp: ``(T, E, L)`` is a stretch's shortest duration (service, travel and unavoidable waits), the earliest and the
latest start of its first service; two stretches join in O(1) and a day is on time when every join is. Each day
keeps its prefix and suffix segments, each trip its load and its latest ready time, so that an insertion is checked
in O(1) (or over the trip, when the order is ready later than the rest of it). Stock that runs short is counted
per stock row (a site) and short item: the units ``left``, taken by an insertion and given back by a removal.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit

RELOAD = -1
BREAK = -2  # a courier's break k is the day's entry BREAK - k
NEG = -(1 << 40)  # no lower bound on a start
BIG = 1 << 40  # no upper bound
INTO_TRIP, OWN_TRIP, DAY_BREAKS_AFTER, DAY_BREAKS_BEFORE = 0, 1, 2, 3  # how an order goes into a day


class Instance(NamedTuple):
    """The model in arrays: per order (local index) its matrix ``node``, ``service``, window ``early``-``late``,
    ``ready`` time per courier position (``NEG``: none), ``demand`` (one column per capacity dimension), ``allowed``
    couriers, drop ``penalty`` and ``near``: its other orders by distance; per courier its ``cap``, ``site`` and
    ``end`` nodes, ``earliest`` departure, ``close`` (back by), ``reload`` time, ``most`` working time (first
    departure to last return), ``fixed`` cost, trip ``slots``, travel ``profile`` (its ``dist[profile]`` and
    ``dur[profile]`` matrices) and ``nb`` breaks, break ``k`` lasting ``bservice[r, k]`` and starting within
    ``bearly[r, k]``-``blate[r, k]``, and its ``stock_row``; the units of the short items (those some site's stock
    cannot cover) each order ``needs`` (one column per item) and each stock row's ``stock`` of them (``BIG`` where
    a site is not short)."""

    node: np.ndarray
    service: np.ndarray
    early: np.ndarray
    late: np.ndarray
    ready: np.ndarray
    demand: np.ndarray
    allowed: np.ndarray
    penalty: np.ndarray
    near: np.ndarray
    cap: np.ndarray
    site: np.ndarray
    end: np.ndarray
    earliest: np.ndarray
    close: np.ndarray
    reload: np.ndarray
    most: np.ndarray
    fixed: np.ndarray
    slots: np.ndarray
    profile: np.ndarray
    dist: np.ndarray
    dur: np.ndarray
    nb: np.ndarray
    bservice: np.ndarray
    bearly: np.ndarray
    blate: np.ndarray
    stock_row: np.ndarray
    needs: np.ndarray
    stock: np.ndarray


class Days(NamedTuple):
    """Every courier's day: the sequence ``g`` and its length ``m``; per position its matrix node ``loc``, its own
    segment ``e*``, the prefix segment ``p*`` (from the first reload to it), the suffix segment ``s*`` (from it to
    the return; ``s*[r, m]`` is the return alone) and its ``trip``; per trip its reload's position ``rpos``,
    ``load`` and latest ``tready``; per day ``nt`` trips and ``cost`` (metres and the fixed cost if used); per order
    its day ``where`` (-1: left out) and position ``pos``; per stock row the units of each short item ``left``."""

    g: np.ndarray
    m: np.ndarray
    loc: np.ndarray
    et: np.ndarray
    ee: np.ndarray
    el: np.ndarray
    pt: np.ndarray
    pe: np.ndarray
    pl: np.ndarray
    st: np.ndarray
    se: np.ndarray
    sl: np.ndarray
    trip: np.ndarray
    rpos: np.ndarray
    load: np.ndarray
    tready: np.ndarray
    nt: np.ndarray
    cost: np.ndarray
    where: np.ndarray
    pos: np.ndarray
    left: np.ndarray


def new_days(n: int, couriers: int, slots: int, dims: int, breaks: int, stock: np.ndarray) -> Days:
    """Empty days for ``n`` orders and ``couriers`` couriers of at most ``slots`` trips, ``dims`` capacities and
    at most ``breaks`` breaks, with ``stock`` (stock rows by short items) left."""
    length = n + slots + breaks + 1

    def entries(extra: int = 0) -> np.ndarray:
        return np.zeros((couriers, length + extra), np.int64)

    def per_trip(*more: int) -> np.ndarray:
        return np.zeros((couriers, slots + 1, *more), np.int64)

    def per_courier() -> np.ndarray:
        return np.zeros(couriers, np.int64)

    return Days(
        entries(),
        per_courier(),
        entries(),
        entries(),
        entries(),
        entries(),
        entries(),
        entries(),
        entries(),
        entries(1),
        entries(1),
        entries(1),
        entries(),
        per_trip(),
        per_trip(dims),
        per_trip(),
        per_courier(),
        per_courier(),
        np.full(n, -1, np.int64),
        np.full(n, -1, np.int64),
        stock.copy(),
    )


@njit(cache=True)
def copy_days(a, b, rows):
    """Copy the days ``rows`` marks (one flag per courier) and every per-day, per-order and per-stock-row field of
    days ``a`` into ``b`` (same shapes)."""
    ours = (a.g, a.loc, a.et, a.ee, a.el, a.pt, a.pe, a.pl, a.st, a.se, a.sl, a.trip)
    theirs = (b.g, b.loc, b.et, b.ee, b.el, b.pt, b.pe, b.pl, b.st, b.se, b.sl, b.trip)
    for r in range(rows.shape[0]):
        if rows[r]:
            k = a.m[r] + 1  # the entries and the return's suffix; those past them are never read
            for f in range(len(ours)):
                theirs[f][r, :k] = ours[f][r, :k]
            b.rpos[r] = a.rpos[r]
            b.load[r] = a.load[r]
            b.tready[r] = a.tready[r]
    b.m[:] = a.m
    b.nt[:] = a.nt
    b.cost[:] = a.cost
    b.where[:] = a.where
    b.pos[:] = a.pos
    b.left[:] = a.left


@njit(cache=True, inline="always")
def join(t1, e1, l1, travel, t2, e2, l2):
    """Stretch 1 then, ``travel`` later, stretch 2: ``(T, E, L, on time)``."""
    delta = t1 + travel
    wait = max(e2 - delta - l1, 0)
    return t1 + t2 + travel + wait, max(e2 - delta, e1) - wait, min(l2 - delta, l1), e1 + delta <= l2


@njit(cache=True, inline="always")
def hop(table, g, loc, i, m, end):
    """``table`` (metres or seconds) from entry ``i`` of a day to the next one (the return after the last): none
    to a break."""
    if i + 1 < m and g[i + 1] < RELOAD:
        return 0
    return table[loc[i], end if i + 1 == m else loc[i + 1]]


@njit(cache=True)
def retime(p, d, r):
    """Recompute courier ``r``'s trips, segments, cost, and its orders' ``where`` and ``pos``; False if the day is
    late, over a trip's capacity, over its working time or over its trip slots."""
    # numba re-reads a tuple's field on every use (at ~0.5 us): the loops use locals
    node, service, early, late, ready, demand = p.node, p.service, p.early, p.late, p.ready, p.demand
    dist, dur, cap = p.dist[p.profile[r]], p.dur[p.profile[r]], p.cap
    site, end, reload, close, earliest = p.site[r], p.end[r], p.reload[r], p.close[r], p.earliest[r]
    bservice, bearly, blate = p.bservice[r], p.bearly[r], p.blate[r]
    m = d.m[r]
    g, loc, trip, load, tready, rpos = d.g[r], d.loc[r], d.trip[r], d.load[r], d.tready[r], d.rpos[r]
    where, pos = d.where, d.pos
    et, ee, el, pt, pe, pl, st, se, sl = d.et[r], d.ee[r], d.el[r], d.pt[r], d.pe[r], d.pl[r], d.st[r], d.se[r], d.sl[r]
    dims = cap.shape[1]
    t = -1
    a = site
    for i in range(m):
        x = g[i]
        if x == RELOAD:
            t += 1
            rpos[t] = i
            for j in range(dims):
                load[t, j] = 0
            tready[t] = NEG
            a = site
        elif x >= 0:
            for j in range(dims):
                load[t, j] += demand[x, j]
            tready[t] = max(tready[t], ready[x, r])
            where[x] = r
            pos[x] = i
            a = node[x]
        trip[i] = t
        loc[i] = a
    d.nt[r] = t + 1
    fits = t + 1 <= p.slots[r]
    for k in range(t + 1):
        for j in range(dims):
            fits &= load[k, j] <= cap[r, j]
    st[m], se[m], sl[m] = 0, NEG, close
    if m == 0:
        d.cost[r] = 0
        return True
    for i in range(m):
        x = g[i]
        if x == RELOAD:
            et[i], ee[i], el[i] = reload, max(earliest, tready[trip[i]]) - reload, close - reload
        elif x < RELOAD:
            et[i], ee[i], el[i] = bservice[BREAK - x], bearly[BREAK - x], blate[BREAK - x]
        else:
            et[i], ee[i], el[i] = service[x], early[x], late[x]
    metres = 0
    ti, ei, li = et[0], ee[0], el[0]
    pt[0], pe[0], pl[0] = ti, ei, li
    for i in range(1, m):
        metres += hop(dist, g, loc, i - 1, m, end)
        ti, ei, li, ok = join(ti, ei, li, hop(dur, g, loc, i - 1, m, end), et[i], ee[i], el[i])
        fits &= ok
        pt[i], pe[i], pl[i] = ti, ei, li
    metres += dist[loc[m - 1], end]
    total, _, _, ok = join(ti, ei, li, dur[loc[m - 1], end], 0, NEG, close)
    fits &= ok and total - reload <= p.most[r]
    ts, es, ls = 0, NEG, close
    for i in range(m - 1, -1, -1):
        ts, es, ls, _ = join(et[i], ee[i], el[i], hop(dur, g, loc, i, m, end), ts, es, ls)
        st[i], se[i], sl[i] = ts, es, ls
    d.cost[r] = metres + p.fixed[r]
    return fits


@njit(cache=True)
def insert(p, d, r, u, at, how):
    """Put ``u`` into day ``r`` as ``how`` says: at position ``at`` on the trip before it (``INTO_TRIP``), on a trip
    of its own there (``OWN_TRIP``), or as the first order of an empty day with its courier's breaks after it
    (``DAY_BREAKS_AFTER``) or before it (``DAY_BREAKS_BEFORE``); the day is re-timed."""
    m = d.m[r]
    g = d.g[r]
    if how in (DAY_BREAKS_AFTER, DAY_BREAKS_BEFORE):
        nb = p.nb[r]
        g[0] = RELOAD
        first = 2 if how == DAY_BREAKS_AFTER else 1
        for k in range(nb):
            g[first + k] = BREAK - k
        g[1 if how == DAY_BREAKS_AFTER else 1 + nb] = u
        d.m[r] = 2 + nb
    else:
        shift = 2 if how == OWN_TRIP else 1
        for i in range(m - 1, at - 1, -1):
            g[i + shift] = g[i]
        if how == OWN_TRIP:
            g[at] = RELOAD
        g[at + shift - 1] = u
        d.m[r] = m + shift
    d.left[p.stock_row[r]] -= p.needs[u]
    retime(p, d, r)


@njit(cache=True)
def drop(p, d, r, removed):
    """Take the ``removed`` orders out of day ``r`` and the reloads of the trips left without an order (their
    breaks go to the trip before, or the next one's to the first); a day left without an order is empty. Re-times
    it and returns what :func:`retime` does."""
    g, where, pos, trip = d.g[r], d.where, d.pos, d.trip[r]
    m = d.m[r]
    served = np.zeros(d.rpos.shape[1], np.bool_)
    for i in range(m):
        x = g[i]
        if x >= 0 and not removed[x]:
            served[trip[i]] = True
    k = 0
    any_order = False
    for i in range(m):
        x = g[i]
        if x >= 0 and removed[x]:
            where[x] = -1
            pos[x] = -1
            d.left[p.stock_row[r]] += p.needs[x]
            continue
        if x == RELOAD and k > 0 and not (served[trip[i]] and any_order):
            continue  # an empty trip's reload, or the first served trip's after an empty first one
        any_order |= x >= 0
        g[k] = x
        k += 1
    d.m[r] = k if any_order else 0
    return retime(p, d, r)


@njit(cache=True)
def objective(p, d):
    """Metres, fixed costs of the days used and the penalties of the orders left out."""
    cost, where, penalty = d.cost, d.where, p.penalty
    total = 0
    for r in range(cost.shape[0]):
        total += cost[r]
    for u in range(where.shape[0]):
        if where[u] < 0:
            total += penalty[u]
    return total
