#!/usr/bin/env bash
# The node layer, against a real substrate-contracts-node:
#  1. the ink_e2e tests (e2e-tests/tests/node.rs, feature `e2e-tests`): deploy + wiring,
#     channels, sr25519 vouchers signed off chain, single and batch claims, ratings,
#     ranked discovery, refund after a short expiry, the main rejection paths;
#  2. the gb-deploy CLI on the node (e2e-tests/tests/cli_node.rs): `demo --url` twice
#     with one deployment file (the second run verifies and reuses it, the file stays
#     byte for byte), and its errors for a stale deployment file, an account without
#     funds and a bad --suri;
#  3. the gas report (e2e-tests/tests/gas_report.rs) measured on the node;
#  4. the agent SDK's flows (agent/tests/node.rs, feature gb-agent/node-tests) on the
#     same node: real gateways following the node's finalized events, 100 paid calls,
#     the gateway's claims, ratings, an impostor, the budget, an agent buying a sub-task.
#  5. the main command on the same node: `gb-market --url` (real models behind gateways,
#     paying agents, the ensemble; ~2.5 min; fails if its books do not balance).
#
#   bash scripts/node-tests.sh [test-name-filter]
#
# Node: every ink_e2e test spawns its own `substrate-contracts-node --dev` (from PATH or
# CONTRACTS_NODE) and kills it when it ends; this script spawns one more for gb-deploy.
# With CONTRACTS_NODE_URL (e.g. ws://127.0.0.1:9944) both use that node instead.
# Everything runs in its own session; whatever is left of it at the end is killed, and
# the script fails if anything survives.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$HOME/.cargo/bin:$PATH"
CACHE=${GB_CACHE:-$HOME/.cache/global-brain}
# No incremental compilation: the caches are for whole runs, and the incremental data of
# the off-chain workspace's crates takes ~7-9 GB per feature set (a full disk broke a run).
export CARGO_INCREMENTAL=0
# Shares the drink suite's target dir (same frame dependencies); ink_e2e builds the
# three contracts in debug mode under $CARGO_TARGET_DIR/ink, apart from the release
# bundles gb-deploy uses (GB_BUNDLES_DIR).
export CARGO_TARGET_DIR="$CACHE/target-offchain"
export GB_BUNDLES_DIR="${GB_BUNDLES_DIR:-$CACHE/target/ink}"
# One feature set for every cargo command of this layer (one build): ink_e2e's tests and
# the agent's node flows together.
E2E=(--locked --manifest-path offchain/Cargo.toml -p gb-e2e-tests -p gb-agent
  --features gb-e2e-tests/e2e-tests,gb-agent/node-tests)
NODE=${CONTRACTS_NODE:-substrate-contracts-node}

if [[ "${1:-}" != "--inner" ]]; then
  if [[ -z "${CONTRACTS_NODE_URL:-}" ]] && ! command -v "$NODE" >/dev/null 2>&1; then
    echo "[node] $NODE not found: run bash scripts/setup.sh --node, or set CONTRACTS_NODE / CONTRACTS_NODE_URL" >&2
    exit 1
  fi
  # Feature `e2e-tests`: ink_e2e (the first build on a machine takes a while). Linted
  # here: the default test command lints the off-chain workspace without the feature.
  # The workspace build uses scripts/test.sh's feature set (gb-agent/sandbox), so that it
  # is warm after that script; the lint covers the crate whose code the feature adds.
  (cargo build --locked --manifest-path offchain/Cargo.toml --workspace --features gb-agent/sandbox \
    && cargo test "${E2E[@]}" --no-run \
    && cargo clippy "${E2E[@]}" --all-targets -- -D warnings)
  setsid bash "$0" --inner "$@" &
  sid=$!
  status=0
  wait "$sid" || status=$?
  # Processes of the run's session still alive (zombies, already dead and waiting to
  # be reaped by init, are not).
  alive() { ps -e -o sid=,pid=,stat=,args= | awk -v s="$sid" '$1 == s && $3 !~ /^Z/'; }
  if [[ -n "$(alive)" ]]; then
    echo "[node] killing leftover processes of the run:"
    alive
    pkill -KILL -s "$sid" || true
    sleep 1
  fi
  if [[ -n "$(alive)" ]]; then
    echo "[node] FAILED: processes of the run survive:" >&2
    alive >&2
    exit 1
  fi
  echo "[node] no test process or node left running"
  exit "$status"
fi
shift

# ---- inside the session ---------------------------------------------------------------
t0=$SECONDS
if [[ -n "${CONTRACTS_NODE_URL:-}" ]]; then
  echo "[node] using the node at $CONTRACTS_NODE_URL"
else
  echo "[node] ink_e2e spawns $("$NODE" --version) per test"
fi
# `--test node` selects both packages' node tests: the agent's (on_a_node_*) run below,
# on the node this script starts.
(cargo test "${E2E[@]}" --test node -- --test-threads=1 --skip on_a_node_ "$@")
echo "[node] ink_e2e tests passed ($((SECONDS - t0))s)"

# A node of our own for the CLI tests and the gas report.
work=$(mktemp -d)
if [[ -n "${CONTRACTS_NODE_URL:-}" ]]; then
  url=$CONTRACTS_NODE_URL
else
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  "$NODE" --dev --tmp --port 0 --rpc-port "$port" >"$work/node.log" 2>&1 &
  node_pid=$!
  trap 'kill "$node_pid" 2>/dev/null || true' EXIT
  url="ws://127.0.0.1:$port"
  for _ in $(seq 120); do
    curl -sf -H 'Content-Type: application/json' \
      -d '{"id":1,"jsonrpc":"2.0","method":"system_chain","params":[]}' \
      "http://127.0.0.1:$port" >/dev/null 2>&1 && break
    sleep 0.5
  done
fi
echo "[node] gb-deploy on the node (e2e-tests/tests/cli_node.rs)"
CONTRACTS_NODE_URL="$url" GB_DEPLOY_BIN="$CARGO_TARGET_DIR/debug/gb-deploy" \
  cargo test "${E2E[@]}" --test cli_node -- --test-threads=1

echo "[node] gas report on the node (the drink suite prints the in-process one)"
GB_GAS_NODE_URL="$url" cargo test "${E2E[@]}" --test gas_report

echo "[node] the agent SDK's flows on the node (agent/tests/node.rs): real gateways, paid calls, claims, ratings ($((SECONDS - t0))s)"
CONTRACTS_NODE_URL="$url" cargo test "${E2E[@]}" --test node on_a_node_ -- --test-threads=1
# The whole run, not --quick: in its round 5 the clinic's channel to the ensemble runs
# dry, and the ensemble's gateway (following finalized blocks) sees the top-up after the
# agent's retry — the agent must wait for it, not top up again (it failed with "keeps
# asking for payment after 4 fixes" before). The timeout catches a run that waits on
# the node's clock (each round once slept a real day there).
echo "[node] the main command on the node: gb-market --url (exit 3 if its books do not balance) ($((SECONDS - t0))s)"
timeout 900 "$CARGO_TARGET_DIR/debug/gb-market" --url "$url"
if [[ -n "${node_pid:-}" ]]; then
  kill "$node_pid"
  wait "$node_pid" 2>/dev/null || true
fi
rm -rf "$work"
echo "[node] gb-deploy and the agent's flows on the node passed ($((SECONDS - t0))s in all)"
