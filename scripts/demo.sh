#!/usr/bin/env bash
# The main job: builds the contracts (cargo contract build --release), deploys and wires
# them on an in-process chain, and runs the whole marketplace workflow.
#   bash scripts/demo.sh [--fee-bps N]
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$HOME/.cargo/bin:$PATH"
bash scripts/setup.sh >/dev/null
CACHE=${GB_CACHE:-$HOME/.cache/global-brain}
export CARGO_TARGET_DIR="$CACHE/target"
for c in registry reputation escrow; do
  echo "[demo] cargo contract build --release --manifest-path $c/Cargo.toml"
  cargo contract build --release --quiet --manifest-path "$c/Cargo.toml" >/dev/null
done
export GB_BUNDLES_DIR="$CARGO_TARGET_DIR/ink"
cd e2e-tests
CARGO_TARGET_DIR="$CACHE/target-e2e" cargo run --quiet --locked -p gb-deploy -- demo "$@"
