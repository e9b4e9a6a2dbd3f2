#!/usr/bin/env bash
# The main job: builds the contracts (cargo contract build --release), deploys and wires
# them, and runs a real market (gb-market): models trained at start-up behind real
# provider gateways, paying agents that rate by measured accuracy, an ensemble agent
# that buys from the others; it checks its books and fails if they do not balance.
#   bash scripts/demo.sh [--quick] [--seed N] [--rounds N] [--output-json] [--plot DIR]
#   bash scripts/demo.sh --url ws://127.0.0.1:9944 [--suri //Alice]      (see README)
#   bash scripts/demo.sh --workflow [gb-deploy demo options]  the contracts' workflow
#                                                             alone (gb-deploy demo)
# Without --url: an in-process chain (drink). With --url: that node.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$HOME/.cargo/bin:$PATH"
bash scripts/setup.sh >/dev/null
CACHE=${GB_CACHE:-$HOME/.cache/global-brain}
# No incremental compilation: the caches are for whole runs, and the incremental data of
# the off-chain workspace's crates takes ~7-9 GB per feature set (a full disk broke a run).
export CARGO_INCREMENTAL=0
export CARGO_TARGET_DIR="$CACHE/target"
echo "[demo] cargo contract build --release of registry, reputation, escrow (scripts/contracts.sh)" >&2
bash scripts/contracts.sh --quiet
export GB_BUNDLES_DIR="$CARGO_TARGET_DIR/ink"
export CARGO_TARGET_DIR="$CACHE/target-offchain"
bin=gb-market
if [[ "${1:-}" == "--workflow" ]]; then
  shift
  bin=gb-deploy
  set -- demo "$@"
fi
# The workspace's one feature set, and both binaries in one build: its units are then
# exactly those of scripts/test.sh's `cargo test` (checked with `cargo +nightly build
# --unit-graph`), so nothing is compiled twice. Built alone, gb-deploy's graph differs
# (crates that only its proc-macros use get no debug info): 99 units, ~10 min cold.
cargo build --quiet --locked --manifest-path offchain/Cargo.toml --workspace --features gb-agent/sandbox \
  --bin gb-market --bin gb-deploy
exec "$CARGO_TARGET_DIR/debug/$bin" "$@"
