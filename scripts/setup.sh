#!/usr/bin/env bash
# Installs what the builds and tests need on a fresh machine. Idempotent: every step is
# skipped when its result is already there.
#   bash scripts/setup.sh            toolchain + cargo-contract + PostgreSQL (gateway tests)
#   bash scripts/setup.sh --node     also substrate-contracts-node (long build, see README)
#   bash scripts/setup.sh --toolchain  only the Rust toolchain (the test command installs
#                                      cargo-contract in the background meanwhile)
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$HOME/.cargo/bin:$PATH"

RUST_VERSION=1.91.0            # keep in sync with rust-toolchain.toml
CARGO_CONTRACT_VERSION=5.0.3
CONTRACTS_NODE_VERSION=0.42.0

step() { printf '[setup] %s\n' "$*"; }

# 1. Rust toolchain pinned by rust-toolchain.toml, with the Wasm target and rust-src.
if ! rustup run "$RUST_VERSION" rustc --print target-libdir --target wasm32-unknown-unknown >/dev/null 2>&1 \
   || ! rustup component list --toolchain "$RUST_VERSION" --installed 2>/dev/null | grep -q '^rust-src'; then
  step "installing Rust $RUST_VERSION (+ wasm32-unknown-unknown, rust-src, clippy, rustfmt)"
  rustup toolchain install "$RUST_VERSION" --profile minimal \
    -t wasm32-unknown-unknown -c rust-src,clippy,rustfmt
else
  step "Rust $RUST_VERSION present"
fi

if [[ "${1:-}" == "--toolchain" ]]; then
  step "done (toolchain only)"
  exit 0
fi

# 2. cargo-contract (builds the contracts). Compiled once: 38 CPU-min, 52–59 min wall
#    measured on 2 cores next to other builds.
# `cargo contract --version` prints e.g. "cargo-contract-contract 5.0.3-unknown-x86_64-…".
if cargo contract --version 2>/dev/null | grep -q " $CARGO_CONTRACT_VERSION"; then
  step "cargo-contract $CARGO_CONTRACT_VERSION present"
else
  step "installing cargo-contract $CARGO_CONTRACT_VERSION (cargo install --locked; about an hour on 2 cores)"
  cargo +"$RUST_VERSION" install cargo-contract --version "$CARGO_CONTRACT_VERSION" --locked
fi

# PostgreSQL server binaries: gb-gateway's shared-store tests start their own server
# (initdb + pg_ctl in a temporary directory); scripts/test.sh requires them.
if compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || command -v initdb >/dev/null 2>&1; then
  step "PostgreSQL present"
else
  step "apt-get install postgresql (gb-gateway's PostgreSQL tests)"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql
fi

# 3. Optional: the node for the ink_e2e layer. Compiled once: 146 CPU-min, 8.2 GB of
#    target dir; 175 min wall measured on 2 cores next to two other builds.
# `cargo install contracts-node --version 0.42.0 --locked` alone fails on Rust 1.91
# (measured): the runtime's nested Wasm build ignores --locked and resolves pallet-xcm
# 17.0.5, which breaks rococo-runtime 18; pointing it at the crate's own Cargo.lock
# (WASM_BUILD_WORKSPACE_HINT) fixes that, but the locked sp-io 38 then does not compile
# to Wasm on Rust 1.91 ("#[no_mangle] cannot be used on internal language items"), so
# the runtime's Wasm is built with Rust 1.81.0 (WASM_BUILD_TOOLCHAIN); the node binary
# itself is built with the pinned toolchain.
if [[ "${1:-}" == "--node" ]]; then
  if command -v substrate-contracts-node >/dev/null 2>&1; then
    step "substrate-contracts-node present ($(substrate-contracts-node --version))"
  else
    need=()
    for p in protobuf-compiler clang libclang-dev curl; do
      dpkg -s "$p" >/dev/null 2>&1 || need+=("$p")
    done
    if ((${#need[@]})); then
      step "apt-get install ${need[*]}"
      apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}"
    fi
    WASM_TOOLCHAIN=1.81.0
    step "installing Rust $WASM_TOOLCHAIN for the node runtime's Wasm build"
    rustup toolchain install "$WASM_TOOLCHAIN" --profile minimal -t wasm32-unknown-unknown -c rust-src
    CACHE=${GB_CACHE:-$HOME/.cache/global-brain}
    src="$CACHE/src/contracts-node-$CONTRACTS_NODE_VERSION"
    if [[ ! -f "$src/Cargo.lock" ]]; then
      mkdir -p "$CACHE/src"
      crate="$CACHE/src/contracts-node-$CONTRACTS_NODE_VERSION.crate"
      curl -sSfL -o "$crate" \
        "https://static.crates.io/crates/contracts-node/contracts-node-$CONTRACTS_NODE_VERSION.crate"
      echo "eec86b7f9619375abb6ea559856b72bfedffe89c6097fa04853da7779ef4da72  $crate" | sha256sum -c --quiet
      tar -xzf "$crate" -C "$CACHE/src"
    fi
    step "installing contracts-node $CONTRACTS_NODE_VERSION (long build; target dir $CACHE/target-node)"
    CARGO_TARGET_DIR="$CACHE/target-node" WASM_BUILD_WORKSPACE_HINT="$src" \
      WASM_BUILD_TOOLCHAIN="$WASM_TOOLCHAIN" \
      cargo +"$RUST_VERSION" install contracts-node --version "$CONTRACTS_NODE_VERSION" --locked
  fi
fi
step "done"
