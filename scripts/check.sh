#!/usr/bin/env bash
# Install the project with its dev tools, redis-server and chromium (for the service tests), then run every check:
# pytest, ruff, mypy, import-linter.
# Used by the README's test command and by .ci/run.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m pip install --quiet --disable-pip-version-check -e '.[dev]'
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
bin=$(python3 -c 'import os, sys; print(os.path.dirname(sys.executable))')
echo "== ruff";          python3 -m ruff check .
echo "== mypy";          python3 -m mypy
echo "== import-linter"; "$bin/lint-imports"
echo "== schema";        python3 -m api schema | diff -q - docs/problem.schema.json \
                           || { echo "docs/problem.schema.json is stale: run 'python3 -m api schema > docs/problem.schema.json'"; exit 1; }
echo "== pytest";        python3 -m pytest -q "$@"
