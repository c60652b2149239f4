#!/usr/bin/env bash
# The one test command: installs what the tests need (idempotent), then runs fmt, clippy and
# every test. `.ci/run` calls this. Runs as root on a fresh Debian machine with no input.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '\n==> %s\n' "$*"; }

need_apt=()
command -v openssl >/dev/null || need_apt+=(openssl)
command -v keytool >/dev/null && command -v javac >/dev/null || need_apt+=(default-jdk-headless)
command -v curl >/dev/null || need_apt+=(curl)
command -v unzip >/dev/null || need_apt+=(unzip)
python3 -c 'import venv, ensurepip' 2>/dev/null || need_apt+=(python3-venv)
command -v node >/dev/null && command -v npm >/dev/null || need_apt+=(nodejs npm)
# The console's browser test drives Debian's Chromium through playwright-core (scripts/node-client).
command -v chromium >/dev/null || need_apt+=(chromium)
if [ ${#need_apt[@]} -gt 0 ]; then
  log "installing ${need_apt[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

log "python test environment (.venv)"
if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
.venv/bin/python -m pip install -q --disable-pip-version-check -r scripts/test-requirements.txt
export IRONSTACK_PYTHON="$PWD/.venv/bin/python"

log "node.js test client and playwright-core (scripts/node-client)"
(cd scripts/node-client && npm ci --no-audit --no-fund --loglevel=error)
export IRONSTACK_NODE_CLIENT="$PWD/scripts/node-client"
export IRONSTACK_REQUIRE_INTEROP=1

log "cargo fmt --check"
cargo fmt --all -- --check

log "cargo clippy"
cargo clippy --workspace --all-targets --locked -- -D warnings

log "cargo test"
if command -v cargo-nextest >/dev/null; then
  cargo nextest run --workspace --locked --no-fail-fast
  cargo test --workspace --locked --doc
else
  cargo test --workspace --locked --no-fail-fast
fi
