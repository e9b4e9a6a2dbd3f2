#!/usr/bin/env bash
# Runs every test layer: format + lint, unit tests (host), the contracts built with
# cargo-contract, the off-chain workspace (gb-chain, gb-client, gb-deploy with its CLI
# tests, the drink suite of the three contracts together with the gas report), the
# main command (the demo, in-process), and the node layer (ink_e2e and gb-deploy
# against substrate-contracts-node) when a node is available.
#
#   bash scripts/test.sh
#
# Build caches live outside the clone (GB_CACHE, default ~/.cache/global-brain) so
# repeated runs are warm. The root workspace (the contracts) and the off-chain workspace
# (offchain/Cargo.toml) use separate target dirs: their features of shared crates
# differ (the contracts with `ink-as-dependency` off chain), so one dir would rebuild.
#
# On a cold machine the long builds overlap (2 cores idle in each build's serial
# phases): the cargo-contract install and the drink suite's dependency build run in the
# background while the host checks and unit tests run in the foreground.
OFFCHAIN=(--manifest-path offchain/Cargo.toml)
# One feature set for every off-chain build (test, demo, clippy): gb-agent's test kit
# (`sandbox`) on. A build of one package alone (`-p`) unifies features over that
# package's graph only and would rebuild the shared dependencies a second time.
OFFCHAIN_FEATURES=(--features gb-agent/sandbox)
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$HOME/.cargo/bin:$PATH"

CACHE=${GB_CACHE:-$HOME/.cache/global-brain}
# No incremental compilation: the caches are for whole runs, and the incremental data of
# the off-chain workspace's crates takes ~7-9 GB per feature set (a full disk broke a run).
export CARGO_INCREMENTAL=0
mkdir -p "$CACHE/logs"
export CARGO_TARGET_DIR="$CACHE/target"
OFFCHAIN_TARGET="$CACHE/target-offchain"
BUNDLES="$CARGO_TARGET_DIR/ink"
# The off-chain clippy pass is skipped (with a message) when this much time has gone by, so
# that a cold run stays well inside CI's 90 minutes (a cold run of the off-chain
# workspace reached it at 59 min on 2026-12-02 and its cold clippy build takes over 5 min).
LINT_E2E_BEFORE_S=${GB_LINT_E2E_BEFORE_S:-3000}
# Likewise the node layer: started only before this much time has gone by (its first
# build on a machine takes a while; warm, the layer takes ~4 min).
NODE_LAYER_BEFORE_S=${GB_NODE_LAYER_BEFORE_S:-2700}
t0=$SECONDS
section() { printf '\n==> %s (%ss elapsed)\n' "$*" "$((SECONDS - t0))"; }

# Background jobs: started here, waited for where their result is needed. A failed job
# prints its log and fails the run.
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done' EXIT
background() { # name command...
  local name=$1
  shift
  ("$@" >"$CACHE/logs/$name.log" 2>&1) &
  pids+=($!)
  eval "pid_$name=$!"
}
await() { # name
  local name=$1 pid
  pid=$(eval "echo \$pid_$name")
  if ! wait "$pid"; then
    echo "FAILED: $name — its log ($CACHE/logs/$name.log):"
    tail -n 80 "$CACHE/logs/$name.log"
    exit 1
  fi
  echo "    $name done ($((SECONDS - t0))s elapsed)"
}

section "setup"
# Stale test binaries of earlier runs (~0.5 GB each) once filled the disk mid-run.
bash scripts/prune-cache.sh
bash scripts/setup.sh --toolchain
background setup bash scripts/setup.sh
background offchain_build bash -c "CARGO_TARGET_DIR='$OFFCHAIN_TARGET' \
  cargo test ${OFFCHAIN[*]} --workspace ${OFFCHAIN_FEATURES[*]} --locked --no-run"

section "format"
cargo fmt --all -- --check
cargo fmt "${OFFCHAIN[@]}" --all -- --check

section "clippy (host)"
cargo clippy --workspace --all-targets --locked -- -D warnings

section "unit tests"
cargo test --workspace --locked
# escrow-ecdsa's build: sr25519 refused with SchemeUnsupported, ecdsa verified.
cargo test --locked -p escrow --features ecdsa-only verify::
cargo clippy --locked -p escrow --features ecdsa-only --all-targets -- -D warnings

section "contracts (cargo contract build --release)"
await setup
bash scripts/contracts.sh

section "off-chain workspace: gb-chain, gb-client, gb-deploy (CLI tests), gb-protocol, gb-gateway (PostgreSQL, kill -9), gb-agent (SDK on loopback gateways, the gb CLI, an MCP session, kill -9), drink suite"
await offchain_build
# GB_REQUIRE_POSTGRES=1: gb-gateway's PostgreSQL tests fail (not skip) without a server.
GB_REQUIRE_POSTGRES=1 GB_BUNDLES_DIR="$BUNDLES" CARGO_TARGET_DIR="$OFFCHAIN_TARGET" \
  cargo test "${OFFCHAIN[@]}" --workspace "${OFFCHAIN_FEATURES[@]}" --locked -- --test-threads=2

section "production build without drink (gb-deploy --no-default-features)"
if CARGO_TARGET_DIR="$OFFCHAIN_TARGET" cargo tree "${OFFCHAIN[@]}" --locked -p gb-deploy \
  --no-default-features -e normal,build --prefix none | grep -q '^drink '; then
  echo "FAILED: gb-deploy without its sandbox feature links drink"
  exit 1
fi
echo "    gb-deploy --no-default-features: no drink in its dependency graph"
if CARGO_TARGET_DIR="$OFFCHAIN_TARGET" cargo tree "${OFFCHAIN[@]}" --locked -p gb-gateway \
  -e normal,build --prefix none | grep -q '^drink '; then
  echo "FAILED: the gb-gateway binary links drink"
  exit 1
fi
echo "    gb-gateway: no drink in its dependency graph"

section "production build of gb without drink (gb-agent without its sandbox feature)"
if CARGO_TARGET_DIR="$OFFCHAIN_TARGET" cargo tree "${OFFCHAIN[@]}" --locked -p gb-agent \
  -e normal,build --prefix none | grep -q '^drink '; then
  echo "FAILED: the gb binary (gb-agent without its sandbox feature) links drink"
  exit 1
fi
echo "    gb-agent without --features sandbox: no drink in its dependency graph"

section "main command (bash scripts/demo.sh --quick: the market on the in-process chain; bash scripts/demo.sh --workflow: the contracts' workflow; each fails if its books do not balance)"
bash scripts/demo.sh --quick | tee "$CACHE/logs/market.txt"
bash scripts/demo.sh --workflow | tee "$CACHE/logs/demo.txt"

section "clippy (off-chain workspace; the node layer lints it with its feature)"
if ((SECONDS - t0 < LINT_E2E_BEFORE_S)); then
  CARGO_TARGET_DIR="$OFFCHAIN_TARGET" \
    cargo clippy "${OFFCHAIN[@]}" --workspace "${OFFCHAIN_FEATURES[@]}" --all-targets --locked -- -D warnings
else
  echo "off-chain clippy SKIPPED: $((SECONDS - t0))s elapsed (cold caches); budget ${LINT_E2E_BEFORE_S}s keeps CI inside 90 min"
fi

section "node layer (ink_e2e and gb-deploy --url against substrate-contracts-node)"
if [[ -z "${CONTRACTS_NODE_URL:-}" ]] && ! command -v "${CONTRACTS_NODE:-substrate-contracts-node}" >/dev/null 2>&1; then
  echo "node layer SKIPPED: substrate-contracts-node is not installed, and building it (bash scripts/setup.sh --node: 146 CPU-min measured, over 73 min on 2 cores) does not fit in CI's 90 min next to the other layers; install it (or set CONTRACTS_NODE / CONTRACTS_NODE_URL) to run this layer"
elif ((SECONDS - t0 >= NODE_LAYER_BEFORE_S)); then
  echo "node layer SKIPPED: $((SECONDS - t0))s elapsed (cold caches); its first build (ink_e2e, subxt, the contracts in debug) would not fit in CI's 90 min (budget ${NODE_LAYER_BEFORE_S}s, GB_NODE_LAYER_BEFORE_S); run bash scripts/node-tests.sh"
else
  GB_BUNDLES_DIR="$BUNDLES" bash scripts/node-tests.sh
fi

section "all layers passed"
