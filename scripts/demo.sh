#!/usr/bin/env bash
# The main job: builds the contracts (cargo contract build --release), deploys and wires
# them on an in-process chain, and runs the whole marketplace workflow.
#   bash scripts/demo.sh [--fee-bps N] [--manifest PATH]
#   bash scripts/demo.sh --url ws://127.0.0.1:9944 [--suri //Alice] [--manifest PATH]
# Without --url: an in-process chain (drink). With --url: that node (see README).
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
export CARGO_TARGET_DIR="$CACHE/target-e2e"
# One build of the e2e workspace serves the demo (both backends), the drink suite and
# the node layer; `-p gb-deploy` alone would resolve other features and rebuild.
cargo build --quiet --locked --workspace
exec "$CARGO_TARGET_DIR/debug/gb-deploy" demo "$@"
