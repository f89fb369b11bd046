"""The compiled (numba) ruin and recreate of :mod:`routing.tripls` on the days of :mod:`routing.tripls_days`:
arrays in, arrays out, no Python objects."""

from __future__ import annotations

import numpy as np
from numba import njit

from routing.tripls_days import (
    BIG,
    DAY_BREAKS_AFTER,
    DAY_BREAKS_BEFORE,
    INTO_TRIP,
    NEG,
    OWN_TRIP,
    RELOAD,
    copy_days,
    drop,
    hop,
    insert,
    join,
    objective,
)

_BLINK = 0.01  # the chance that greedy insertion skips a position (SISR's blinks)
_MAX_STRING = 10  # orders removed at most from one trip
_MEAN_REMOVED = 10  # orders removed on the mean in a round (SISR's c-bar)
_RETRIED = 64  # orders left out before the round that it tries to put back, at least


@njit(cache=True, inline="always")
def _closed(t1, e1, l1, here, nxt, at, j, d, r, dur):
    """A stretch ending at ``here`` then the day's entries from ``at``: the breaks up to ``j`` taken there, then
    the suffix from ``j`` (at ``nxt``): its duration and whether it is on time."""
    et, ee, el = d.et[r], d.ee[r], d.el[r]
    ok = True
    for i in range(at, j):
        t1, e1, l1, fine = join(t1, e1, l1, 0, et[i], ee[i], el[i])
        ok &= fine
    total, _, _, fine = join(t1, e1, l1, dur[here, nxt], d.st[r, j], d.se[r, j], d.sl[r, j])
    return total, ok & fine


@njit(cache=True)
def _new_day(p, r, u, dur):
    """How ``u`` opens courier ``r``'s empty day, its breaks after it or else before it (``DAY_BREAKS_*``), or -1
    when neither is on time and within the working time."""
    site, end, reload, close = p.site[r], p.end[r], p.reload[r], p.close[r]
    here = p.node[u]
    for how in (DAY_BREAKS_AFTER, DAY_BREAKS_BEFORE):
        t1, e1, l1, ok = reload, max(p.earliest[r], p.ready[u, r]) - reload, close - reload, True
        if how == DAY_BREAKS_AFTER:
            t1, e1, l1, fine = join(t1, e1, l1, dur[site, here], p.service[u], p.early[u], p.late[u])
            ok &= fine
        for k in range(p.nb[r]):
            t1, e1, l1, fine = join(t1, e1, l1, 0, p.bservice[r, k], p.bearly[r, k], p.blate[r, k])
            ok &= fine
        if how == DAY_BREAKS_BEFORE:
            if p.nb[r] == 0:
                break
            t1, e1, l1, fine = join(t1, e1, l1, dur[site, here], p.service[u], p.early[u], p.late[u])
            ok &= fine
        total, _, _, fine = join(t1, e1, l1, dur[here, end], 0, NEG, close)
        if ok and fine and total - reload <= p.most[r]:
            return how
    return -1


@njit(cache=True)
def _best_insertion(p, d, u):
    """The cheapest place for order ``u`` over every day (skipping each with chance ``_BLINK``): cost, day,
    position and how it goes in (:func:`routing.tripls_days.insert`); cost ``BIG`` if none. A place costs the
    metres it adds (and the fixed cost if the day was empty); a place is one before entry ``at`` of a day
    (``at == m``: at its end) on the trip of entry ``at - 1`` (the breaks right after it then taken after ``u``),
    a trip of its own that starts there (within the courier's slots), or an empty day's first trip; none makes the
    day late, over capacity, over its working time or over its site's stock."""
    node, service, early, late = p.node, p.service, p.early, p.late
    cap, demand, needs, left = p.cap, p.demand, p.needs, d.left
    here, tu, eu, lu = node[u], service[u], early[u], late[u]
    dims = cap.shape[1]
    best, best_r, best_at, best_how = BIG, -1, -1, INTO_TRIP
    for r in range(d.m.shape[0]):
        if not p.allowed[u, r]:
            continue
        big = False
        for j in range(dims):
            big |= demand[u, j] > cap[r, j]
        for j in range(needs.shape[1]):
            big |= needs[u, j] > left[p.stock_row[r], j]
        if big:
            continue
        m = d.m[r]
        dist, dur = p.dist[p.profile[r]], p.dur[p.profile[r]]
        site, end, reload, close, most = p.site[r], p.end[r], p.reload[r], p.close[r], p.most[r]
        if m == 0:
            metres = dist[site, here] + dist[here, end] + p.fixed[r]
            if metres < best and np.random.random() >= _BLINK:
                how = _new_day(p, r, u, dur)
                if how >= 0:
                    best, best_r, best_at, best_how = metres, r, 0, how
            continue
        g, loc, trip, load, tready, rpos = d.g[r], d.loc[r], d.trip[r], d.load[r], d.tready[r], d.rpos[r]
        et, ee, el, pt, pe, pl = d.et[r], d.ee[r], d.el[r], d.pt[r], d.pe[r], d.pl[r]
        ready_u = p.ready[u, r]
        opens = d.nt[r] < p.slots[r]
        t0, e0, l0 = reload, max(p.earliest[r], ready_u) - reload, close - reload  # the reload of a trip of its own
        own_t, own_e, own_l, own_ok = join(t0, e0, l0, dur[site, here], tu, eu, lu)
        j = 0  # the first entry from ``at`` on that is no break
        for at in range(m + 1):
            if at > j:
                j = at
                while j < m and g[j] < RELOAD:
                    j += 1
            nxt = end if j == m else loc[j]
            if at > 0 and np.random.random() >= _BLINK:
                t = trip[at - 1]
                fits = True
                for k in range(dims):
                    fits &= load[t, k] + demand[u, k] <= cap[r, k]
                if fits:
                    prev = loc[at - 1]
                    metres = dist[prev, here] + dist[here, nxt] - dist[prev, nxt]
                    if ready_u <= tready[t]:
                        t1, e1, l1, ok = join(pt[at - 1], pe[at - 1], pl[at - 1], dur[prev, here], tu, eu, lu)
                    else:  # the trip leaves later: re-time it from its reload
                        k = rpos[t]
                        t1, e1, l1, ok = t0, e0, l0, True
                        if k > 0:
                            t1, e1, l1, ok = join(pt[k - 1], pe[k - 1], pl[k - 1], dur[loc[k - 1], site], t1, e1, l1)
                        for i in range(k + 1, at):
                            t1, e1, l1, fine = join(t1, e1, l1, hop(dur, g, loc, i - 1, m, end), et[i], ee[i], el[i])
                            ok &= fine
                        t1, e1, l1, fine = join(t1, e1, l1, dur[prev, here], tu, eu, lu)
                        ok &= fine
                    if ok and metres < best:
                        total, ok = _closed(t1, e1, l1, here, nxt, at, j, d, r, dur)
                        if ok and total - reload <= most:
                            best, best_r, best_at, best_how = metres, r, at, INTO_TRIP
            boundary = j == m or g[j] == RELOAD
            if opens and boundary and own_ok and np.random.random() >= _BLINK:
                metres = dist[site, here] + dist[here, nxt]
                t1, e1, l1, ok = own_t, own_e, own_l, True
                if at > 0:
                    prev = loc[at - 1]
                    t1, e1, l1, ok = join(pt[at - 1], pe[at - 1], pl[at - 1], dur[prev, site], t1, e1, l1)
                    metres += dist[prev, site] - dist[prev, nxt]
                if ok and metres < best:
                    total, ok = _closed(t1, e1, l1, here, nxt, at, j, d, r, dur)
                    if ok and total - reload <= most:
                        best, best_r, best_at, best_how = metres, r, at, OWN_TRIP
    return best, best_r, best_at, best_how


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
            x = g[r, i]
            if x >= 0:
                removed[x] = True
                count += 1
        strings -= 1
        if strings == 0:
            break
    return count


@njit(cache=True)
def _recreate(p, d, removed, orders, touched):
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
        c, r, at, how = _best_insertion(p, d, u)
        if c < BIG:
            insert(p, d, r, u, at, how)
            touched[r] = True


@njit(cache=True)
def search(p, cur, cand, best, rounds, temperature0, temperature1):
    """``rounds`` rounds of ruin and recreate from ``cur`` with simulated annealing, the temperature going
    geometrically from ``temperature0`` to ``temperature1``; ``best`` keeps the days of the lowest objective seen
    (``cand`` is scratch: a round edits its copy of ``cur`` and copies back only the days it touched). Returns the
    objectives of ``cur`` and of ``best``."""
    n = p.node.shape[0]
    removed = np.zeros(n, np.bool_)
    orders = np.empty(n, np.int64)
    every = np.ones(cur.m.shape[0], np.bool_)
    touched = np.zeros(cur.m.shape[0], np.bool_)
    copy_days(cur, cand, every)
    current = objective(p, cur)
    lowest = objective(p, best)
    ratio = (temperature1 / temperature0) ** (1.0 / max(1, rounds))
    temperature = temperature0
    for _ in range(rounds):
        removed[:] = False
        touched[:] = False
        _ruin(p, cand, removed)
        fine = True
        g, m = cand.g, cand.m
        for r in range(m.shape[0]):
            for i in range(m[r]):
                x = g[r, i]
                if x >= 0 and removed[x]:
                    touched[r] = True
                    fine &= drop(p, cand, r, removed)
                    break
        kept = False
        if fine:
            _recreate(p, cand, removed, orders, touched)
            value = objective(p, cand)
            if value <= current or np.random.random() < np.exp((current - value) / temperature):
                kept = True
                copy_days(cand, cur, touched)
                current = value
                if value < lowest:
                    copy_days(cand, best, every)
                    lowest = value
        if not kept:
            copy_days(cur, cand, touched)
        temperature *= ratio
    return current, lowest


@njit(cache=True)
def seed_rng(seed):
    """Seed numba's random generator (the one the kernels draw from)."""
    np.random.seed(seed)
