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
echo "[demo] cargo contract build --release of registry, reputation, escrow (scripts/contracts.sh)"
bash scripts/contracts.sh --quiet
export GB_BUNDLES_DIR="$CARGO_TARGET_DIR/ink"
cd e2e-tests
export CARGO_TARGET_DIR="$CACHE/target-e2e"
# The e2e workspace's build serves the demo and the drink suite; with --url it is the
# node layer's build (feature `e2e-tests`: gb-deploy's subxt backend). `-p gb-deploy`
# alone would resolve other features and rebuild.
features=()
for a in "$@"; do
  [[ "$a" == --url || "$a" == --url=* ]] && features=(--features e2e-tests)
done
cargo build --quiet --locked --workspace "${features[@]}"
exec "$CARGO_TARGET_DIR/debug/gb-deploy" demo "$@"
