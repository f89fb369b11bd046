"""PNG plots: forecast against actual for the top items, and basket fill rate against capacity."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

__all__ = ["plot_fill_curve", "plot_forecast"]


def plot_forecast(
    actual: np.ndarray, held_out: np.ndarray, future: np.ndarray, items: Sequence[str], path: Path, top: int = 6
) -> None:
    """For the ``top`` items by volume: daily actual units (items × days, all areas), the forecast made for the
    last days before seeing them (``held_out``, items × horizon) and the forecast ahead (``future``)."""
    horizon = held_out.shape[1]
    chosen = np.argsort(-actual[:, -horizon:].sum(axis=1))[:top]
    days = actual.shape[1]
    shown = np.arange(max(0, days - 35), days)
    fig = Figure(figsize=(9, 2.0 * len(chosen)))
    axes = fig.subplots(len(chosen), 1, sharex=True, squeeze=False)
    for ax, i in zip(axes[:, 0], chosen, strict=True):
        ax.plot(shown, actual[i, shown], color="black", lw=1, label="actual")
        ax.plot(np.arange(days - horizon, days), held_out[i], color="tab:orange", lw=2, label="forecast (held out)")
        ax.plot(np.arange(days, days + future.shape[1]), future[i], color="tab:blue", lw=2, label="forecast ahead")
        ax.set_ylabel(items[i], fontsize=8)
    axes[0, 0].legend(fontsize=8, loc="upper left")
    axes[-1, 0].set_xlabel("day")
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def plot_fill_curve(curve: Sequence[tuple[float, float, float, float]], path: Path) -> None:
    """Basket fill rate of our stocking plan, last week's top-N and the oracle against capacity."""
    fractions, ours, top, oracle = (np.array(v) for v in zip(*curve, strict=True))
    fig = Figure(figsize=(6, 4))
    ax = fig.subplots()
    ax.plot(fractions, ours * 100, marker="o", label="lastmile stocking plan")
    ax.plot(fractions, top * 100, marker="s", label="last week's top-N")
    ax.plot(fractions, oracle * 100, ls="--", color="grey", label="oracle (knows the real orders)")
    ax.set_xlabel("capacity (share of forecast units over the horizon)")
    ax.set_ylabel("orders served in full (%)")
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
