#!/usr/bin/env bash
# Runs every test layer: format + lint, unit tests (host), the contracts built with
# cargo-contract, the drink suite of the three contracts together, and the node layer
# (ink_e2e against substrate-contracts-node) when a node is available.
#
#   bash scripts/test.sh
#
# Build caches live outside the clone (GB_CACHE, default ~/.cache/global-brain) so
# repeated runs are warm. The root workspace and the e2e workspace use separate target
# dirs: drink's build must not share the outer build's target dir (DESIGN.md §7).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
export PATH="$HOME/.cargo/bin:$PATH"
bash scripts/setup.sh

CACHE=${GB_CACHE:-$HOME/.cache/global-brain}
export CARGO_TARGET_DIR="$CACHE/target"
E2E_TARGET="$CACHE/target-e2e"
CONTRACTS=(registry reputation escrow)
t0=$SECONDS
section() { printf '\n==> %s (%ss elapsed)\n' "$*" "$((SECONDS - t0))"; }

section "format"
cargo fmt --all -- --check
(cd e2e-tests && cargo fmt --all -- --check)

section "clippy (host)"
cargo clippy --workspace --all-targets --locked -- -D warnings

section "unit tests"
cargo test --workspace --locked

section "contracts (cargo contract build --release)"
BUNDLES="$CARGO_TARGET_DIR/ink"
for c in "${CONTRACTS[@]}"; do
  cargo contract build --release --quiet --manifest-path "$c/Cargo.toml"
  ls -l "$BUNDLES/$c/$c.wasm" | awk -v c="$c" '{printf "    %-11s %7d bytes optimized Wasm\n", c, $5}'
done

section "drink suite (three contracts together, in-process)"
(cd e2e-tests && export GB_BUNDLES_DIR="$BUNDLES" CARGO_TARGET_DIR="$E2E_TARGET" \
  && cargo clippy --workspace --all-targets --locked -- -D warnings \
  && cargo test --workspace --locked -- --test-threads=2)

section "node layer (ink_e2e against substrate-contracts-node)"
if [[ ! -f scripts/node-tests.sh ]]; then
  echo "node layer SKIPPED: the ink_e2e node tests are not written yet (issue 8)"
elif [[ -n "${CONTRACTS_NODE_URL:-}" ]] || command -v "${CONTRACTS_NODE:-substrate-contracts-node}" >/dev/null 2>&1; then
  bash scripts/node-tests.sh
else
  echo "node layer SKIPPED: substrate-contracts-node is not installed (bash scripts/setup.sh --node builds it; set CONTRACTS_NODE or CONTRACTS_NODE_URL to use another)"
fi

section "all layers passed"
