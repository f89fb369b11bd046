#!/usr/bin/env bash
# What a new user gets: clone HEAD (committed work only) into a temporary folder with ../shared beside it, make a new
# virtual environment and run the README's two commands there (the two bash blocks under "## Two commands"),
# printing the wall time of each. Exits non-zero when either fails; the folder is kept then, removed otherwise.
#   bash scripts/fresh_clone_check.sh [--keep]
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
keep=${1:-}
[ -z "$(git -C "$repo" status --porcelain --untracked-files=no)" ] \
  || echo "note: the working tree has uncommitted changes; this checks HEAD ($(git -C "$repo" rev-parse --short HEAD))"
scratch=$(mktemp -d /tmp/lastmile-fresh.XXXXXX)
git clone --quiet "$repo" "$scratch/main"
[ -d "$repo/../shared" ] && ln -s "$(cd "$repo/../shared" && pwd)" "$scratch/shared"
python3 -m venv "$scratch/venv"
export PATH="$scratch/venv/bin:$PATH" VIRTUAL_ENV="$scratch/venv"
mapfile -t commands < <(awk '/^## /{section=$0} section=="## Two commands" && /^```bash/{block=1; next}
                             block && /^```/{block=0; next} block' "$repo/README.md")
[ "${#commands[@]}" = 2 ] || { echo "error: README.md: expected two commands under '## Two commands', found ${#commands[@]}" >&2; exit 2; }
status=0
for command in "${commands[@]}"; do
  echo "== $command   (in $scratch/main, Python $(python3 -c 'import platform; print(platform.python_version())'))"
  start=$(date +%s)
  if (cd "$scratch/main" && bash -c "$command") > "$scratch/log.txt" 2>&1; then result=passed; else result=FAILED; status=1; fi
  tail -n 5 "$scratch/log.txt"
  echo "== $result in $(( $(date +%s) - start )) s: $command"
  cat "$scratch/log.txt" >> "$scratch/all.log"
done
if [ "$status" = 0 ] && [ "$keep" != --keep ]; then rm -rf "$scratch"; else echo "kept: $scratch (full output in all.log)"; fi
exit "$status"
