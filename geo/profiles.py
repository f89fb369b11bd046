"""Vehicle profiles and their default city speeds."""

from __future__ import annotations

__all__ = ["SPEED_KPH", "speed_kph"]

SPEED_KPH: dict[str, float] = {"foot": 5.0, "bike": 15.0, "car": 25.0}
"""Door-to-door average speeds in a city centre, stops and crossings included."""


def speed_kph(profile: str, speeds: dict[str, float] | None = None) -> float:
    """The speed of ``profile``; raise ``ValueError`` naming it if unknown.

    Examples
    --------
    >>> speed_kph("bike")
    15.0
    """
    table = SPEED_KPH if speeds is None else speeds
    if profile not in table:
        raise ValueError(f"profile: unknown vehicle profile {profile!r}; known: {', '.join(sorted(table))}")
    return table[profile]
