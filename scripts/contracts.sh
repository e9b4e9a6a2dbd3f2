#!/usr/bin/env bash
# Builds the contracts with `cargo contract build --release` into
# $CARGO_TARGET_DIR/ink/<bundle>/<bundle>.contract (cargo-contract gives each contract of
# a workspace its own target dir) and prints each optimized Wasm's size:
#   registry, reputation, escrow   the suite (escrow verifies sr25519 and ecdsa vouchers)
#   escrow-ecdsa                   escrow built with `--features ecdsa-only`: it imports
#                                  no sr25519 host function and refuses sr25519 channels
#                                  (SchemeUnsupported); for a chain that does not offer
#                                  `sr25519_verify` (docs/production.md)
#
# Cold, each contract would build the same ink!/scale dependencies again (for Wasm and
# for the host metadata build). So a contract whose target dir is empty is seeded with
# a copy of the first one's: cargo's fingerprints do not depend on the target dir, so
# the shared dependencies are fresh and only what differs compiles (measured: escrow
# from registry's copy compiles 35 crates in its own target dir; the Wasm is
# byte-identical to an unseeded build). escrow-ecdsa is built in escrow's target dir
# (cargo keeps each feature set's artifacts apart, so only the escrow crate compiles
# twice) before escrow, and its output (named after the crate) copied to
# ink/escrow-ecdsa/escrow-ecdsa.*; escrow's own build then writes ink/escrow/escrow.*.
#   bash scripts/contracts.sh [--quiet]     (CARGO_TARGET_DIR must be set)
set -euo pipefail
cd "$(dirname "$0")/.."
: "${CARGO_TARGET_DIR:?set CARGO_TARGET_DIR}"
CONTRACTS=(registry reputation escrow)
ink="$CARGO_TARGET_DIR/ink"
quiet=${1:-}

seed() { # from-dir to-dir
  if [[ ! -d "$2/release" && -d "$1/release" ]]; then
    mkdir -p "$2"
    cp -a "$1/release" "$1/wasm32-unknown-unknown" "$2/"
  fi
}
size() { # bundle
  if [[ "$quiet" != "--quiet" ]]; then
    printf '    %-13s %7d bytes optimized Wasm\n' "$1" "$(stat -c %s "$ink/$1/$1.wasm")"
  fi
}
build() { # manifest [cargo-contract args...]
  local manifest=$1
  shift
  if [[ "$quiet" == "--quiet" ]]; then
    cargo contract build --release --quiet --manifest-path "$manifest" "$@" >/dev/null
  else
    cargo contract build --release --quiet --manifest-path "$manifest" "$@"
  fi
}

first="$ink/${CONTRACTS[0]}"
for c in "${CONTRACTS[@]}"; do
  [[ "$ink/$c" != "$first" ]] && seed "$first" "$ink/$c"
  if [[ "$c" == escrow ]]; then
    build escrow/Cargo.toml --features ecdsa-only
    mkdir -p "$ink/escrow-ecdsa"
    for ext in contract wasm json; do
      cp "$ink/escrow/escrow.$ext" "$ink/escrow-ecdsa/escrow-ecdsa.$ext"
    done
  fi
  build "$c/Cargo.toml"
  size "$c"
done
size escrow-ecdsa
