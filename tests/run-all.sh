#!/usr/bin/env bash
# THE test command (`npm test`). Runs, in order:
#   1. unit tests          node --import tsx --test packages/*/test/*.test.ts
#   2. runner self-check   the bad notebooks in tests/fixtures/notebooks-bad must fail
#   3. notebooks           every notebooks/*.ipynb and tests/fixtures/notebooks/*.ipynb
#      notebook replays    tests/replay_notebooks.sh: `specmap replay` of the main result each
#                          notebook saved in out/notebooks/ must be IDENTICAL
#      notebook rendering  tests/e2e/render-notebooks.mjs: every executed notebook, no kernel, renders
#                          in the lab host with the extension (views drawn) and as nbconvert HTML
#                          without it (PNGs decode); builds the lab host first when needed (step 4)
#   4. lab host build      tests/lab-host (only when missing or older than its inputs)
#   5. lab e2e             tests/e2e/lab-notebook.mjs (live tslab kernel in JupyterLab; click, regions kept in the output metadata)
#   6. CLI                 specmap analyze on the STXM Fe stack (NMF, 2 components)
#   7. report e2e          tests/e2e/report-click.mjs on the CLI's report.html
#   8. view e2e            tests/e2e/view-payloads.mjs (hostile/broken payload corpus),
#                          tests/e2e/view-interact.mjs (hover, regions, embedding, export)
#   9. view benchmark      bench/view-draw.mjs (600×500×4: first draw < 1 s, hover within a frame)
#  10. static fallback     tests/e2e/static-fallback.mjs (executed notebook without the extension:
#                          nbconvert HTML and the lab host without the specmap renderer show the PNGs)
#  11. scan report e2e     tests/e2e/view-scan.mjs (specmap scan → scan.html, click a run → its view)
# Every step runs even if an earlier one failed (a step whose input is missing
# fails). Ends with "N passed, N failed"; exits 1 if anything failed.
# Assumes `npm ci` (which builds the packages through `prepare`) has run.
# Environment: LAB_NOTEBOOK=<path> overrides the e2e notebook.
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

SETUP_QUIET=1 bash scripts/setup-test-env.sh || { echo "run-all: scripts/setup-test-env.sh failed" >&2; exit 1; }
export JUPYTER_PATH="$ROOT/.jupyter/share/jupyter${JUPYTER_PATH:+:$JUPYTER_PATH}"
export PYDEVD_DISABLE_FILE_VALIDATION=1
mkdir -p tests/out

passed=0
failed=0
summary=()
t_all=$(date +%s.%N)

# step NAME COMMAND...: runs the command, prints its time, counts the result.
step() {
  local name="$1"; shift
  local t0 t1 dt rc
  echo
  echo "=== $name"
  t0=$(date +%s.%N)
  "$@"
  rc=$?
  t1=$(date +%s.%N)
  dt=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')
  if [ "$rc" = 0 ]; then
    passed=$((passed + 1)); summary+=("PASS  ${dt}s  $name")
  else
    failed=$((failed + 1)); summary+=("FAIL  ${dt}s  $name (exit $rc)")
  fi
  echo "=== $name: $([ "$rc" = 0 ] && echo PASS || echo FAIL) in ${dt}s"
}

unit_tests() {
  local files=(packages/*/test/*.test.ts)
  [ -e "${files[0]}" ] || { echo "no unit tests found"; return 1; }
  # Dots (and details of failures) on the terminal, the full TAP in tests/out.
  node --import tsx --test --test-reporter=dot --test-reporter-destination=stdout \
    --test-reporter=tap --test-reporter-destination=tests/out/unit-tests.tap "${files[@]}"
  local rc=$?
  echo; grep -E '^# (tests|pass|fail|cancelled) ' tests/out/unit-tests.tap | tr '\n' ' '; echo
  return $rc
}

bad_notebooks() {
  /usr/bin/python3 tests/run_notebooks.py --expect-fail --out tests/out/notebooks-bad tests/fixtures/notebooks-bad
}

notebooks() {
  rm -rf out/notebooks   # each notebook saves its main result here afresh (replayed by the next step)
  /usr/bin/python3 tests/run_notebooks.py
}

notebook_replays() {
  bash tests/replay_notebooks.sh
}

# Needs the lab host page: built here when missing or stale (step 4 then finds it up to date).
render_notebooks() {
  lab_host_build || return 1
  node tests/e2e/render-notebooks.mjs
}

# Rebuild the host page when build/ is missing or any input is newer than it.
lab_host_build() {
  local stamp=tests/lab-host/build/build-ok
  if [ ! -f packages/labextension/lib/index.js ]; then
    echo "packages/labextension/lib/index.js is missing (npm run build -w @specmap/jupyterlab)"
    return 1
  fi
  if [ -f "$stamp" ] && [ -z "$(find tests/lab-host/index.js tests/lab-host/webpack.config.js \
        tests/lab-host/package.json package-lock.json packages/labextension/lib packages/labextension/style \
        packages/widget/dist packages/arrow/dist packages/core/dist \
        -newer "$stamp" -print -quit 2>/dev/null)" ]; then
    echo "up to date ($(cat "$stamp"))"
    return 0
  fi
  npm run --silent build -w @specmap/lab-host
}

lab_e2e() {
  if [ ! -f tests/lab-host/build/build-ok ]; then echo "the lab host is not built"; return 1; fi
  node tests/e2e/lab-notebook.mjs --notebook "${LAB_NOTEBOOK:-notebooks/01-stxm-fe-quickstart.ipynb}" \
    --screenshot tests/out/lab-notebook.png
}

cli() {
  rm -rf tests/out/cli-nmf
  node packages/cli/bin/specmap.js analyze examples/data/stxm-fe/71214078.hdr \
    --i0 examples/data/stxm-fe/i0.xsp --method nmf --components 2 \
    --references examples/data/stxm-fe/oxidized.r examples/data/stxm-fe/reduced.r \
    --out tests/out/cli-nmf
}

report_click() {
  if [ ! -f tests/out/cli-nmf/report.html ]; then echo "tests/out/cli-nmf/report.html is missing (the CLI step failed)"; return 1; fi
  node tests/e2e/report-click.mjs tests/out/cli-nmf/report.html
}

view_payloads() {
  node tests/e2e/view-payloads.mjs --screenshot tests/out/view-payloads/corpus.png
}

view_interact() {
  node tests/e2e/view-interact.mjs
}

view_bench() {
  node bench/view-draw.mjs
}

static_fallback() {
  if [ ! -f tests/lab-host/build/build-ok ]; then echo "the lab host is not built"; return 1; fi
  node tests/e2e/static-fallback.mjs
}

view_scan() {
  node tests/e2e/view-scan.mjs
}

step "unit tests" unit_tests
step "notebook runner catches failures" bad_notebooks
step "notebooks" notebooks
step "notebook replays (IDENTICAL)" notebook_replays
step "notebook rendering (with / without the extension)" render_notebooks
step "lab host build" lab_host_build
step "lab e2e (live kernel)" lab_e2e
step "CLI: NMF on the STXM Fe stack" cli
step "report e2e (click)" report_click
step "view e2e (payload corpus)" view_payloads
step "view e2e (interactions)" view_interact
step "view benchmark (600×500, k=4)" view_bench
step "static fallback (no extension)" static_fallback
step "scan report e2e (click a run)" view_scan

t_end=$(date +%s.%N)
echo
echo "=== summary ($(awk -v a="$t_all" -v b="$t_end" 'BEGIN { printf "%.0f", b - a }') s)"
printf '%s\n' "${summary[@]}"
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
