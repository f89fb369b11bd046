"""Field types shared by the JSON formats at the edge (the problem, its matrices)."""

from __future__ import annotations

from typing import Annotated, Any, TypeVar

from pydantic import BaseModel, Field, ValidationError

from routing.errors import InputError

__all__ = ["LatLon", "validated"]

M = TypeVar("M", bound=BaseModel)

LatLon = Annotated[
    tuple[Annotated[float, Field(strict=True, ge=-90, le=90)], Annotated[float, Field(strict=True, ge=-180, le=180)]],
    Field(description="[latitude, longitude] in degrees (WGS 84)"),
]


def validated(model: type[M], data: Any, *, context: dict[str, Any] | None = None, prefix: str = "") -> M:
    """``data`` validated as ``model``; raise ``InputError`` naming the first wrong field by its path after
    ``prefix``, e.g. ``orders[17].windows[0]: end 09:00 before start 10:00``."""
    try:
        return model.model_validate(data, context=context)
    except ValidationError as exc:
        err = exc.errors()[0]
        parts = [p for p in err["loc"] if p != "[key]" and not str(p).startswith("function-after[")]
        where = (prefix + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in parts)).lstrip(".")
        message = err["msg"].removeprefix("Value error, ")
        raise InputError(f"{where}: {message}" if where else message) from None
