#!/usr/bin/env bash
# Prepare the machine for `npm test` (tests/run-all.sh). Idempotent and quiet:
#   1. Debian packages (chromium, fonts, the Jupyter server stack, Python science
#      stack) — apt only runs when one of them is missing;
#   2. the zeromq native module that the tslab kernel needs (its prebuilt binary
#      ships inside the npm tarball; rebuilt only if it does not load);
#   3. the tslab/jslab kernelspecs in a project-local Jupyter path ($ROOT/.jupyter).
# It exports nothing; callers set JUPYTER_PATH themselves (printed at the end).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
QUIET=${SETUP_QUIET:-0}
say() { [ "$QUIET" = 1 ] || echo "setup-test-env: $*"; }

# --- 1. Debian packages -------------------------------------------------------
PKGS=(chromium fonts-dejavu-core python3-jupyter-server python3-jupyterlab-server
      python3-nbclient python3-nbconvert jupyter-client python3-ipykernel
      python3-sklearn python3-scipy python3-numpy python3-h5py)
missing=()
for p in "${PKGS[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  say "installing Debian packages: ${missing[*]}"
  SUDO=""
  if [ "$(id -u)" != 0 ]; then SUDO="sudo -n"; fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq >/dev/null
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null </dev/null
fi

# --- 2. node_modules and zeromq ------------------------------------------------
if [ ! -x node_modules/.bin/tslab ]; then
  echo "setup-test-env: node_modules/.bin/tslab missing; run 'npm ci' first" >&2
  exit 1
fi
if ! node -e "require('zeromq')" >/dev/null 2>&1; then
  say "zeromq native module does not load; running npm rebuild zeromq"
  flock /tmp/npm.lock npm rebuild zeromq --foreground-scripts >/dev/null 2>&1 || npm rebuild zeromq >/dev/null
  node -e "require('zeromq')" || { echo "setup-test-env: zeromq still does not load" >&2; exit 1; }
fi

# --- 3. kernelspecs in $ROOT/.jupyter -------------------------------------------
KDIR="$ROOT/.jupyter/share/jupyter/kernels"
want_bin="$ROOT/node_modules/.bin/tslab"
if ! grep -qF "\"$want_bin\"" "$KDIR/tslab/kernel.json" 2>/dev/null \
   || ! grep -qF "\"$want_bin\"" "$KDIR/jslab/kernel.json" 2>/dev/null; then
  say "installing tslab kernelspecs into $ROOT/.jupyter"
  node_modules/.bin/tslab install --python=/usr/bin/python3 --prefix="$ROOT/.jupyter" \
    --binary="$want_bin" >/dev/null
fi

say "ok. For Jupyter tools use: export JUPYTER_PATH=$ROOT/.jupyter/share/jupyter"
