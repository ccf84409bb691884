#!/usr/bin/env bash
# Replays the main result every notebook saved with saveResult (tests/run-all.sh step
# "notebook replays", right after "notebooks"): notebooks/NAME.ipynb saves to
# out/notebooks/NAME/, notebooks/teaching/NAME.ipynb to out/notebooks/teaching/NAME/.
# For each notebook runs `specmap replay out/notebooks/…/summary.json` and prints one line;
# fails unless every verdict is IDENTICAL (same machine: bit for bit), and fails for a
# notebook that saved nothing (no summary.json; run-all.sh removes out/notebooks before
# the notebooks run, so an old folder cannot stand in for a new one).
# Usage: bash tests/replay_notebooks.sh [NOTEBOOK.ipynb ...]   (default: notebooks/**/*.ipynb)
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

if [ "$#" -gt 0 ]; then
  notebooks=("$@")
else
  mapfile -t notebooks < <(find notebooks -name '*.ipynb' -not -path '*/.ipynb_checkpoints/*' | sort)
fi
[ "${#notebooks[@]}" -gt 0 ] || { echo "no notebooks found"; exit 1; }

ok=0
bad=0
for nb in "${notebooks[@]}"; do
  rel="${nb#notebooks/}"
  name="${rel%.ipynb}"
  summary="out/notebooks/$name/summary.json"
  t0=$(date +%s.%N)
  if [ ! -f "$summary" ]; then
    line="FAIL  $name: saved nothing ($summary is missing)"
    rc=1
  else
    out=$(node packages/cli/bin/specmap.js replay "$summary" 2>&1)
    rc=$?
    verdict=$(printf '%s\n' "$out" | head -n 1)
    if [ "$rc" = 0 ] && [[ "$verdict" == "specmap: replay IDENTICAL: "* ]]; then
      line="OK    $name: ${verdict#specmap: }"
    else
      line="FAIL  $name (exit $rc): $verdict"
      rc=1
    fi
  fi
  dt=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
  echo "$line [${dt}s]"
  if [ "$rc" = 0 ]; then ok=$((ok + 1)); else bad=$((bad + 1)); [ -n "${out:-}" ] && printf '%s\n' "$out" | tail -n +2 | sed 's/^/      /'; fi
  out=""
done
echo "replays: $ok identical, $bad failed"
[ "$bad" = 0 ]
