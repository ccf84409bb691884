#!/usr/bin/env bash
# Prepare the machine for `npm test` (tests/run-all.sh). Idempotent and quiet:
#   1. Debian packages (chromium, fonts, the Jupyter server stack, Python science
#      stack) — apt only runs when one of them is missing;
#   2. the zeromq native module that the tslab kernel needs (its prebuilt binary
#      ships inside the npm tarball; rebuilt only if it does not load);
#   3. the tslab/jslab kernelspecs in a project-local Jupyter path ($ROOT/.jupyter).
# It exports nothing; callers set JUPYTER_PATH themselves (printed at the end).
#   --system-only   only step 1 (usable before `npm ci`)
set -euo pipefail
SYSTEM_ONLY=0
[ "${1:-}" = --system-only ] && SYSTEM_ONLY=1
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

[ "$SYSTEM_ONLY" = 1 ] && { say "Debian packages ok"; exit 0; }

# --- 2. node_modules and zeromq ------------------------------------------------
if [ ! -x node_modules/.bin/tslab ]; then
  echo "setup-test-env: node_modules/.bin/tslab missing; run 'npm ci' first" >&2
  exit 1
fi
# zeromq 6 ships prebuilt addons for linux x64 glibc inside its npm tarball, so
# it loads even though npm 11 does not run its install script (not covered by
# allowScripts). Rebuild only if that ever stops being true (other platforms).
ZMQ_CHECK="require(require.resolve('zeromq', { paths: [require.resolve('tslab')] }))"
if ! node -e "$ZMQ_CHECK" >/dev/null 2>&1; then
  say "zeromq native module does not load; running npm rebuild zeromq"
  npm rebuild zeromq --foreground-scripts </dev/null
  node -e "$ZMQ_CHECK" || { echo "setup-test-env: zeromq still does not load" >&2; exit 1; }
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

# The kernel must start and answer, once per (node, tslab, zeromq) combination.
STAMP="$ROOT/.jupyter/kernel-ok"
want_stamp="$(node -p "[process.version, require('tslab/package.json').version, require(require.resolve('zeromq/package.json', { paths: [require.resolve('tslab')] })).version].join(' ')")"
if [ "$(cat "$STAMP" 2>/dev/null)" != "$want_stamp" ]; then
  say "checking that the tslab kernel starts"
  RT="$(mktemp -d)"
  JUPYTER_PATH="$ROOT/.jupyter/share/jupyter" JUPYTER_RUNTIME_DIR="$RT" /usr/bin/python3 - <<'PY'
import sys
from jupyter_client.manager import start_new_kernel
km, kc = start_new_kernel(kernel_name="tslab", startup_timeout=60)
try:
    reply = kc.execute_interactive("const n: number = 6 * 7; n", timeout=60, output_hook=lambda m: None)
    if reply["content"]["status"] != "ok":
        sys.exit("setup-test-env: the tslab kernel started but failed to run code: %r" % reply["content"])
finally:
    kc.stop_channels()
    km.shutdown_kernel(now=True)
    del kc, km  # before interpreter shutdown, where KernelClient.__del__ would log into a torn-down logging
PY
  rm -rf "$RT"
  echo "$want_stamp" >"$STAMP"
fi

say "ok. For Jupyter tools use: export JUPYTER_PATH=$ROOT/.jupyter/share/jupyter"
