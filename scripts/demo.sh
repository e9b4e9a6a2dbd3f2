#!/usr/bin/env bash
# The main job: builds the contracts (cargo contract build --release), deploys and wires
# them, and runs the whole marketplace workflow (gb-deploy demo).
#   bash scripts/demo.sh [--fee-bps N] [--deployment PATH] [--output-json]
#   bash scripts/demo.sh --url ws://127.0.0.1:9944 [--suri //Alice] [--deployment PATH]
# Without --url: an in-process chain (drink). With --url: that node (see README).
# Every argument goes to `gb-deploy demo` (see `gb-deploy demo --help`).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$HOME/.cargo/bin:$PATH"
bash scripts/setup.sh >/dev/null
CACHE=${GB_CACHE:-$HOME/.cache/global-brain}
export CARGO_TARGET_DIR="$CACHE/target"
echo "[demo] cargo contract build --release of registry, reputation, escrow (scripts/contracts.sh)" >&2
bash scripts/contracts.sh --quiet
export GB_BUNDLES_DIR="$CARGO_TARGET_DIR/ink"
export CARGO_TARGET_DIR="$CACHE/target-offchain"
# The workspace's one feature set (scripts/test.sh builds the same: no second build).
cargo build --quiet --locked --manifest-path offchain/Cargo.toml --workspace --features gb-agent/sandbox --bin gb-deploy
exec "$CARGO_TARGET_DIR/debug/gb-deploy" demo "$@"
