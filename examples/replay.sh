#!/usr/bin/env bash
# Reproducible-paper workflow: analyse, then replay the run from its
# summary.json (input sha256 checked, rerun, compared bit for bit), then show
# that a tampered result is caught.
#
#   bash examples/replay.sh [OUT]        (default OUT: out/examples/replay)
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${1:-out/examples/replay}
ITER=${SPECMAP_EXAMPLE_FAST:+40}
specmap() { node packages/cli/bin/specmap.js "$@"; }

specmap analyze examples/data/stxm-fe/71214078.hdr --i0 examples/data/stxm-fe/i0.xsp \
  --crop 700:725 --bin 2 --method nmf --components 2 --max-iter "${ITER:-500}" \
  --references examples/data/stxm-fe/oxidized.r examples/data/stxm-fe/reduced.r --out "$OUT" 2>/dev/null

# 1. the same machine: identical bit for bit (exit status 0)
specmap replay "$OUT/summary.json"

# 2. a tampered copy of the result: reported as different (exit status 1)
mkdir -p "$OUT-tampered"
cp "$OUT"/* "$OUT-tampered/"
node -e '
const fs = require("fs"); const { decodeResult, encodeResult } = require("@specmap/arrow");
const f = process.argv[1]; const r = decodeResult(new Uint8Array(fs.readFileSync(f)));
r.components[5] += 1e-3; fs.writeFileSync(f, encodeResult(r));' "$OUT-tampered/result.arrow"
if specmap replay "$OUT-tampered/summary.json"; then
  echo "replay.sh: the tampered result was not detected" >&2; exit 1
else
  echo "replay.sh: tampered result detected (exit status 1), as it should be"
fi
