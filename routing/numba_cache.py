"""Whether a numba function runs without a compile: compiled in this process or held by numba's on-disk cache."""

from __future__ import annotations

from typing import Any

__all__ = ["compiled_or_cached"]


def compiled_or_cached(function: Any) -> bool:
    """True when calling the numba ``function`` (a ``@njit(cache=True)`` dispatcher) compiles nothing: it has a
    compiled signature in this process, or numba's cache index for its source is non-empty (loading takes ~0.2 s)."""
    if function.signatures:
        return True
    try:  # numba's cache index: empty when missing or written for another version of the source
        return bool(function._cache._cache_file._load_index())
    except (AttributeError, OSError):  # numba's internals moved: assume a compile
        return False
