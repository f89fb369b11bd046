"""A benchmark set solved with a chosen ``SolveParams.local_search``, to compare the compiled descent with the
rounds before it on the same instances, seeds and time limit (``lastmile bench`` runs the default).

``python -m benchmarks.local_search_ab SET --local-search ortools|compiled [--instances A,B] [--time-limit S]
[--workers N] [--seed N] [--repeat R] --out FILE.csv`` writes the CSV and prints the summary as ``lastmile bench``
does.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

from rich.console import Console

from benchmarks.runner import run_bench
from routing import SolveParams
from routing.params import LOCAL_SEARCHES

__all__ = ["main"]


def main(argv: Sequence[str] | None = None) -> None:
    """Parse ``argv`` (default: the command line) and run the set; raises ``InputError`` as ``run_bench`` does."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.local_search_ab", description=__doc__)
    parser.add_argument("set_name")
    parser.add_argument("--local-search", choices=LOCAL_SEARCHES, required=True)
    parser.add_argument("--instances", default=None)
    parser.add_argument("--time-limit", type=float, default=10.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    params = SolveParams(time_limit_s=args.time_limit, workers=args.workers, local_search=args.local_search)
    names = args.instances.split(",") if args.instances else None
    run_bench(args.set_name, names, params, None, args.out, args.seed, Console(), args.repeat)


if __name__ == "__main__":
    main()
