"""A wall-clock deadline threaded through every phase of a solve."""

from __future__ import annotations

import time

__all__ = ["Deadline"]


class Deadline:
    """Seconds left of a budget that started when the object was made.

    Examples
    --------
    >>> d = Deadline(5.0)
    >>> 4.0 < d.remaining() <= 5.0
    True
    """

    def __init__(self, budget_s: float) -> None:
        self.budget_s = budget_s
        self.started = time.monotonic()

    def elapsed(self) -> float:
        """Seconds since the start."""
        return time.monotonic() - self.started

    def remaining(self) -> float:
        """Seconds left, never below zero."""
        return max(0.0, self.budget_s - self.elapsed())
