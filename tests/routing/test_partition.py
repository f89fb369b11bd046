"""How the first plan's sectors are cut: every sector must be able to serve its orders' shifts."""

from __future__ import annotations

from types import SimpleNamespace

from routing import Problem, Window
from routing.partition import sectors

HOUR = 3600


def test_every_sector_gets_couriers_of_every_shift(street: SimpleNamespace) -> None:
    morning, afternoon = Window(7 * HOUR, 15 * HOUR), Window(13 * HOUR, 21 * HOUR)
    couriers = tuple(street.courier(f"c{k}", shift=(morning, afternoon)[k % 2]) for k in range(4))
    orders = tuple(
        street.order(f"o{k}", x, start=(9 if k % 2 else 17) * HOUR, end=(10 if k % 2 else 18) * HOUR)
        for k, x in enumerate([-4.0, -3.0, -2.0, -1.0, 1.0, 2.0, 3.0, 4.0])
    )
    problem = Problem((street.site(),), couriers, orders)
    everyone = {o: list(range(len(couriers))) for o in range(len(orders))}
    parts = sectors(problem, street.matrix(problem), list(range(len(orders))), everyone, size=4)
    assert len(parts) == 2
    assert sorted(o for _, part in parts for o in part) == list(range(len(orders)))
    for part_couriers, _ in parts:
        assert {problem.couriers[c].shift for c in part_couriers} == {morning, afternoon}
