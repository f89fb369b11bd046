"""Field types shared by the JSON formats at the edge (the problem, its matrices)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

__all__ = ["LatLon"]

LatLon = Annotated[
    tuple[Annotated[float, Field(strict=True, ge=-90, le=90)], Annotated[float, Field(strict=True, ge=-180, le=180)]],
    Field(description="[latitude, longitude] in degrees (WGS 84)"),
]
