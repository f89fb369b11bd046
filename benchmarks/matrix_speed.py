"""Matrix speed: 1,000-point haversine matrix, and Helsinki road-graph matrices for 200 points, cold and warm.

``python -m benchmarks.matrix_speed [--out FILE.md]`` prints a table (and writes it as Markdown if asked).
Targets: haversine ≤ 50 ms; road graph ≤ 5 s for 200 points.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from benchmarks.environment import write_results
from geo import RoadGraphProvider, haversine_matrix_m

__all__ = ["main", "measure"]

PBF = Path(__file__).resolve().parents[1] / "data" / "helsinki.osm.pbf"
BBOX = (60.1650, 24.9360, 60.1785, 24.9528)


def _best_of(runs: int, action: Callable[[], object]) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return min(times)


def measure(seed: int = 0) -> list[tuple[str, float]]:
    """``(what, seconds)`` rows: haversine best of 5, road matrices cold (graph build included) and warm."""
    rng = np.random.default_rng(seed)
    far = np.column_stack([rng.uniform(59.5, 61.5, 1000), rng.uniform(22.0, 28.0, 1000)])
    rows = [("haversine matrix, 1,000 points (best of 5)", _best_of(5, lambda: haversine_matrix_m(far)))]
    city = np.column_stack([rng.uniform(BBOX[0], BBOX[2], 200), rng.uniform(BBOX[1], BBOX[3], 200)]).tolist()
    for profile in ("car", "bike", "foot"):
        provider = RoadGraphProvider(PBF)

        def road(provider: RoadGraphProvider = provider, profile: str = profile) -> object:
            return provider.matrix(city, [profile])

        rows.append((f"road matrix, 200 points, {profile}, cold (graph build included)", _best_of(1, road)))
        rows.append((f"road matrix, 200 points, {profile}, warm (best of 3)", _best_of(3, road)))
    return rows


def main() -> None:
    """Measure and print (and optionally write) the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, help="also write the table as Markdown here")
    args = parser.parse_args()
    lines = ["| what | seconds |", "|---|---|", *(f"| {what} | {s:.3f} |" for what, s in measure())]
    print("\n".join(lines))
    if args.out:
        write_results(args.out, "\n".join(lines))


if __name__ == "__main__":
    main()
