"""What the command-line modules share: the error handling, the console, providers, times and atomic writes."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console

from geo import LegProvider, RoadGraphProvider, StraightLineProvider
from routing import InputError, Problem
from routing.problem_json import load_problem_and_matrix
from routing.user_matrix import load_matrix_file

__all__ = ["MatrixFile", "console", "parse_clock", "problem_and_travel", "provider", "run", "show_clock", "write_json"]

console = Console(stderr=True)
MatrixFile = Annotated[
    Path | None,
    typer.Option("--matrix", help="your own travel matrices, JSON or .npz (docs/problem-format.md, Matrices)"),
]
T = TypeVar("T")


def run(action: Callable[[], T]) -> T:
    """Run a command body; map errors to a one-line message and an exit code (2 bad input, 1 anything else)."""
    try:
        return action()
    except InputError as exc:
        console.print(f"[red]error:[/red] {exc}", highlight=False, soft_wrap=True)
        raise typer.Exit(2) from None
    except KeyboardInterrupt:
        raise typer.Exit(130) from None
    except Exception as exc:  # never a stack trace for the user; the message says what broke
        console.print(f"[red]internal error:[/red] {type(exc).__name__}: {exc}", highlight=False, soft_wrap=True)
        raise typer.Exit(1) from None


def provider(roads: Path | None, cache_dir: Path | None) -> LegProvider:
    """The road graph of ``roads`` (``--roads``), else straight line × 1.3 at the profile's speed."""
    if roads is None:
        return StraightLineProvider()
    if not roads.exists():
        raise InputError(f"--roads: no such file {roads}")
    return RoadGraphProvider(roads, cache_dir=cache_dir)


def problem_and_travel(
    path: Path, matrix: Path | None, roads: Path | None, cache_dir: Path | None
) -> tuple[Problem, LegProvider]:
    """The problem at ``path`` and where its travel times come from: its own ``matrices``, the ``--matrix`` file,
    or :func:`provider`; ``InputError`` when two of them are given or a matrix is wrong."""
    problem, own = load_problem_and_matrix(path)
    if matrix is not None:
        if own is not None:
            raise InputError("--matrix: the problem has its own matrices; give one or the other")
        own = load_matrix_file(matrix, problem)
    if own is None:
        return problem, provider(roads, cache_dir)
    if roads is not None:
        raise InputError("--roads: the travel times come from the user's matrix; leave --roads out")
    return problem, own


def show_clock(problem: Problem, seconds: int) -> str:
    """``HH:MM`` local to the problem's epoch, or seconds for a problem without one."""
    return f"{problem.epoch + timedelta(seconds=seconds):%H:%M}" if problem.epoch else str(seconds)


def write_json(path: Path, data: Any) -> None:
    """Write JSON atomically: to a temporary file first, then renamed, so a failure leaves no half file."""
    tmp = path.with_name(path.name + ".tmp")
    try:
        tmp.write_text(json.dumps(data, indent=1) + "\n")
        tmp.replace(path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise InputError(f"{path}: cannot write ({exc.strerror})") from None


def parse_clock(problem: Problem, text: str, option: str) -> int:
    """Seconds from the problem's epoch for ``text``: ISO 8601, ``HH:MM`` on the epoch's day, or plain seconds."""
    try:
        if problem.epoch is None or text.lstrip("-").isdigit():
            return int(text)
        if len(text) <= 5 and ":" in text:
            hours, minutes = (int(part) for part in text.split(":"))
            moment = problem.epoch.replace(hour=hours, minute=minutes, second=0, microsecond=0)
        else:
            moment = datetime.fromisoformat(text)
            moment = moment if moment.tzinfo else moment.replace(tzinfo=problem.epoch.tzinfo)
        return int((moment - problem.epoch).total_seconds())
    except ValueError:
        raise InputError(f"{option}: {text!r} is not a time (ISO 8601, HH:MM or seconds)") from None
