"""The travel-time provider of the live service, from its settings."""

from __future__ import annotations

from api.settings import Settings
from geo import LegProvider, RoadGraphProvider, StraightLineProvider
from routing.errors import InputError

__all__ = ["make_provider"]


def make_provider(settings: Settings) -> LegProvider:
    """Road graph when ``roads`` is set, else straight line × 1.3 at the profile's speed."""
    if settings.roads is None:
        return StraightLineProvider()
    if not settings.roads.exists():
        raise InputError(f"LASTMILE_ROADS: no such file {settings.roads}")
    return RoadGraphProvider(settings.roads)
