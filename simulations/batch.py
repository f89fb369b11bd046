"""Batches of simulated days (scenarios × seeds) in parallel processes.

The unit of work is :func:`run_day`: a module-level function of a scenario and a seed that returns the day's
log, so a process pool here, or an RQ worker of the live service (enqueue ``simulations.batch.run_day`` on the
``simulations`` queue; ``lastmile simulate --redis-url`` does), can run it anywhere the project is installed.
"""

from __future__ import annotations

import queue
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, wait
from multiprocessing import Manager, get_context
from typing import Any

from simulations.engine import simulate_day
from simulations.log import DayLog
from simulations.scenario import Scenario
from simulations.world import build_world

__all__ = ["QUEUE", "BatchProgress", "run_batch", "run_day"]

QUEUE = "simulations"
"""The RQ queue simulated days are enqueued on (``lastmile worker`` listens to it)."""

BatchProgress = Callable[[int, int, int], None]
"""Called as ``progress(run, simulated_s, end_s)`` for run number ``run`` of the batch."""


def run_day(scenario: Scenario, seed: int, updates: Any = None, run: int = 0) -> DayLog:
    """Simulate one day of ``scenario`` with ``seed``; progress goes to the ``updates`` queue when given."""
    world = build_world(scenario.model_copy(update={"seed": seed}))

    def report(now_s: int, end_s: int) -> None:
        updates.put((run, now_s, end_s))

    return simulate_day(world, report if updates is not None else None)


class _Relay:
    """Passes a day's progress straight to the batch's callback (runs in this process)."""

    def __init__(self, progress: BatchProgress | None) -> None:
        self.progress = progress

    def put(self, update: tuple[int, int, int]) -> None:
        if self.progress is not None:
            self.progress(*update)


def _drain(updates: Any, progress: BatchProgress | None) -> None:
    while True:
        try:
            run, now_s, end_s = updates.get_nowait()
        except queue.Empty:
            return
        if progress is not None:
            progress(run, now_s, end_s)


def run_batch(
    runs: Sequence[tuple[Scenario, int]], workers: int = 1, progress: BatchProgress | None = None
) -> list[DayLog]:
    """Simulate every ``(scenario, seed)`` of ``runs``, ``workers`` at a time; logs in the order of ``runs``."""
    if workers <= 1 or len(runs) == 1:
        return [run_day(s, seed, _Relay(progress), k) for k, (s, seed) in enumerate(runs)]
    with Manager() as manager, ProcessPoolExecutor(min(workers, len(runs)), mp_context=get_context("spawn")) as pool:
        updates = manager.Queue()
        futures: list[Future[DayLog]] = [pool.submit(run_day, s, seed, updates, k) for k, (s, seed) in enumerate(runs)]
        while wait(futures, timeout=0.2).not_done:
            _drain(updates, progress)
        _drain(updates, progress)
        return [f.result() for f in futures]
