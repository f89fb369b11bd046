"""Reading input files at the edge with the one error type: a missing file or bad JSON is an ``InputError``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from geo.errors import InputError

__all__ = ["read_json"]


def read_json(path: Path) -> Any:
    """Parse the JSON file at ``path``; ``InputError`` naming the file (and line) when it cannot."""
    try:
        return json.loads(Path(path).read_text())
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror})") from None
    except json.JSONDecodeError as exc:
        raise InputError(f"{path}: not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})") from None
