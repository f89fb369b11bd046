"""The travel-time provider of the live service, from its settings, and the check that a place is one it knows."""

from __future__ import annotations

from api.settings import Settings
from geo import LegProvider, MatrixTable, Point, RoadGraphProvider, StraightLineProvider
from routing.errors import InputError
from routing.user_matrix import load_matrix_file

__all__ = ["known_place", "make_provider"]


def make_provider(settings: Settings) -> LegProvider:
    """The user's matrix when ``matrix`` is set, the road graph when ``roads`` is, else straight line × 1.3 at the
    profile's speed; ``InputError`` naming the setting when its file is missing or wrong."""
    if settings.matrix is not None:
        if settings.roads is not None:
            raise InputError("LASTMILE_MATRIX: set it or LASTMILE_ROADS, not both")
        if not settings.matrix.exists():
            raise InputError(f"LASTMILE_MATRIX: no such file {settings.matrix}")
        return load_matrix_file(settings.matrix, where="LASTMILE_MATRIX")
    if settings.roads is None:
        return StraightLineProvider()
    if not settings.roads.exists():
        raise InputError(f"LASTMILE_ROADS: no such file {settings.roads}")
    return RoadGraphProvider(settings.roads)


def known_place(provider: LegProvider, location: Point, field: str) -> None:
    """Raise ``InputError`` naming ``field`` when the service's travel times come from a user matrix that does not
    hold ``location`` (so that no accepted site, order or promise breaks a later plan)."""
    if isinstance(provider, MatrixTable):
        try:
            provider.rows([location])
        except InputError:
            raise InputError(f"{field}: not one of the travel matrix's locations (LASTMILE_MATRIX)") from None
