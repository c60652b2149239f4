#!/usr/bin/env bash
# Bench: `GET /` over HTTPS against `ironstack node`, keep-alive and one new TLS connection per
# request, with wrk from loopback; run side by side (same machine, same run, same wrk
# parameters) with the nginx anchor ../shared/bench/nginx-anchor.sh. Also measures the node's
# idle RSS and the time from process start to the first authenticated answer.
# Usage: bench/https.sh [DURATION_S]   (bounded: about 4 x DURATION_S + build time)
set -euo pipefail
cd "$(dirname "$0")/.."
DUR=${1:-8}
ANCHOR=../shared/bench/nginx-anchor.sh
if ! command -v wrk >/dev/null || ! command -v nginx >/dev/null; then
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk nginx) >/dev/null 2>&1 \
    || { echo "cannot install wrk/nginx"; exit 1; }
fi
cargo build --release -q -p ironstack
BIN=$PWD/target/release/ironstack
HOME_DIR=$(mktemp -d /tmp/ironstack-bench.XXXX)
PID=
cleanup() { [ -n "$PID" ] && kill "$PID" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$HOME_DIR"; }
trap cleanup EXIT
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')

# First start: auto-configuration, then read the printed password.
(cd "$HOME_DIR" && exec "$BIN" node -E "http.port=$port" -E http.host=127.0.0.1 >node1.log 2>&1) &
PID=$!
for _ in $(seq 1 200); do grep -q "Password for the elastic user" "$HOME_DIR/node1.log" 2>/dev/null && break; sleep 0.05; done
PW=$(grep -A1 "Password for the elastic user" "$HOME_DIR/node1.log" | tail -1 | tr -d ' ')
[ -n "$PW" ] || { echo "no password printed"; cat "$HOME_DIR/node1.log"; exit 1; }
kill "$PID"; wait "$PID" 2>/dev/null || true; PID=

# Second (normal) start: time from spawn to the first authenticated 200.
CA=$HOME_DIR/config/certs/http_ca.crt
t0=$(date +%s%N)
(cd "$HOME_DIR" && exec "$BIN" node -q -E "http.port=$port" -E http.host=127.0.0.1 >node2.log 2>&1) &
PID=$!
until curl -sf --cacert "$CA" -u "elastic:$PW" "https://127.0.0.1:$port/" >/dev/null 2>&1; do
  kill -0 "$PID" 2>/dev/null || { echo "node died"; cat "$HOME_DIR/node2.log"; exit 1; }
  sleep 0.005
done
t1=$(date +%s%N)
first_ms=$(( (t1 - t0) / 1000000 ))
sleep 1
rss_kb=$(awk '/VmRSS/{print $2}' "/proc/$PID/status")

AUTH="Authorization: Basic $(printf 'elastic:%s' "$PW" | base64 -w0)"
node_ka=$(wrk -t1 -c32 -d"${DUR}s" -H "$AUTH" "https://127.0.0.1:$port/" | awk '/Requests\/sec/{print $2}')
node_hs=$(wrk -t1 -c32 -d"${DUR}s" -H "$AUTH" -H 'Connection: close' "https://127.0.0.1:$port/" | awk '/Requests\/sec/{print $2}')
rss_after_kb=$(awk '/VmRSS/{print $2}' "/proc/$PID/status")
kill "$PID"; wait "$PID" 2>/dev/null || true; PID=

anchor=$(bash "$ANCHOR" 19443 "$DUR" | tail -1)
ngx_ka=$(echo "$anchor" | sed -n 's/.*keepalive_rps=\([0-9.]*\).*/\1/p')
ngx_hs=$(echo "$anchor" | sed -n 's/.*new_conn_rps=\([0-9.]*\).*/\1/p')

ratio() { awk -v a="$1" -v b="$2" 'BEGIN{ if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }
echo "ironstack keepalive_rps=$node_ka new_conn_rps=$node_hs idle_rss_mb=$((rss_kb / 1024)) rss_after_load_mb=$((rss_after_kb / 1024)) first_answer_ms=$first_ms"
echo "$anchor"
echo "ratio keepalive=$(ratio "$node_ka" "$ngx_ka") new_conn=$(ratio "$node_hs" "$ngx_hs")"
