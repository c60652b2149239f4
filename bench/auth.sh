#!/usr/bin/env bash
# Bench: authenticated `GET /` over HTTPS keep-alive against `ironstack node` with basic auth,
# with an API key and as the anonymous user (a role granting `monitor`), with wrk from
# loopback, side by side in the same run with the nginx anchor ../shared/bench/nginx-anchor.sh.
# Three rounds, each in a different order, and the means compared, so that drift on the
# machine shifts every figure alike; the node's CPU time per request is reported as well.
# Usage: bench/auth.sh [DURATION_S]   (bounded: about 13 x DURATION_S + build time)
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
# CPU time (ms) the node has used so far: utime + stime from /proc, 100 ticks per second.
cpu_ms() { awk '{ sub(/.*\) /, ""); print ($12 + $13) * 10 }' "/proc/$PID/stat"; }
declare -A rps_sum cpu_sum req_sum
# One wrk run as credential $1; adds its rate, the node's CPU time and the request count.
measure() {
  local name=$1; shift
  local c0 out
  c0=$(cpu_ms)
  out=$(wrk -t1 -c32 -d"${DUR}s" "$@" "https://127.0.0.1:$port/")
  cpu_sum[$name]=$(( ${cpu_sum[$name]:-0} + $(cpu_ms) - c0 ))
  req_sum[$name]=$(( ${req_sum[$name]:-0} + $(echo "$out" | awk '/requests in/{print $1}') ))
  rps_sum[$name]=$(awk -v a="${rps_sum[$name]:-0}" -v b="$(echo "$out" | awk '/Requests\/sec/{print $2}')" 'BEGIN{print a + b}')
  printf ' %s=%s' "$name" "$(echo "$out" | awk '/Requests\/sec/{print $2}')"
}
ROUNDS=3
# The order rotates every round so that drift on the machine does not favour one credential.
orders=("basic api_key anonymous nginx" "anonymous nginx basic api_key" "nginx api_key anonymous basic")
for round in $(seq 1 $ROUNDS); do
  printf 'round %s:' "$round"
  for what in ${orders[$(( (round - 1) % 3 ))]}; do
    case $what in
      basic) measure basic -H "$BASIC" ;;
      api_key) measure api_key -H "$APIKEY" ;;
      anonymous) measure anonymous ;;
      nginx)
        kill -STOP "$PID"   # the node idles while nginx is measured
        anchor=$(bash "$ANCHOR" 19443 "$DUR" | tail -1)
        kill -CONT "$PID"
        r=$(echo "$anchor" | sed -n 's/.*keepalive_rps=\([0-9.]*\).*/\1/p')
        rps_sum[nginx]=$(awk -v a="${rps_sum[nginx]:-0}" -v b="$r" 'BEGIN{print a + b}')
        printf ' nginx=%s' "$r" ;;
    esac
  done
  echo
done
mean() { awk -v s="${rps_sum[$1]}" -v n="$ROUNDS" 'BEGIN{printf "%.0f", s / n}'; }
us_per_req() { awk -v c="${cpu_sum[$1]}" -v n="${req_sum[$1]}" 'BEGIN{ if (n > 0) printf "%.1f", c * 1000 / n; else print "n/a" }'; }
ratio() { awk -v a="$(mean "$1")" -v b="$(mean "$2")" 'BEGIN{ if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }
echo "keepalive_rps (mean of $ROUNDS): basic=$(mean basic) api_key=$(mean api_key) anonymous=$(mean anonymous) nginx=$(mean nginx)"
echo "node cpu_us_per_request: basic=$(us_per_req basic) api_key=$(us_per_req api_key) anonymous=$(us_per_req anonymous)"
echo "ratio basic/anonymous=$(ratio basic anonymous) api_key/anonymous=$(ratio api_key anonymous) basic/nginx=$(ratio basic nginx) api_key/nginx=$(ratio api_key nginx)"
