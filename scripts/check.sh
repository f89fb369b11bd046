#!/usr/bin/env bash
# Install the project with its dev tools and redis-server (for the service tests), then run every check:
# pytest, ruff, mypy, import-linter.
# Used by the README's test command and by .ci/run.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m pip install --quiet --disable-pip-version-check -e '.[dev]'
if ! command -v redis-server >/dev/null; then  # the service tests start a real Redis server of their own
  echo "== installing redis-server"
  sudo=$([ "$(id -u)" = 0 ] || echo sudo)
  $sudo apt-get update -qq && $sudo apt-get install -y -qq redis-server >/dev/null
fi
bin=$(python3 -c 'import os, sys; print(os.path.dirname(sys.executable))')
echo "== ruff";          python3 -m ruff check .
echo "== mypy";          python3 -m mypy
echo "== import-linter"; "$bin/lint-imports"
echo "== schema";        python3 -m api schema | diff -q - docs/problem.schema.json \
                           || { echo "docs/problem.schema.json is stale: run 'python3 -m api schema > docs/problem.schema.json'"; exit 1; }
echo "== pytest";        python3 -m pytest -q "$@"
