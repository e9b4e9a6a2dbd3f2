#!/usr/bin/env bash
# Builds the three contracts with `cargo contract build --release` into
# $CARGO_TARGET_DIR/ink/<contract>/ (cargo-contract gives each contract of a workspace
# its own target dir) and prints each optimized Wasm's size.
#
# Cold, each contract would build the same ink!/scale dependencies again (for Wasm and
# for the host metadata build). So a contract whose target dir is empty is seeded with
# a copy of the first one's: cargo's fingerprints do not depend on the target dir, so
# the shared dependencies are fresh and only what differs compiles (measured: escrow
# from registry's copy compiles 35 crates in its own target dir; the Wasm is
# byte-identical to an unseeded build).
#   bash scripts/contracts.sh [--quiet]     (CARGO_TARGET_DIR must be set)
set -euo pipefail
cd "$(dirname "$0")/.."
: "${CARGO_TARGET_DIR:?set CARGO_TARGET_DIR}"
CONTRACTS=(registry reputation escrow)
ink="$CARGO_TARGET_DIR/ink"
first="$ink/${CONTRACTS[0]}"
for c in "${CONTRACTS[@]}"; do
  dir="$ink/$c"
  if [[ "$dir" != "$first" && ! -d "$dir/release" && -d "$first/release" ]]; then
    mkdir -p "$dir"
    cp -a "$first/release" "$first/wasm32-unknown-unknown" "$dir/"
  fi
  if [[ "${1:-}" == "--quiet" ]]; then
    cargo contract build --release --quiet --manifest-path "$c/Cargo.toml" >/dev/null
  else
    cargo contract build --release --quiet --manifest-path "$c/Cargo.toml"
    ls -l "$dir/$c.wasm" | awk -v c="$c" '{printf "    %-11s %7d bytes optimized Wasm\n", c, $5}'
  fi
done
