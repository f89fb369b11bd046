"""The compiled (numba) ruin and recreate of :mod:`routing.tripls`: arrays in, arrays out, no Python objects.

A courier's day is one sequence ``g[r, :m[r]]``: ``RELOAD`` (the site: load and leave) before each trip, then the
trip's orders (local indices); the return to the courier's end site closes the day. A reload has the site's reload
time as its service and may start no earlier than ``max(earliest, latest ready time on the trip) - reload`` and no
later than ``close - reload``; the first one may so start before the shift, as the OR-Tools model's first reload.
Times are Vidal et al.'s (2013) segments without time warp: ``(T, E, L)`` is a stretch's shortest duration (service,
travel and unavoidable waits), the earliest and the latest start of its first service; two stretches join in O(1)
and a day is on time when every join is. Each day keeps its prefix and suffix segments, each trip its load and its
latest ready time, so that an insertion is checked in O(1) (or over the trip, when the order is ready later than
the rest of it).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit

RELOAD = -1
NEG = -(1 << 40)  # no lower bound on a start
BIG = 1 << 40  # no upper bound
_BLINK = 0.01  # the chance that greedy insertion skips a position (SISR's blinks)
_MAX_STRING = 10  # orders removed at most from one trip
_MEAN_REMOVED = 10  # orders removed on the mean in a round (SISR's c-bar)
_RETRIED = 8  # orders left out before the round that it tries to put back, at least


class Instance(NamedTuple):
    """The model in arrays: per order (local index) its matrix ``node``, ``service``, window ``early``-``late``,
    ``ready`` time per courier position (``NEG``: none), ``demand`` (one column per capacity dimension), ``allowed``
    couriers, drop ``penalty`` and ``near``: its other orders by distance; per courier its ``cap``, ``site`` and
    ``end`` nodes, ``earliest`` departure, ``close`` (back by), ``reload`` time, ``most`` working time (first
    departure to last return), ``fixed`` cost, trip ``slots`` and travel ``profile``: its ``dist[profile]`` and
    ``dur[profile]`` matrices."""

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


class Days(NamedTuple):
    """Every courier's day: the sequence ``g`` and its length ``m``; per position the prefix segment ``p*`` (from
    the first reload to it), the suffix segment ``s*`` (from it to the return; ``s*[r, m]`` is the return alone) and
    its ``trip``; per trip its reload's position ``rpos``, ``load`` and latest ``tready``; per day ``nt`` trips and
    ``cost`` (metres and the fixed cost if used); per order its day ``where`` (-1: left out) and position ``pos``."""

    g: np.ndarray
    m: np.ndarray
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


def new_days(n: int, couriers: int, slots: int, dims: int) -> Days:
    """Empty days for ``n`` orders and ``couriers`` couriers of at most ``slots`` trips, ``dims`` capacities."""
    length = n + slots + 1
    z = np.zeros
    return Days(
        z((couriers, length), np.int64),
        z(couriers, np.int64),
        z((couriers, length), np.int64),
        z((couriers, length), np.int64),
        z((couriers, length), np.int64),
        z((couriers, length + 1), np.int64),
        z((couriers, length + 1), np.int64),
        z((couriers, length + 1), np.int64),
        z((couriers, length), np.int64),
        z((couriers, slots + 1), np.int64),
        z((couriers, slots + 1, dims), np.int64),
        z((couriers, slots + 1), np.int64),
        z(couriers, np.int64),
        z(couriers, np.int64),
        np.full(n, -1, np.int64),
        np.full(n, -1, np.int64),
    )


@njit(cache=True)
def copy_days(a, b):
    """Copy days ``a`` into ``b`` (same shapes)."""
    b.g[:] = a.g
    b.m[:] = a.m
    b.pt[:] = a.pt
    b.pe[:] = a.pe
    b.pl[:] = a.pl
    b.st[:] = a.st
    b.se[:] = a.se
    b.sl[:] = a.sl
    b.trip[:] = a.trip
    b.rpos[:] = a.rpos
    b.load[:] = a.load
    b.tready[:] = a.tready
    b.nt[:] = a.nt
    b.cost[:] = a.cost
    b.where[:] = a.where
    b.pos[:] = a.pos


@njit(cache=True, inline="always")
def _join(t1, e1, l1, travel, t2, e2, l2):
    """Stretch 1 then, ``travel`` later, stretch 2: ``(T, E, L, on time)``."""
    delta = t1 + travel
    wait = max(e2 - delta - l1, 0)
    return t1 + t2 + travel + wait, max(e2 - delta, e1) - wait, min(l2 - delta, l1), e1 + delta <= l2


@njit(cache=True, inline="always")
def _node(site, node, x):
    """The matrix node of sequence entry ``x`` of a day from ``site``."""
    return site if x == RELOAD else node[x]


@njit(cache=True)
def retime(p, d, r):
    """Recompute courier ``r``'s trips, segments, cost, and its orders' ``where`` and ``pos``; False if the day is
    late, over a trip's capacity, over its working time or over its trip slots."""
    # numba re-reads a tuple's field on every use (at ~0.5 us): the loops use locals
    node, service, early, late, ready, demand = p.node, p.service, p.early, p.late, p.ready, p.demand
    dist, dur, cap = p.dist[p.profile[r]], p.dur[p.profile[r]], p.cap
    site, reload, close, earliest = p.site[r], p.reload[r], p.close[r], p.earliest[r]
    m = d.m[r]
    g, trip, load, tready, rpos = d.g[r], d.trip[r], d.load[r], d.tready[r], d.rpos[r]
    where, pos = d.where, d.pos
    pt, pe, pl, st, se, sl = d.pt[r], d.pe[r], d.pl[r], d.st[r], d.se[r], d.sl[r]
    dims = cap.shape[1]
    t = -1
    for i in range(m):
        x = g[i]
        if x == RELOAD:
            t += 1
            rpos[t] = i
            for j in range(dims):
                load[t, j] = 0
            tready[t] = NEG
        else:
            for j in range(dims):
                load[t, j] += demand[x, j]
            tready[t] = max(tready[t], ready[x, r])
            where[x] = r
            pos[x] = i
        trip[i] = t
    d.nt[r] = t + 1
    fits = t + 1 <= p.slots[r]
    for k in range(t + 1):
        for j in range(dims):
            fits &= load[k, j] <= cap[r, j]
    st[m], se[m], sl[m] = 0, NEG, close
    if m == 0:
        d.cost[r] = 0
        return True
    metres = 0
    ti, ei, li = reload, max(earliest, tready[0]) - reload, close - reload
    pt[0], pe[0], pl[0] = ti, ei, li
    a = site
    for i in range(1, m):
        x = g[i]
        b = _node(site, node, x)
        metres += dist[a, b]
        if x == RELOAD:
            t2, e2, l2 = reload, max(earliest, tready[trip[i]]) - reload, close - reload
        else:
            t2, e2, l2 = service[x], early[x], late[x]
        ti, ei, li, ok = _join(ti, ei, li, dur[a, b], t2, e2, l2)
        fits &= ok
        pt[i], pe[i], pl[i] = ti, ei, li
        a = b
    end = p.end[r]
    metres += dist[a, end]
    total, _, _, ok = _join(ti, ei, li, dur[a, end], 0, NEG, close)
    fits &= ok and total - reload <= p.most[r]
    ts, es, ls = 0, NEG, close
    nxt = end
    for i in range(m - 1, -1, -1):
        x = g[i]
        if x == RELOAD:
            t1, e1, l1 = reload, max(earliest, tready[trip[i]]) - reload, close - reload
        else:
            t1, e1, l1 = service[x], early[x], late[x]
        here = _node(site, node, x)
        ts, es, ls, _ = _join(t1, e1, l1, dur[here, nxt], ts, es, ls)
        st[i], se[i], sl[i] = ts, es, ls
        nxt = here
    d.cost[r] = metres + p.fixed[r]
    return fits


@njit(cache=True)
def _best_insertion(p, d, u):
    """The cheapest place for order ``u`` over every day (skipping each with chance ``_BLINK``): cost, day,
    position and whether it opens a trip there; cost ``BIG`` if none. A place costs the metres it adds (and the
    fixed cost if the day was empty); a place is one before entry
    ``at`` of a day (``at == m``: at its end) on the trip of entry ``at - 1``, or a trip of its own that starts
    there (within the courier's slots); none makes the day late, over capacity or over its working time."""
    node, service, early, late = p.node, p.service, p.early, p.late
    cap, demand = p.cap, p.demand
    here, tu, eu, lu = node[u], service[u], early[u], late[u]
    dims = cap.shape[1]
    best, best_r, best_at, best_new = BIG, -1, -1, False
    for r in range(d.m.shape[0]):
        if not p.allowed[u, r]:
            continue
        big = False
        for j in range(dims):
            big |= demand[u, j] > cap[r, j]
        if big:
            continue
        m = d.m[r]
        dist, dur = p.dist[p.profile[r]], p.dur[p.profile[r]]
        g, trip, load, tready, rpos = d.g[r], d.trip[r], d.load[r], d.tready[r], d.rpos[r]
        pt, pe, pl, st, se, sl = d.pt[r], d.pe[r], d.pl[r], d.st[r], d.se[r], d.sl[r]
        site, end, reload, close, most = p.site[r], p.end[r], p.reload[r], p.close[r], p.most[r]
        earliest, ready_u = p.earliest[r], p.ready[u, r]
        opens = d.nt[r] < p.slots[r]
        fixed = p.fixed[r] if m == 0 else 0
        t0, e0, l0 = reload, max(earliest, ready_u) - reload, close - reload  # the reload of a trip of its own
        own_t, own_e, own_l, own_ok = _join(t0, e0, l0, dur[site, here], tu, eu, lu)
        for at in range(m + 1):
            nxt = end if at == m else _node(site, node, g[at])
            if at > 0 and np.random.random() >= _BLINK:
                t = trip[at - 1]
                fits = True
                for j in range(dims):
                    fits &= load[t, j] + demand[u, j] <= cap[r, j]
                if fits:
                    prev = _node(site, node, g[at - 1])
                    metres = dist[prev, here] + dist[here, nxt] - dist[prev, nxt]
                    if ready_u <= tready[t]:
                        t1, e1, l1, ok = _join(pt[at - 1], pe[at - 1], pl[at - 1], dur[prev, here], tu, eu, lu)
                    else:  # the trip leaves later: re-time it from its reload
                        k = rpos[t]
                        t1, e1, l1, ok = t0, e0, l0, True
                        if k > 0:
                            before = _node(site, node, g[k - 1])
                            t1, e1, l1, ok = _join(pt[k - 1], pe[k - 1], pl[k - 1], dur[before, site], t1, e1, l1)
                        a = site
                        for i in range(k + 1, at):
                            x = g[i]
                            b = node[x]
                            t1, e1, l1, ok2 = _join(t1, e1, l1, dur[a, b], service[x], early[x], late[x])
                            ok &= ok2
                            a = b
                        t1, e1, l1, ok2 = _join(t1, e1, l1, dur[a, here], tu, eu, lu)
                        ok &= ok2
                    if ok:
                        total, _, _, ok = _join(t1, e1, l1, dur[here, nxt], st[at], se[at], sl[at])
                        if ok and total - reload <= most and metres + fixed < best:
                            best, best_r, best_at, best_new = metres + fixed, r, at, False
            boundary = at == m or g[at] == RELOAD
            if opens and boundary and own_ok and np.random.random() >= _BLINK:
                metres = dist[site, here] + dist[here, nxt]
                t1, e1, l1, ok = own_t, own_e, own_l, True
                if at > 0:
                    prev = _node(site, node, g[at - 1])
                    t1, e1, l1, ok = _join(pt[at - 1], pe[at - 1], pl[at - 1], dur[prev, site], t1, e1, l1)
                    metres += dist[prev, site] - dist[prev, nxt]
                if ok:
                    total, _, _, ok = _join(t1, e1, l1, dur[here, nxt], st[at], se[at], sl[at])
                    if ok and total - reload <= most and metres + fixed < best:
                        best, best_r, best_at, best_new = metres + fixed, r, at, True
    return best, best_r, best_at, best_new


@njit(cache=True)
def _insert(p, d, r, u, at, new_trip):
    """Put ``u`` at position ``at`` of day ``r`` (after a reload with ``new_trip``); the day is re-timed."""
    m = d.m[r]
    g = d.g[r]
    shift = 2 if new_trip else 1
    for i in range(m - 1, at - 1, -1):
        g[i + shift] = g[i]
    if new_trip:
        g[at] = RELOAD
    g[at + shift - 1] = u
    d.m[r] = m + shift
    retime(p, d, r)


@njit(cache=True)
def _drop(p, d, r, removed):
    """Take the ``removed`` orders out of day ``r``, and the reloads of the trips left empty; re-time it."""
    g, where, pos = d.g[r], d.where, d.pos
    m = d.m[r]
    k = 0
    for i in range(m):
        x = g[i]
        if x != RELOAD and removed[x]:
            where[x] = -1
            pos[x] = -1
            continue
        if x == RELOAD and k > 0 and g[k - 1] == RELOAD:
            k -= 1  # the trip before it is empty
        g[k] = x
        k += 1
    if k > 0 and g[k - 1] == RELOAD:
        k -= 1
    d.m[r] = k
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


@njit(cache=True)
def _ruin(p, d, removed):
    """Mark strings of consecutive orders on trips near a random served order (SISR's ruin, by trips): at most
    ``_MAX_STRING`` from one trip, about ``_MEAN_REMOVED`` in all. Returns how many."""
    where, pos, near, g, trip, rpos = d.where, d.pos, p.near, d.g, d.trip, d.rpos
    n = where.shape[0]
    served = 0
    for u in range(n):
        served += where[u] >= 0
    if served == 0:
        return 0
    k = np.random.randint(served)
    seed = 0
    for u in range(n):
        if where[u] >= 0:
            if k == 0:
                seed = u
                break
            k -= 1
    strings = np.random.randint(1, max(2, 4 * _MEAN_REMOVED // (1 + _MAX_STRING)) + 1)
    done = np.zeros((d.m.shape[0], rpos.shape[1]), np.bool_)
    count = 0
    for j in range(-1, near.shape[1]):
        v = seed if j < 0 else near[seed, j]
        r = where[v]
        if r < 0:
            continue
        t = trip[r, pos[v]]
        if done[r, t]:
            continue
        done[r, t] = True
        first = rpos[r, t] + 1
        last = rpos[r, t + 1] if t + 1 < d.nt[r] else d.m[r]
        size = np.random.randint(1, min(_MAX_STRING, last - first) + 1)
        lo = max(first, pos[v] - size + 1)
        hi = min(pos[v], last - size)
        start = np.random.randint(lo, hi + 1)
        for i in range(start, start + size):
            removed[g[r, i]] = True
        count += size
        strings -= 1
        if strings == 0:
            break
    return count


@njit(cache=True)
def _recreate(p, d, removed, orders):
    """Insert the ``removed`` orders and as many others left out (at least ``_RETRIED``, drawn at random), each at
    its cheapest place, in one of SISR's orders (random, largest first, farthest from the first courier's site
    first, nearest first)."""
    where, demand, dist, node = d.where, p.demand, p.dist[p.profile[0]], p.node
    n = where.shape[0]
    k = 0
    for u in range(n):
        if where[u] < 0 and removed[u]:
            orders[k] = u
            k += 1
    others = k
    for u in range(n):
        if where[u] < 0 and not removed[u]:
            orders[others] = u
            others += 1
    np.random.shuffle(orders[k:others])
    k = min(others, k + max(k, _RETRIED))
    todo = orders[:k]
    np.random.shuffle(todo)
    pick = np.random.random()
    if pick >= 4 / 11:
        key = np.empty(k, np.float64)
        for i in range(k):
            u = todo[i]
            if pick < 8 / 11:
                key[i] = -float(demand[u, 0])
            else:
                far = float(dist[p.site[0], node[u]])
                key[i] = -far if pick < 10 / 11 else far
        todo[:] = todo[np.argsort(key, kind="mergesort")]
    for u in todo:
        c, r, at, new_trip = _best_insertion(p, d, u)
        if c < BIG:
            _insert(p, d, r, u, at, new_trip)


@njit(cache=True)
def search(p, cur, cand, best, rounds, temperature0, temperature1):
    """``rounds`` rounds of ruin and recreate from ``cur`` with simulated annealing, the temperature going
    geometrically from ``temperature0`` to ``temperature1``; ``best`` keeps the days of the lowest objective seen
    (``cand`` is scratch). Returns the objectives of ``cur`` and of ``best``."""
    n = p.node.shape[0]
    removed = np.zeros(n, np.bool_)
    orders = np.empty(n, np.int64)
    current = objective(p, cur)
    lowest = objective(p, best)
    ratio = (temperature1 / temperature0) ** (1.0 / max(1, rounds))
    temperature = temperature0
    for _ in range(rounds):
        copy_days(cur, cand)
        removed[:] = False
        _ruin(p, cand, removed)
        fine = True
        g, m = cand.g, cand.m
        for r in range(m.shape[0]):
            for i in range(m[r]):
                x = g[r, i]
                if x != RELOAD and removed[x]:
                    fine &= _drop(p, cand, r, removed)
                    break
        if fine:
            _recreate(p, cand, removed, orders)
            value = objective(p, cand)
            if value <= current or np.random.random() < np.exp((current - value) / temperature):
                copy_days(cand, cur)
                current = value
                if value < lowest:
                    copy_days(cand, best)
                    lowest = value
        temperature *= ratio
    return current, lowest


@njit(cache=True)
def seed_rng(seed):
    """Seed numba's random generator (the one the kernels draw from)."""
    np.random.seed(seed)
