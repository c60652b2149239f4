#!/usr/bin/env bash
# Bench: authenticated `GET /` over HTTPS keep-alive against `ironstack node` with basic auth,
# with an API key and as the anonymous user (a role granting `monitor`), with wrk from
# loopback, side by side in the same run with the nginx anchor ../shared/bench/nginx-anchor.sh.
# Rounds are interleaved (basic, api key, anonymous, nginx; twice) and means compared, so that
# other work on the machine shifts every figure alike.
# Usage: bench/auth.sh [DURATION_S]   (bounded: about 8 x DURATION_S + build time)
set -euo pipefail
cd "$(dirname "$0")/.."
DUR=${1:-8}
ANCHOR=../shared/bench/nginx-anchor.sh
if ! command -v wrk >/dev/null || ! command -v nginx >/dev/null || ! command -v curl >/dev/null; then
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk nginx curl) >/dev/null 2>&1 \
    || { echo "cannot install wrk/nginx/curl"; exit 1; }
fi
cargo build --release -q -p ironstack
BIN=$PWD/target/release/ironstack
HOME_DIR=$(mktemp -d /tmp/ironstack-bench-auth.XXXX)
PID=
cleanup() { [ -n "$PID" ] && kill "$PID" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$HOME_DIR"; }
trap cleanup EXIT
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')

# Anonymous access is on for this node; its role is created below (roles resolve per request).
(cd "$HOME_DIR" && exec "$BIN" node -E "http.port=$port" -E http.host=127.0.0.1 \
  -E xpack.security.authc.anonymous.roles=bench_anonymous >node.log 2>&1) &
PID=$!
for _ in $(seq 1 200); do grep -q "Password for the elastic user" "$HOME_DIR/node.log" 2>/dev/null && break; sleep 0.05; done
PW=$(grep -A1 "Password for the elastic user" "$HOME_DIR/node.log" | tail -1 | tr -d ' ')
[ -n "$PW" ] || { echo "no password printed"; cat "$HOME_DIR/node.log"; exit 1; }
CA=$HOME_DIR/config/certs/http_ca.crt
for _ in $(seq 1 100); do curl -s -o /dev/null --cacert "$CA" "https://127.0.0.1:$port/" && break; sleep 0.05; done
api() { curl -sS --fail-with-body --cacert "$CA" -u "elastic:$PW" -H 'Content-Type: application/json' "$@"; }
api -X PUT "https://127.0.0.1:$port/_security/role/bench_anonymous" -d '{"cluster":["monitor"]}' >/dev/null
ENCODED=$(api -X POST "https://127.0.0.1:$port/_security/api_key" -d '{"name":"bench"}' \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["encoded"])')
# Each credential must really answer 200 before it is measured.
for h in "Authorization: ApiKey $ENCODED" "X-Bench: anonymous"; do
  code=$(curl -s -o /dev/null -w '%{http_code}' --cacert "$CA" -H "$h" "https://127.0.0.1:$port/")
  [ "$code" = 200 ] || { echo "credential [$h] got HTTP $code"; exit 1; }
done

BASIC="Authorization: Basic $(printf 'elastic:%s' "$PW" | base64 -w0)"
APIKEY="Authorization: ApiKey $ENCODED"
rps() { awk '/Requests\/sec/{print $2}'; }
run() { wrk -t1 -c32 -d"${DUR}s" "$@" "https://127.0.0.1:$port/" | rps; }
mean() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%.2f", (a + b) / 2}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN{ if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }
basic_runs=(); key_runs=(); anon_runs=(); ngx_runs=()
for round in 1 2; do
  basic_runs+=("$(run -H "$BASIC")")
  key_runs+=("$(run -H "$APIKEY")")
  anon_runs+=("$(run)")
  kill -STOP "$PID"   # the node idles while nginx is measured
  anchor=$(bash "$ANCHOR" 19443 "$DUR" | tail -1)
  kill -CONT "$PID"
  ngx_runs+=("$(echo "$anchor" | sed -n 's/.*keepalive_rps=\([0-9.]*\).*/\1/p')")
  echo "round $round: basic=${basic_runs[-1]} api_key=${key_runs[-1]} anonymous=${anon_runs[-1]} nginx=${ngx_runs[-1]}"
done
basic=$(mean "${basic_runs[@]}"); key=$(mean "${key_runs[@]}"); anon=$(mean "${anon_runs[@]}"); ngx=$(mean "${ngx_runs[@]}")
echo "keepalive_rps (mean of 2): basic=$basic api_key=$key anonymous=$anon nginx=$ngx"
echo "ratio basic/anonymous=$(ratio "$basic" "$anon") api_key/anonymous=$(ratio "$key" "$anon") basic/nginx=$(ratio "$basic" "$ngx") api_key/nginx=$(ratio "$key" "$ngx")"
