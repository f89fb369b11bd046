"""Pre-positioning: what a forward warehouse should hold for the coming days, within its capacity.

An order can be served from a forward warehouse only if every item in it is there, so the aim is the share of
*baskets* served in full, not of item units. Each item that is held gets the quantity that covers its forecast
demand at the target service level (a Poisson quantile). Which items to hold is chosen by *reverse greedy* on the
area's recent baskets, each weighted by how the forecast moves its items (up for a promotion or a trend, down for
fading items): start from every item with forecast demand and drop, one at a time, the item whose loss of fully
served baskets per unit of capacity freed is smallest, until the quantities fit the capacity.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass

import numpy as np
from scipy.stats import poisson

from forecasting.history import OrderLines

__all__ = ["Baskets", "baskets_of", "fill_rate", "held_quantity", "reverse_greedy", "stock_plan", "top_n_plan"]


@dataclass(frozen=True)
class Baskets:
    """Orders as compressed rows: the items of order ``k`` are ``item[start[k]:start[k + 1]]``, in time order."""

    start: np.ndarray
    item: np.ndarray
    quantity: np.ndarray

    def __len__(self) -> int:
        return len(self.start) - 1


def baskets_of(lines: OrderLines) -> Baskets:
    """Group order lines into baskets, ordered by time."""
    order = np.lexsort((lines.order, lines.time_s))
    ids = lines.order[order]
    cut = np.flatnonzero(np.diff(ids)) + 1
    start = np.concatenate([[0], cut, [len(ids)]]).astype(np.int64)
    return Baskets(start, lines.item[order], lines.quantity[order])


def held_quantity(forecast: np.ndarray, service_level: float) -> np.ndarray:
    """Units to hold per item: the ``service_level`` quantile of Poisson demand with the forecast as mean."""
    return np.where(forecast > 0, np.maximum(poisson.ppf(service_level, forecast), 1), 0).astype(np.int64)


def reverse_greedy(baskets: Baskets, weight: np.ndarray, cost: np.ndarray, capacity: float) -> np.ndarray:
    """Items to hold (boolean per item): drop the cheapest loss of weighted full baskets per unit of ``cost``
    until the held items' cost fits ``capacity``. Items with zero cost are never held."""
    held = cost > 0
    sizes = np.diff(baskets.start)
    of_item: list[list[int]] = [[] for _ in range(len(cost))]
    for b in range(len(baskets)):
        for i in baskets.item[baskets.start[b] : baskets.start[b + 1]]:
            of_item[int(i)].append(b)
    covered = np.array(
        [held[baskets.item[baskets.start[b] : baskets.start[b] + sizes[b]]].all() for b in range(len(baskets))]
    )
    loss = np.zeros(len(cost))
    np.add.at(loss, baskets.item, np.repeat(np.where(covered, weight, 0.0), sizes))
    heap: list[tuple[float, int]] = [(float(loss[i] / cost[i]), int(i)) for i in np.flatnonzero(held)]
    heapq.heapify(heap)
    used = float(cost[held].sum())
    while used > capacity and heap:
        key, i = heapq.heappop(heap)
        if not held[i] or key != float(loss[i] / cost[i]):
            continue
        held[i] = False
        used -= float(cost[i])
        for b in of_item[i]:
            if covered[b]:
                covered[b] = False
                for j in baskets.item[baskets.start[b] : baskets.start[b + 1]]:
                    if held[j] and j != i:
                        loss[j] -= weight[b]
                        heapq.heappush(heap, (float(loss[j] / cost[j]), int(j)))
    return held


def _weights(forecast: np.ndarray, recent: Baskets, recent_days: int, horizon_days: int) -> np.ndarray:
    """Per recent basket: the geometric mean, over its items, of forecast / recent rate (clipped to 0.1-10)."""
    recent_units = np.zeros(len(forecast))
    np.add.at(recent_units, recent.item, recent.quantity)
    ratio = np.clip(forecast / np.maximum(recent_units * horizon_days / recent_days, 1e-9), 0.1, 10.0)
    sizes = np.diff(recent.start)
    return np.exp(np.add.reduceat(np.log(ratio)[recent.item], recent.start[:-1]) / sizes)


def _sample(recent: Baskets, weight: np.ndarray, count: int, rng: np.random.Generator) -> Baskets:
    """``count`` baskets drawn from ``recent`` with probability proportional to ``weight``."""
    picked = rng.choice(len(recent), size=count, p=weight / weight.sum())
    parts = [np.arange(recent.start[b], recent.start[b + 1]) for b in picked]
    rows = np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)
    start = np.concatenate([[0], np.cumsum([len(p) for p in parts])]).astype(np.int64)
    return Baskets(start, recent.item[rows], recent.quantity[rows])


def _by_rank(score: np.ndarray, quantity: np.ndarray, capacity_units: float) -> np.ndarray:
    """Items in decreasing ``score`` while their quantities fit."""
    ranked = np.argsort(-score, kind="stable")
    held = np.zeros(len(score), dtype=bool)
    held[ranked[np.cumsum(quantity[ranked]) <= capacity_units]] = True
    return held & (quantity > 0)


def _top_up(plan: np.ndarray, forecast: np.ndarray, capacity_units: float) -> np.ndarray:
    """Spend the capacity ``plan`` leaves free on its items, raising one common service level as far as it fits
    (a bisection on the level), so that every held item is as unlikely as the others to run out."""
    held = plan > 0
    if capacity_units - plan.sum() < 1 or not held.any():
        return plan
    low, high = 0.0, 0.9999
    best = plan
    for _ in range(20):
        level = (low + high) / 2
        trial = np.where(held, np.maximum(plan, held_quantity(forecast, level)), 0)
        if trial.sum() <= capacity_units:
            best, low = trial, level
        else:
            high = level
    return best


def stock_plan(
    forecast: np.ndarray,
    recent: Baskets,
    recent_days: int,
    horizon_days: int,
    capacity_units: float,
    service_levels: tuple[float, ...] = (0.5, 0.8, 0.9, 0.95, 0.99),
    seed: int = 0,
) -> np.ndarray:
    """Units to hold per item for ``horizon_days``, within ``capacity_units``.

    Candidates: for each service level, the items chosen by :func:`reverse_greedy` on the ``recent`` baskets
    (weighted by the forecast's change against them) and the items with the highest forecast. Each candidate is
    replayed on baskets resampled from the recent ones in the forecast's proportions and number; the one that
    serves most baskets in full wins. Capacity a candidate leaves free goes to extra units of its items, at one
    common service level.
    """
    if len(recent) == 0 or forecast.sum() <= 0:
        return np.zeros(len(forecast), dtype=np.int64)
    weight = _weights(forecast, recent, recent_days, horizon_days)
    recent_units = float(recent.quantity.sum()) * horizon_days / recent_days
    count = max(1, round(len(recent) * horizon_days / recent_days * forecast.sum() / max(recent_units, 1e-9)))
    rng = np.random.default_rng(seed)
    trials = [_sample(recent, weight, count, rng) for _ in range(3)]
    best, best_fill = np.zeros(len(forecast), dtype=np.int64), -1.0
    for level in service_levels:
        quantity = held_quantity(forecast, level)
        for held in (
            reverse_greedy(recent, weight, quantity.astype(float), capacity_units),
            _by_rank(forecast, quantity, capacity_units),
        ):
            plan = _top_up(np.where(held, quantity, 0), np.where(held, forecast, 0), capacity_units)
            fill = sum(fill_rate(plan, trial) for trial in trials)
            if fill > best_fill:
                best, best_fill = plan, fill
    return best


def top_n_plan(
    last_week_units: np.ndarray, horizon_days: int, capacity_units: float, service_level: float = 0.95
) -> np.ndarray:
    """The usual heuristic: last week's best-sellers in order, each with its last-week rate as the forecast,
    until the next one does not fit."""
    quantity = held_quantity(last_week_units * horizon_days / 7.0, service_level)
    plan = np.zeros(len(quantity), dtype=np.int64)
    used = 0
    for i in np.argsort(-last_week_units, kind="stable"):
        if quantity[i] == 0 or used + quantity[i] > capacity_units:
            break
        plan[i] = quantity[i]
        used += int(quantity[i])
    return plan


def fill_rate(stock: np.ndarray, future: Baskets) -> float:
    """Share of ``future`` baskets, taken in time order, served in full from ``stock`` (consumed as served)."""
    left = stock.astype(np.int64).copy()
    served = 0
    for b in range(len(future)):
        items = future.item[future.start[b] : future.start[b + 1]]
        need = future.quantity[future.start[b] : future.start[b + 1]]
        if (left[items] >= need).all():
            left[items] -= need
            served += 1
    return served / len(future) if len(future) else 1.0
