"""The compiled (numba) moves of :mod:`routing.fastls`: arrays in, arrays out, no Python objects.

A plan is ``seq[r, 0 .. length[r] + 1]``: route ``r``'s start depot, its stops and its end depot as local nodes
(``node[a]`` is local node ``a``'s row in the travel matrices). Per position a route keeps the earliest service
start (``est``), the latest service start that keeps the rest of the route on time (``lst``), the metres from its
start driven forwards (``cdist``) and backwards (``rdist``: 2-opt on asymmetric matrices) and the load so far
(``cload``, one column per capacity dimension). Every move is priced first from the arcs it removes and adds, in
O(1); only an improving one is checked. A move between two routes joins a prefix of one route, at most three
explicit nodes and a suffix of a route: it is on time when the walk from the prefix's ``est`` through the explicit
nodes reaches the suffix's first node no later than its ``lst``, so relocate, swap and 2-opt* between two routes
are checked in O(1); a move within one route walks the stretch it changes. An empty route costs nothing; a used one
its metres plus its fixed cost.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit

__all__ = ["Instance", "descend"]

_INF = 1 << 60


class Instance(NamedTuple):
    """What the moves read: per local node (clients, then depots) its matrix ``node``, ``service`` seconds, window
    (``early``, ``late``) and ``demand`` (one column per capacity dimension); the matrices ``dist`` and ``dur``;
    per route its capacity ``cap``, ``open_s`` and ``close_s``, ``fixed`` cost and ``end_class`` (routes of one
    class end at the same depot by the same time, so they can exchange tails); ``allowed[client, route]``."""

    node: np.ndarray
    dist: np.ndarray
    dur: np.ndarray
    service: np.ndarray
    early: np.ndarray
    late: np.ndarray
    demand: np.ndarray
    cap: np.ndarray
    open_s: np.ndarray
    close_s: np.ndarray
    fixed: np.ndarray
    end_class: np.ndarray
    allowed: np.ndarray


class _State(NamedTuple):
    """The plan and its per-position data (see the module's docstring), and each client's route and position."""

    seq: np.ndarray
    length: np.ndarray
    est: np.ndarray
    lst: np.ndarray
    cdist: np.ndarray
    rdist: np.ndarray
    cload: np.ndarray
    route_of: np.ndarray
    pos_of: np.ndarray


@njit(cache=True)
def _time_route(p, s, r):
    """Fill route ``r``'s rows of ``est``, ``lst``, ``cdist``, ``rdist`` and ``cload`` from ``seq[r]``."""
    n = s.length[r]
    s.est[r, 0] = p.open_s[r]
    s.cdist[r, 0] = 0
    s.rdist[r, 0] = 0
    s.cload[r, 0, :] = 0
    for k in range(1, n + 2):
        a, b = s.seq[r, k - 1], s.seq[r, k]
        s.est[r, k] = max(s.est[r, k - 1] + p.service[a] + p.dur[p.node[a], p.node[b]], p.early[b])
        s.cdist[r, k] = s.cdist[r, k - 1] + p.dist[p.node[a], p.node[b]]
        s.rdist[r, k] = s.rdist[r, k - 1] + p.dist[p.node[b], p.node[a]]
        s.cload[r, k, :] = s.cload[r, k - 1, :] + p.demand[b, :]
    s.lst[r, n + 1] = p.close_s[r]
    for k in range(n, -1, -1):
        a, b = s.seq[r, k], s.seq[r, k + 1]
        bound = s.lst[r, k + 1] - p.dur[p.node[a], p.node[b]] - p.service[a]
        s.lst[r, k] = min(p.late[a] if k > 0 else p.close_s[r], bound)


@njit(cache=True, inline="always")
def _reaches(p, t, prev, nxt, bound):
    """Whether serving ``prev`` from ``t`` and driving to ``nxt`` arrives by ``bound``."""
    return t + p.service[prev] + p.dur[p.node[prev], p.node[nxt]] <= bound


@njit(cache=True, inline="always")
def _step(p, t, prev, nxt):
    """Service start at ``nxt`` after serving ``prev`` from ``t``, or ``_INF`` when past ``nxt``'s window."""
    start = max(t + p.service[prev] + p.dur[p.node[prev], p.node[nxt]], p.early[nxt])
    return start if start <= p.late[nxt] else _INF


@njit(cache=True, inline="always")
def _arc(p, a, b):
    """Metres from local node ``a`` to ``b``."""
    return p.dist[p.node[a], p.node[b]]


@njit(cache=True, inline="always")
def _on_time(p, s, buf, a, lo, hi):
    """Whether route ``a`` with positions ``lo .. hi`` replaced by ``buf[lo .. hi]`` (the rest as it is) is on
    time: walked from the earliest start before ``lo`` to the latest start allowed at ``hi + 1``."""
    t = s.est[a, lo - 1]
    prev = s.seq[a, lo - 1]
    for k in range(lo, hi + 1):
        t = _step(p, t, prev, buf[k])
        if t == _INF:
            return False
        prev = buf[k]
    return _reaches(p, t, prev, s.seq[a, hi + 1], s.lst[a, hi + 1])


@njit(cache=True)
def _put(buf, m, seq, r, first, last, reverse):
    """Append ``seq[r, first .. last]`` (backwards with ``reverse``) to ``buf`` from index ``m``; the next index."""
    for k in range(last - first + 1):
        buf[m + k] = seq[r, last - k] if reverse else seq[r, first + k]
    return m + max(0, last - first + 1)


@njit(cache=True, inline="always")
def _fits(x, y, z, cap):
    """Whether the load ``x + y - z`` (one value per capacity dimension) is within ``cap``."""
    d = 0
    while d < cap.shape[0] and x[d] + y[d] - z[d] <= cap[d]:
        d += 1
    return d == cap.shape[0]


@njit(cache=True, inline="always")
def _relocate(p, s, a, i, seg, b, q, lmax):
    """Cost change of moving the ``seg`` stops from position ``i`` of route ``a`` to after position ``q`` of route
    ``b`` (``b != a``), or ``_INF`` when that breaks a constraint."""
    na, nb = s.length[a], s.length[b]
    if i + seg - 1 > na or nb + seg > lmax - 2:
        return _INF
    if not _fits(s.cload[b, nb + 1], s.cload[a, i + seg - 1], s.cload[a, i - 1], p.cap[b]):
        return _INF
    for k in range(seg):
        if not p.allowed[s.seq[a, i + k], b]:
            return _INF
    pa, xa = s.seq[a, i - 1], s.seq[a, i + seg]
    pb, xb = s.seq[b, q], s.seq[b, q + 1]
    first, last = s.seq[a, i], s.seq[a, i + seg - 1]
    if na == seg:
        delta = -(s.cdist[a, na + 1] + p.fixed[a])
    else:
        delta = _arc(p, pa, xa) - (s.cdist[a, i + seg] - s.cdist[a, i - 1])
    inner = s.cdist[a, i + seg - 1] - s.cdist[a, i]
    delta += _arc(p, pb, first) + inner + _arc(p, last, xb) + (p.fixed[b] if nb == 0 else -_arc(p, pb, xb))
    if delta >= 0:
        return delta
    if na > seg and not _reaches(p, s.est[a, i - 1], pa, xa, s.lst[a, i + seg]):
        return _INF
    t, prev = s.est[b, q], pb
    for k in range(seg):
        t = _step(p, t, prev, s.seq[a, i + k])
        if t == _INF:
            return _INF
        prev = s.seq[a, i + k]
    return delta if _reaches(p, t, prev, xb, s.lst[b, q + 1]) else _INF


@njit(cache=True, inline="always")
def _swap(p, s, a, i, b, j):
    """Cost change of swapping the stop at position ``i`` of route ``a`` with the one at ``j`` of route ``b``
    (``b != a``), or ``_INF`` when that breaks a constraint."""
    u, v = s.seq[a, i], s.seq[b, j]
    if not (p.allowed[v, a] and p.allowed[u, b]):
        return _INF
    if not _fits(s.cload[a, s.length[a] + 1], p.demand[v], p.demand[u], p.cap[a]):
        return _INF
    if not _fits(s.cload[b, s.length[b] + 1], p.demand[u], p.demand[v], p.cap[b]):
        return _INF
    delta = 0
    for r, k, old, new in ((a, i, u, v), (b, j, v, u)):
        prev, nxt = s.seq[r, k - 1], s.seq[r, k + 1]
        delta += _arc(p, prev, new) + _arc(p, new, nxt) - _arc(p, prev, old) - _arc(p, old, nxt)
    if delta >= 0:
        return delta
    for r, k, new in ((a, i, v), (b, j, u)):
        t = _step(p, s.est[r, k - 1], s.seq[r, k - 1], new)
        if t == _INF or not _reaches(p, t, new, s.seq[r, k + 1], s.lst[r, k + 1]):
            return _INF
    return delta


@njit(cache=True, inline="always")
def _two_opt_star(p, s, a, i, b, j, lmax):
    """Cost change of exchanging tails so that route ``a`` runs to position ``i``, then from position ``j`` of route
    ``b`` on, and ``b`` runs to ``j - 1``, then ``a``'s tail after ``i`` (both of one end class), or ``_INF`` when
    that breaks a constraint."""
    na, nb = s.length[a], s.length[b]
    if i + nb - j + 1 > lmax - 2 or j - 1 + na - i > lmax - 2:
        return _INF
    if not _fits(s.cload[a, i], s.cload[b, nb + 1], s.cload[b, j - 1], p.cap[a]):
        return _INF
    if not _fits(s.cload[b, j - 1], s.cload[a, na + 1], s.cload[a, i], p.cap[b]):
        return _INF
    u, v, pb, xa = s.seq[a, i], s.seq[b, j], s.seq[b, j - 1], s.seq[a, i + 1]
    emptied = j == 1 and i == na
    new_a = s.cdist[a, i] + _arc(p, u, v) + s.cdist[b, nb + 1] - s.cdist[b, j]
    new_b = s.cdist[b, j - 1] + _arc(p, pb, xa) + s.cdist[a, na + 1] - s.cdist[a, i + 1]
    delta = new_a - s.cdist[a, na + 1] + (-p.fixed[b] if emptied else new_b) - s.cdist[b, nb + 1]
    if delta >= 0:
        return delta
    if not _reaches(p, s.est[a, i], u, v, s.lst[b, j]):
        return _INF
    if not emptied and not _reaches(p, s.est[b, j - 1], pb, xa, s.lst[a, i + 1]):
        return _INF
    return delta


@njit(cache=True, inline="always")
def _within_delta(p, s, kind, a, i, j, seg):
    """Cost change of a move within route ``a`` (``kind`` 0: the ``seg`` stops from ``i`` moved to after position
    ``j``; 1: stops ``i`` and ``j`` swapped; 2: the stretch between them reversed so that ``i`` and ``j`` become
    neighbours, 2-opt), from the arcs it removes and adds; ``_INF`` if it is not a move."""
    n, q = s.length[a], s.seq[a]
    if kind == 0:
        if i + seg - 1 > n or i - 1 <= j <= i + seg - 1:
            return _INF
        removed = _arc(p, q[i - 1], q[i]) + _arc(p, q[i + seg - 1], q[i + seg]) + _arc(p, q[j], q[j + 1])
        added = _arc(p, q[i - 1], q[i + seg]) + _arc(p, q[j], q[i]) + _arc(p, q[i + seg - 1], q[j + 1])
        return added - removed
    lo, hi = min(i, j), max(i, j)
    if kind == 1:
        if hi == lo + 1:
            removed = _arc(p, q[lo - 1], q[lo]) + _arc(p, q[lo], q[hi]) + _arc(p, q[hi], q[hi + 1])
            added = _arc(p, q[lo - 1], q[hi]) + _arc(p, q[hi], q[lo]) + _arc(p, q[lo], q[hi + 1])
            return added - removed
        removed = _arc(p, q[lo - 1], q[lo]) + _arc(p, q[lo], q[lo + 1])
        removed += _arc(p, q[hi - 1], q[hi]) + _arc(p, q[hi], q[hi + 1])
        added = _arc(p, q[lo - 1], q[hi]) + _arc(p, q[hi], q[lo + 1])
        added += _arc(p, q[hi - 1], q[lo]) + _arc(p, q[lo], q[hi + 1])
        return added - removed
    if hi - lo < 2:
        return _INF
    # reversing positions f .. e: i < j reverses i + 1 .. j, j < i reverses j .. i - 1
    f, e = (i + 1, j) if i < j else (j, i - 1)
    forward = s.cdist[a, e] - s.cdist[a, f]
    backward = s.rdist[a, e] - s.rdist[a, f]
    removed = _arc(p, q[f - 1], q[f]) + forward + _arc(p, q[e], q[e + 1])
    added = _arc(p, q[f - 1], q[e]) + backward + _arc(p, q[f], q[e + 1])
    return added - removed


@njit(cache=True)
def _within(s, kind, a, i, j, seg, buf):
    """Write route ``a`` after the move ``kind`` of :func:`_within_delta` (which must be one) to ``buf``."""
    n, seq = s.length[a], s.seq
    _put(buf, 0, seq, a, 0, n + 1, False)
    if kind == 0:
        if j < i:
            m = _put(buf, j + 1, seq, a, i, i + seg - 1, False)
            _put(buf, m, seq, a, j + 1, i - 1, False)
        else:
            m = _put(buf, i, seq, a, i + seg, j, False)
            _put(buf, m, seq, a, i, i + seg - 1, False)
    elif kind == 1:
        buf[i], buf[j] = seq[a, j], seq[a, i]
    elif i < j:
        _put(buf, i + 1, seq, a, i + 1, j, True)
    else:
        _put(buf, j, seq, a, j, i - 1, True)


@njit(cache=True)
def _between(s, kind, a, i, b, j, seg, buf_a, buf_b):
    """Routes ``a`` and ``b`` after a move between them (``kind`` 0: relocate the ``seg`` stops from ``i`` to after
    ``j``; 1: swap; 3: 2-opt*, as :func:`_two_opt_star`) written to the buffers; their numbers of stops."""
    na, nb, seq = s.length[a], s.length[b], s.seq
    if kind == 0:
        m = _put(buf_a, 0, seq, a, 0, i - 1, False)
        _put(buf_a, m, seq, a, i + seg, na + 1, False)
        k = _put(buf_b, 0, seq, b, 0, j, False)
        k = _put(buf_b, k, seq, a, i, i + seg - 1, False)
        _put(buf_b, k, seq, b, j + 1, nb + 1, False)
        return na - seg, nb + seg
    if kind == 1:
        _put(buf_a, 0, seq, a, 0, na + 1, False)
        _put(buf_b, 0, seq, b, 0, nb + 1, False)
        buf_a[i], buf_b[j] = seq[b, j], seq[a, i]
        return na, nb
    m = _put(buf_a, 0, seq, a, 0, i, False)
    m = _put(buf_a, m, seq, b, j, nb + 1, False)
    k = _put(buf_b, 0, seq, b, 0, j - 1, False)
    k = _put(buf_b, k, seq, a, i + 1, na + 1, False)
    return m - 2, k - 2


@njit(cache=True)
def _store(p, s, r, buf, m):
    """Make ``buf[0 .. m + 1]`` route ``r``: its row, its stops' route and position, its timing."""
    s.seq[r, : m + 2] = buf[: m + 2]
    s.length[r] = m
    for k in range(1, m + 1):
        s.route_of[buf[k]] = r
        s.pos_of[buf[k]] = k
    _time_route(p, s, r)


@njit(cache=True)
def _try_within(p, s, u, v, buf):
    """Make the first improving move of ``u`` and ``v`` on their one route (relocate of 1-3 stops from ``u`` on
    after ``v``, of ``u`` before ``v``, swap, 2-opt); its cost change, 0 if none."""
    a, i, j = s.route_of[u], s.pos_of[u], s.pos_of[v]
    for kind, seg, at in ((0, 1, j), (0, 2, j), (0, 3, j), (0, 1, j - 1), (1, 1, j), (2, 1, j)):
        delta = _within_delta(p, s, kind, a, i, at, seg)
        if delta >= 0:
            continue
        _within(s, kind, a, i, at, seg, buf)
        if _on_time(p, s, buf, a, min(i, at + 1 if kind == 0 else at), max(i + seg - 1, at)):
            _store(p, s, a, buf, s.length[a])
            return delta
    return 0


@njit(cache=True)
def _try_between(p, s, u, v, buf_a, buf_b, free, lmax):
    """Make the first improving move of ``u`` and ``v`` on their two routes (relocate of 1-3 stops from ``u`` on
    after ``v``, of ``u`` before ``v``, swap, 2-opt* joining ``u`` to ``v``); its cost change, 0 if none."""
    a, i, b, j = s.route_of[u], s.pos_of[u], s.route_of[v], s.pos_of[v]
    tails = free and p.end_class[a] == p.end_class[b]
    for kind, seg, at in ((0, 1, j), (0, 2, j), (0, 3, j), (0, 1, j - 1), (1, 1, j), (3, 1, j)):
        if kind == 0:
            delta = _relocate(p, s, a, i, seg, b, at, lmax)
        elif kind == 1:
            delta = _swap(p, s, a, i, b, j)
        else:
            delta = _two_opt_star(p, s, a, i, b, j, lmax) if tails else _INF
        if delta < 0:
            ma, mb = _between(s, kind, a, i, b, at, seg, buf_a, buf_b)
            _store(p, s, a, buf_a, ma)
            _store(p, s, b, buf_b, mb)
            return delta
    return 0


@njit(cache=True)
def _into_empty(p, s, u, buf_a, buf_b, lmax):
    """Move ``u`` alone onto the first empty route if that improves the plan; the cost change, 0 if not."""
    a, i = s.route_of[u], s.pos_of[u]
    empty = np.flatnonzero(s.length == 0)
    if len(empty) == 0:
        return 0
    b = empty[0]
    delta = _relocate(p, s, a, i, 1, b, 0, lmax)
    if delta >= 0:
        return 0
    ma, mb = _between(s, 0, a, i, b, 0, 1, buf_a, buf_b)
    _store(p, s, a, buf_a, ma)
    _store(p, s, b, buf_b, mb)
    return delta


@njit(cache=True)
def descend(p, seq, length, neighbours, order, touched, free):
    """First-improvement descent on the plan ``seq`` / ``length`` (changed in place) until no move improves it.

    Takes the :class:`Instance` ``p``; ``neighbours[u]``, the clients whose moves with ``u`` are tried (-1 padded);
    ``order``, the clients in the order they are visited; ``touched``, the routes to search around (a pair is tried
    only while one of its routes changed since ``u`` was last visited, as in HGS); ``free``, whether 2-opt* may
    move tails (every client allowed on every route). Returns the number of moves made and the cost change.
    """
    routes, lmax = seq.shape
    clients = neighbours.shape[0]
    zeros = np.zeros((routes, lmax), dtype=np.int64)
    s = _State(
        seq,
        length,
        zeros.copy(),
        zeros.copy(),
        zeros.copy(),
        zeros.copy(),
        np.zeros((routes, lmax, p.demand.shape[1]), dtype=np.int64),
        np.full(clients, -1, dtype=np.int64),
        np.full(clients, -1, dtype=np.int64),
    )
    for r in range(routes):
        _store(p, s, r, seq[r].copy(), length[r])
    buf_a = np.empty(lmax, dtype=np.int64)
    buf_b = np.empty(lmax, dtype=np.int64)
    modified = np.zeros(routes, dtype=np.int64)
    modified[touched] = 1
    tested = np.zeros(clients, dtype=np.int64)
    moves, total, improved = 1, 0, True
    while improved:
        improved = False
        for u in order:
            if s.route_of[u] < 0:
                continue
            last, tested[u] = tested[u], moves
            for v in neighbours[u]:
                if v < 0 or s.route_of[v] < 0:
                    continue
                a, b = s.route_of[u], s.route_of[v]
                if max(modified[a], modified[b]) <= last:
                    continue
                within = a == b
                delta = _try_within(p, s, u, v, buf_a) if within else _try_between(p, s, u, v, buf_a, buf_b, free, lmax)
                if delta < 0:
                    moves += 1
                    modified[a], modified[b] = moves, moves
                    total += delta
                    improved = True
            a = s.route_of[u]
            if modified[a] > last and s.length[a] > 1:
                delta = _into_empty(p, s, u, buf_a, buf_b, lmax)
                if delta < 0:
                    moves += 1
                    modified[a], modified[s.route_of[u]] = moves, moves
                    total += delta
                    improved = True
    return moves - 1, total
