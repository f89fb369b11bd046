#!/usr/bin/env bash
# Install the locked dev set (requirements-dev.lock) and the project into the current python3, redis-server and
# chromium (for the service tests) with apt if they are missing, prove the install matches the lock, then run every
# check: ruff, mypy, import-linter, the schema, pytest. Used by the README's test command and by .ci/run.
#
#   bash scripts/check.sh [PYTEST ARGS...]           # the locked versions
#   bash scripts/check.sh --latest [PYTEST ARGS...]  # drift check: a throw-away virtual environment with the newest
#                                                    # releases pyproject.toml's ranges allow, listing what moved
#   bash scripts/check.sh --lowest [PYTEST ARGS...]  # the same with the lowest release of each direct dependency:
#                                                    # are pyproject.toml's lower bounds true? (pytest only)
set -euo pipefail
cd "$(dirname "$0")/.."
pip_install() { python3 -m pip install --quiet --disable-pip-version-check "$@"; }
if [ "${1:-}" = --latest ] || [ "${1:-}" = --lowest ]; then
  mode=$1
  shift
  scratch=$(mktemp -d)
  trap 'rm -rf "$scratch"' EXIT
  python3 -m venv "$scratch/venv"
  export PATH="$scratch/venv/bin:$PATH" VIRTUAL_ENV="$scratch/venv"  # the tests' subprocesses run from it too
  pip_install --upgrade pip
  if [ "$mode" = --latest ]; then
    echo "== installing the newest releases pyproject.toml allows into $scratch/venv"
    pip_install --upgrade --upgrade-strategy eager -e '.[dev]'
  else
    echo "== installing the lowest release pyproject.toml allows of each direct dependency into $scratch/venv"
    pip_install uv
    python3 -m uv pip compile pyproject.toml --extra dev --resolution lowest-direct --python-version 3.11 \
      --quiet -o "$scratch/lowest.txt"
    pip_install -r "$scratch/lowest.txt"
    pip_install --no-deps -e .
  fi
  echo "== what moved against requirements-dev.lock"
  python3 -m benchmarks.environment
else
  echo "== installing requirements-dev.lock"
  pip_install --require-hashes -r requirements-dev.lock
  pip_install --no-deps -e .
  python3 -m benchmarks.environment --check
fi
apt_install() {  # apt_install PACKAGE COMMAND...: install PACKAGE with apt unless one of the COMMANDs is on PATH
  local package=$1 command sudo
  shift
  for command in "$@"; do command -v "$command" >/dev/null && return 0; done
  echo "== installing $package"
  sudo=$([ "$(id -u)" = 0 ] || echo sudo)
  $sudo apt-get update -qq && $sudo apt-get install -y -qq "$package" >/dev/null
}
apt_install redis-server redis-server             # the service tests start a real Redis server of their own
apt_install chromium chromium chromium-browser    # the tracking page test renders it in headless Chromium
if [ "${mode:-}" = --lowest ]; then  # old releases type differently: the lower bounds are about what runs
  echo "== pytest";      python3 -m pytest -q "$@"
  exit
fi
bin=$(python3 -c 'import os, sys; print(os.path.dirname(sys.executable))')
echo "== ruff";          python3 -m ruff check .
echo "== mypy";          python3 -m mypy
echo "== import-linter"; "$bin/lint-imports"
echo "== schema";        python3 -m cli schema | diff -q - docs/problem.schema.json \
                           || { echo "docs/problem.schema.json is stale: run 'python3 -m cli schema > docs/problem.schema.json'"; exit 1; }
echo "== pytest";        python3 -m pytest -q "$@"
