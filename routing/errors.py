"""Typed errors, mapped once at the edges (HTTP status, CLI exit code); defined in ``geo`` so that every package,
``forecasting`` included, raises the same ``InputError``."""

from __future__ import annotations

from geo.errors import Conflict, Forbidden, InputError, NotFound

__all__ = ["Conflict", "Forbidden", "InputError", "NotFound"]
