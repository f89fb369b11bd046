"""What a run ran on: the installed packages against the lock file.

Every results file records this (:func:`write_results`, :func:`packages_beside`), so a figure can be traced to the
package set that gave it, and ``scripts/check.sh`` uses the command line to prove an install matches the lock:

``python -m benchmarks.environment [--lock requirements-dev.lock] [--check]`` prints every difference between the
installed distributions and the lock; with ``--check`` it exits 1 when a locked package is missing or at another
version (packages the lock does not name are listed, not counted).
"""

from __future__ import annotations

import argparse
import hashlib
import platform
import re
import sys
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEV_LOCK = ROOT / "requirements-dev.lock"
_PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)")
_OWN = {"lastmile", "pip", "setuptools", "wheel"}  # the project itself and what a new virtual environment brings


def canonical(name: str) -> str:
    """A distribution name in PEP 503 normal form (``Typing_Extensions`` -> ``typing-extensions``)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def locked(lock: Path) -> dict[str, str]:
    """The ``name==version`` pins of a lock file written by ``uv pip compile`` (or pip-compile), by canonical name."""
    pins = {}
    for line in lock.read_text().splitlines():
        found = _PIN.match(line)
        if found:
            pins[canonical(found[1])] = found[2]
    return pins


def installed() -> dict[str, str]:
    """Every distribution installed beside this interpreter, by canonical name, with its version."""
    return {canonical(d.metadata["Name"]): d.version for d in metadata.distributions() if d.metadata["Name"]}


def drift(pins: dict[str, str], have: dict[str, str]) -> tuple[list[str], list[str]]:
    """Compare a lock's pins with what is installed.

    Returns (mismatches, extras): a line for each locked package that is missing or at another version, and one
    for each installed package the lock does not name (the project, pip, setuptools and wheel aside).
    """
    mismatches = [
        f"{name}: locked {want}, installed {have.get(name, 'nothing')}"
        for name, want in sorted(pins.items())
        if have.get(name) != want
    ]
    extras = [f"{name} {version}" for name, version in sorted(have.items()) if name not in pins and name not in _OWN]
    return mismatches, extras


def package_line(lock: Path = DEV_LOCK) -> str:
    """One Markdown list item naming the package set of this run: the lock (with a digest) and every difference."""
    digest = hashlib.sha256(lock.read_bytes()).hexdigest()[:12] if lock.exists() else "missing"
    mismatches, extras = drift(locked(lock), installed()) if lock.exists() else ([], [])
    exact = "exactly " if not mismatches else ""
    head = f"- packages: {exact}{lock.name} (sha256 {digest}…), Python {platform.python_version()}"
    if mismatches:
        head += f", except {'; '.join(mismatches)}"
    return head + (f"; also installed: {', '.join(extras)}" if extras else "")


def write_results(path: Path, text: str) -> None:
    """Write a Markdown results file (its folder made as needed) with :func:`package_line` as its last line."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text.rstrip("\n") + "\n\n" + package_line() + "\n")


def packages_beside(path: Path) -> Path:
    """For a results file that holds no prose (a CSV): write :func:`package_line` to ``<path>.packages.md``;
    returns that path."""
    beside = path.with_name(path.name + ".packages.md")
    beside.write_text(package_line() + "\n")
    return beside


def main(argv: list[str] | None = None) -> int:
    """Print how the installed packages differ from a lock; with --check, exit 1 on a locked one that differs."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.environment", description=__doc__.split("\n")[0])
    parser.add_argument("--lock", type=Path, default=DEV_LOCK, help="lock file (default: requirements-dev.lock)")
    parser.add_argument("--check", action="store_true", help="exit 1 if a locked package is missing or differs")
    args = parser.parse_args(argv)
    if not args.lock.exists():
        print(f"error: --lock: {args.lock} does not exist", file=sys.stderr)
        return 2
    pins = locked(args.lock)
    mismatches, extras = drift(pins, installed())
    for line in mismatches:
        print(line)
    if extras:
        print(f"not in {args.lock.name} (not counted): {', '.join(extras)}")
    print(f"{len(pins) - len(mismatches)} of {len(pins)} locked packages installed at their locked version")
    return 1 if args.check and mismatches else 0


if __name__ == "__main__":
    sys.exit(main())
