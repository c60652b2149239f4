#!/usr/bin/env bash
# Bench: per-write cost of the security store as it grows. Issues TOKENS tokens (default
# 10,000) through the token service into a fresh store under target/ (on disk: each write
# waits for one sync) and prints the mean write time per 1,000 tokens next to the store's
# size. With the journal the last block's mean stays close to the first one's; with the old
# whole-file rewrite it grew with the store.
# Usage: bench/security_store.sh [TOKENS] [--release]
set -euo pipefail
cd "$(dirname "$0")/.."
TOKENS=${1:-10000}
PROFILE=()
[ "${2:-}" = "--release" ] && PROFILE=(--release)
cargo run -q "${PROFILE[@]}" -p ironstack-security --example store_bench -- "$TOKENS"
