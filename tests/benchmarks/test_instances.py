"""Readers of the public instance formats and of the best-known table."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from benchmarks.instances import list_instances, read_bks, read_instance

DATA = Path(__file__).resolve().parents[1] / "data"
SHARED = Path(__file__).resolve().parents[3] / "shared" / "benchmarks"


def test_solomon_c101() -> None:
    c101 = read_instance(DATA / "C101.txt", "vrptw/solomon")
    assert (c101.name, c101.kind, c101.vehicles, c101.capacity, c101.n_customers) == ("C101", "vrptw", 25, 200, 100)
    assert (c101.x[0], c101.y[0], c101.due[0]) == (40, 50, 1236)
    assert (c101.demand[1], c101.ready[1], c101.due[1], c101.service[1]) == (10, 912, 967, 90)


def test_li_lim_pairs_are_consistent() -> None:
    lc = read_instance(DATA / "lc101.txt", "pdptw/li_lim_100")
    assert lc.kind == "pdptw" and lc.capacity == 200 and lc.speed == 1
    deliveries = np.nonzero(lc.pickup_of)[0]
    assert len(deliveries) * 2 == lc.n_customers
    assert all(lc.delivery_of[lc.pickup_of[d]] == d and lc.demand[d] == -lc.demand[lc.pickup_of[d]] for d in deliveries)


def test_malformed_file_names_the_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.txt"
    bad.write_text((DATA / "C101.txt").read_text().replace("912", "nine"))
    with pytest.raises(ValueError, match=r"bad.txt:11: expected numbers"):
        read_instance(bad, "x")


def test_natural_order(tmp_path: Path) -> None:
    for folder, names in (("solomon", ("C201", "C101", "C102")), ("gh", ("c1_2_10", "c1_2_2", "c1_2_1"))):
        (tmp_path / folder).mkdir()
        for name in names:
            (tmp_path / folder / f"{name}.txt").write_text("")
    assert [p.stem for p in list_instances(tmp_path, "solomon")] == ["C101", "C102", "C201"]
    assert [p.stem for p in list_instances(tmp_path, "gh")] == ["c1_2_1", "c1_2_2", "c1_2_10"]


@pytest.mark.skipif(not SHARED.is_dir(), reason="shared benchmark data not beside the checkout")
def test_every_bks_row_has_an_instance_file() -> None:
    bks = read_bks(SHARED / "bks.csv")
    assert sum(s == "vrptw/solomon" for s, _ in bks) == 56
    assert all((SHARED / s / f"{name}.txt").exists() for s, name in bks)
