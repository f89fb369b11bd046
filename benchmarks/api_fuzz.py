"""Schemathesis over the API's own OpenAPI spec, against a real server on a real Redis with a live plan.

Starts Redis and ``lastmile serve`` (as :mod:`benchmarks.api_load` does), registers a small world, makes a live
plan, then runs ``schemathesis run`` with the dispatcher key and the ``not_a_server_error`` check (every phase:
examples, coverage, fuzzing, stateful). The target: 0 server errors. The summary goes to ``--out``.

``python -m benchmarks.api_fuzz [--max-examples 50] [--seed 1] [--out benchmarks/results/api_fuzz.md]``
"""

from __future__ import annotations

import argparse
import random
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import httpx

from benchmarks.api_load import make_plan, register_world, services
from benchmarks.environment import write_results

__all__ = ["main"]


def main() -> None:
    """Run schemathesis against a fresh server and write what it found."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-examples", type=int, default=50)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results/api_fuzz.md"))
    args = parser.parse_args()
    binary = shutil.which("schemathesis") or shutil.which("st")
    if binary is None:
        sys.exit("error: schemathesis is not installed (pip install -e '.[dev]')")
    with tempfile.TemporaryDirectory() as folder, services(Path(folder)) as found:
        with httpx.Client(base_url=found.base_url, headers={"X-API-Key": found.admin_key}, timeout=30) as client:
            register_world(client, couriers=5, orders=20, rng=random.Random(args.seed))
            make_plan(client, found.redis_url, time_limit_s=5)
        command = [
            binary,
            "run",
            f"{found.base_url}/openapi.json",
            "--checks",
            "not_a_server_error",
            "-n",
            str(args.max_examples),
            "--seed",
            str(args.seed),
            "-H",
            f"X-API-Key: {found.admin_key}",
        ]
        run = subprocess.run(command, capture_output=True, text=True, check=False)
    summary = run.stdout[run.stdout.rfind("SUMMARY") :] if "SUMMARY" in run.stdout else run.stdout[-3000:]
    shown = " ".join(c if not c.startswith("X-API-Key") else "X-API-Key: <dispatcher key>" for c in command[1:])
    text = (
        "# Schemathesis over the OpenAPI spec\n\n"
        f"`python -m benchmarks.api_fuzz --max-examples {args.max_examples} --seed {args.seed}` ran\n"
        f"`schemathesis {shown.replace(found.base_url, 'http://127.0.0.1:PORT')}`; exit code {run.returncode} "
        "(0: no server error).\n\n```\n" + summary.strip() + "\n```\n"
    )
    write_results(args.out, text)
    print(text)
    sys.exit(0 if run.returncode == 0 else 1)


if __name__ == "__main__":
    main()
