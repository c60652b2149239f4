#!/usr/bin/env bash
# Bench: `GET /` over HTTPS against `ironstack node`, keep-alive and one new TLS connection per
# request, with wrk from loopback; run side by side (same machine, same run, same wrk
# parameters) with the nginx anchor ../shared/bench/nginx-anchor.sh. Also measures the node's
# idle RSS, the time from process start to the first answer, and to the first authenticated one.
# Usage: bench/https.sh [DURATION_S]   (bounded: about 8 x DURATION_S + build time)
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

# Second (normal) start: time from spawn to the first answer (a request without credentials
# answered 401 over HTTPS: the node is up and serving), then to the first authenticated 200
# (which adds one bcrypt check, ~60 ms, before the authentication cache holds the user). Polled
# every 2 ms from one Python process (a curl per attempt would add its own start-up).
CA=$HOME_DIR/config/certs/http_ca.crt
read -r first_ms first_auth_ms < <(cd "$HOME_DIR" && python3 - "$BIN" "$port" "$CA" "$PW" <<'PY'
import base64, http.client, ssl, subprocess, sys, time
binp, port, ca, pw = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
ctx = ssl.create_default_context(cafile=ca)
hdr = {"Authorization": "Basic " + base64.b64encode(("elastic:" + pw).encode()).decode()}
def get(headers):
    c = http.client.HTTPSConnection("127.0.0.1", port, context=ctx, timeout=5)
    c.request("GET", "/", headers=headers)
    r = c.getresponse(); r.read()
    return r.status
t0 = time.monotonic()
p = subprocess.Popen([binp, "node", "-q", "-E", f"http.port={port}", "-E", "http.host=127.0.0.1"],
                     stdout=open("node2.log", "w"), stderr=subprocess.STDOUT)
first = auth = None
while time.monotonic() - t0 < 30:
    try:
        if first is None:
            get({})
            first = time.monotonic() - t0
        if get(hdr) == 200:
            auth = time.monotonic() - t0
            break
    except OSError:
        time.sleep(0.002)
print(int(first * 1000), int(auth * 1000))
open("node2.pid", "w").write(str(p.pid))
PY
)
PID=$(cat "$HOME_DIR/node2.pid")
sleep 1
rss_kb=$(awk '/VmRSS/{print $2}' "/proc/$PID/status")

AUTH="Authorization: Basic $(printf 'elastic:%s' "$PW" | base64 -w0)"
rps() { awk '/Requests\/sec/{print $2}'; }
# CPU time (ms) the node has used so far: utime + stime from /proc, 100 ticks per second.
cpu_ms() { awk '{ sub(/.*\) /, ""); print ($12 + $13) * 10 }' "/proc/$PID/stat"; }
req_total=0; ka_cpu_ms=0
mean() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%.2f", (a + b) / 2}'; }
# Other work on the machine shifts results between phases: interleave node and anchor rounds
# (node, anchor, node, anchor) and compare the means.
node_ka_runs=(); node_hs_runs=(); ngx_ka_runs=(); ngx_hs_runs=()
for round in 1 2; do
  cpu0=$(cpu_ms)
  out=$(wrk -t1 -c32 -d"${DUR}s" -H "$AUTH" "https://127.0.0.1:$port/")
  ka_cpu_ms=$(( ka_cpu_ms + $(cpu_ms) - cpu0 ))
  node_ka_runs+=("$(echo "$out" | rps)")
  req_total=$(( req_total + $(echo "$out" | awk '/requests in/{print $1}') ))
  node_hs_runs+=("$(wrk -t1 -c32 -d"${DUR}s" -H "$AUTH" -H 'Connection: close' "https://127.0.0.1:$port/" | rps)")
  kill -STOP "$PID"   # the node idles while nginx is measured
  anchor=$(bash "$ANCHOR" 19443 "$DUR" | tail -1)
  kill -CONT "$PID"
  echo "round $round: ironstack keepalive_rps=${node_ka_runs[-1]} new_conn_rps=${node_hs_runs[-1]}; $anchor"
  ngx_ka_runs+=("$(echo "$anchor" | sed -n 's/.*keepalive_rps=\([0-9.]*\).*/\1/p')")
  ngx_hs_runs+=("$(echo "$anchor" | sed -n 's/.*new_conn_rps=\([0-9.]*\).*/\1/p')")
done
rss_after_kb=$(awk '/VmRSS/{print $2}' "/proc/$PID/status")
kill "$PID"; wait "$PID" 2>/dev/null || true; PID=
node_ka=$(mean "${node_ka_runs[@]}"); node_hs=$(mean "${node_hs_runs[@]}")
ngx_ka=$(mean "${ngx_ka_runs[@]}"); ngx_hs=$(mean "${ngx_hs_runs[@]}")
anchor="nginx keepalive_rps=$ngx_ka new_conn_rps=$ngx_hs (mean of 2)"

ratio() { awk -v a="$1" -v b="$2" 'BEGIN{ if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }
echo "ironstack keepalive_rps=$node_ka (mean of 2) new_conn_rps=$node_hs idle_rss_mb=$((rss_kb / 1024)) rss_after_load_mb=$((rss_after_kb / 1024)) first_answer_ms=$first_ms first_authenticated_answer_ms=$first_auth_ms"
echo "$anchor"
echo "ironstack cpu_us_per_keepalive_request=$(awk -v c="$ka_cpu_ms" -v n="$req_total" 'BEGIN{ if (n > 0) printf "%.1f", c * 1000 / n; else print "n/a" }')"
echo "ratio keepalive=$(ratio "$node_ka" "$ngx_ka") new_conn=$(ratio "$node_hs" "$ngx_hs")"
