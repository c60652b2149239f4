#!/usr/bin/env bash
# Bench: the security store as it grows, in two parts.
#  1. The node's store (`.security-7`): API key creation, authentication (first use and
#     cached), `_query/api_key`, invalidation and a node start with KEYS keys (default
#     100,000) against the same operations with 1,000 keys, in one run
#     (`security_index_bench`, release build).
#  2. The files store of earlier versions (still written by first-start auto-configuration
#     before the node runs, then imported): per-write cost over TOKENS tokens (default 10,000),
#     against the whole-store rewrite every write did before the journal (`store_bench`).
# Usage: bench/security_store.sh [KEYS] [TOKENS]
set -euo pipefail
cd "$(dirname "$0")/.."
KEYS=${1:-100000}
TOKENS=${2:-10000}
cargo run -q --release -p ironstack-node --example security_index_bench -- "$KEYS"
cargo run -q --release -p ironstack-security --example store_bench -- "$TOKENS"
