#!/usr/bin/env bash
# Refresh the lock files from pyproject.toml with uv (itself locked in requirements-dev.lock):
#   bash scripts/lock.sh                         # after editing pyproject.toml: keep every pin that still fits
#   bash scripts/lock.sh --upgrade               # move every package to the newest release the ranges allow
#   bash scripts/lock.sh --upgrade-package NAME  # move one package
# requirements-dev.lock holds the base and dev dependencies; requirements.lock the base ones at the same versions.
# Both are for CPython 3.11 on Linux x86-64, with hashes. Then run 'bash scripts/check.sh' and commit both files.
set -euo pipefail
cd "$(dirname "$0")/.."
uv=(uv)
command -v uv >/dev/null || uv=(python3 -m uv)
"${uv[@]}" --version >/dev/null 2>&1 || { echo "error: uv is not installed: run 'bash scripts/check.sh' (or pip install uv) first" >&2; exit 2; }
target=(--python-version 3.11 --python-platform x86_64-manylinux_2_28 --generate-hashes --quiet)
"${uv[@]}" pip compile pyproject.toml --extra dev "${target[@]}" "$@" -o requirements-dev.lock
"${uv[@]}" pip compile pyproject.toml --constraint requirements-dev.lock "${target[@]}" -o requirements.lock
echo "requirements-dev.lock: $(grep -c '^[a-z0-9]' requirements-dev.lock) packages; requirements.lock: $(grep -c '^[a-z0-9]' requirements.lock)"
