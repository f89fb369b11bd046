"""Typed errors, mapped once at the edges (HTTP status, CLI exit code)."""

from __future__ import annotations

__all__ = ["Conflict", "Forbidden", "InputError", "NotFound"]


class InputError(ValueError):
    """Input that is wrong; the message names the field, e.g. ``orders[17].windows[0]: end before start``."""


class NotFound(LookupError):
    """A referenced object does not exist."""


class Conflict(RuntimeError):
    """The request clashes with the current state."""


class Forbidden(PermissionError):
    """The object exists but belongs to someone else (a promise another storefront asked for)."""
