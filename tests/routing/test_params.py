"""Solver parameters: loaded from TOML, unknown or wrong values rejected with the name."""

from __future__ import annotations

from pathlib import Path

import pytest

from routing import InputError, SolveParams


def test_from_toml_reads_a_solve_table(tmp_path: Path) -> None:
    path = tmp_path / "solver.toml"
    path.write_text('[solve]\ntime_limit_s = 3.5\nworkers = 2\nfirst_solution = "SAVINGS"\n')
    assert SolveParams.from_toml(path) == SolveParams(time_limit_s=3.5, workers=2, first_solution="SAVINGS")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("time_limit = 3", "unknown parameter 'time_limit'"),
        ("time_limit_s = -1", "time_limit_s: must be within"),
        ("time_limit_s = inf", "time_limit_s: must be within"),
        ("drop_penalty = 1000000000000000000000000", "drop_penalty: must be within"),
        ('metaheuristic = "MAGIC"', "metaheuristic: must be one of"),
        ("workers = 0", "workers: must be within"),
        ("decompose_size = 5", "decompose_size >= 10"),
        ("decompose_above = 0", "decompose_above: must be >= 1"),
        ("decompose_parts = -1", "decompose_parts: must be >= 0"),
        ("polish_together_share = 1", "polish_together_share: must be within"),
        ("time_limit_s = ", "solver.toml: Invalid value"),
    ],
)
def test_bad_parameters_are_named(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "solver.toml"
    path.write_text(text + "\n")
    with pytest.raises(InputError, match=message):
        SolveParams.from_toml(path)
