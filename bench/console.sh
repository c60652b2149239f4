#!/usr/bin/env bash
# Bench: `ironstack console` pages over HTTPS, loopback only, against a secured `ironstack node`:
# time per page as the browser waits for it (request sent to body read, one TLS connection kept
# alive; the node's answers are part of it), p50 / p95 over N sequential requests and over N
# more from CONC concurrent connections, for the login page, the login API (back to back, and on
# a quiet console), the users and roles lists as a logged-in `elastic`, and `/api/status`; the
# console's RSS idle and after the pages (/proc); the cold start to ready (spawn to "Kibana is now available" and to the first 200 of
# `/api/status`, median of several starts against a node the console already set up); and, in
# the same run with the same client (bench/console_client.py), an nginx + OpenSSL anchor: one
# worker per core, TLS 1.3, keep-alive, the same certificate, serving the users page's HTML as
# a static file of the same size. Two rounds (console pages, anchor, console pages, anchor),
# pooled, so that drift on the machine moves both alike. Prints the load average before and after.
# Usage: bench/console.sh [N] [CONC]   (defaults 200 and 4; N/20 for the login API, whose every
#        answer waits for a node refresh; bounded: about 1-2 minutes plus the release build;
#        everything it starts is stopped on exit)
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-200}
CONC=${2:-4}
COLD_RUNS=5
# A login writes its session with `refresh=wait_for`, so back to back it waits for the node's
# next periodic refresh (about 1 s): fewer of them keep the run short.
N_LOGIN=$(( N / 20 > 4 ? N / 20 : 4 ))
CLIENT=$PWD/bench/console_client.py
for tool in nginx curl unzip; do
  command -v "$tool" >/dev/null || {
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx curl unzip) >/dev/null 2>&1 \
      || { echo "cannot install nginx/curl/unzip"; exit 1; }
    break
  }
done
cargo build --release -q -p ironstack
BIN=$PWD/target/release/ironstack
HOME_DIR=$(mktemp -d /tmp/ironstack-bench-console.XXXX)
NODE_PID= CONSOLE_PID= NGINX_DIR=
cleanup() {
  [ -n "$CONSOLE_PID" ] && kill -CONT "$CONSOLE_PID" 2>/dev/null && kill "$CONSOLE_PID" 2>/dev/null
  [ -n "$NODE_PID" ] && kill -CONT "$NODE_PID" 2>/dev/null && kill "$NODE_PID" 2>/dev/null
  [ -n "$NGINX_DIR" ] && [ -f "$NGINX_DIR/nginx.pid" ] && kill "$(cat "$NGINX_DIR/nginx.pid")" 2>/dev/null
  wait 2>/dev/null || true
  rm -rf "$HOME_DIR" ${NGINX_DIR:+"$NGINX_DIR"}
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
NODE_PORT=$(free_port); CONSOLE_PORT=$(free_port); NGINX_PORT=$(free_port)
echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg) ($(nproc) cores)"

# The node: first start (auto-configuration), the elastic password from its banner.
(cd "$HOME_DIR" && exec "$BIN" node -E "http.port=$NODE_PORT" -E http.host=127.0.0.1 >node.log 2>&1) &
NODE_PID=$!
for _ in $(seq 1 200); do grep -q "Password for the elastic user" "$HOME_DIR/node.log" 2>/dev/null && break; sleep 0.05; done
PW=$(grep -A1 "Password for the elastic user" "$HOME_DIR/node.log" | tail -1 | tr -d ' ')
[ -n "$PW" ] || { echo "no password printed"; cat "$HOME_DIR/node.log"; exit 1; }
NODE_CA=$HOME_DIR/config/certs/http_ca.crt
for _ in $(seq 1 100); do curl -s -o /dev/null --cacert "$NODE_CA" "https://127.0.0.1:$NODE_PORT/" && break; sleep 0.05; done
api() { curl -sS --fail-with-body --cacert "$NODE_CA" -u "elastic:$PW" -H 'Content-Type: application/json' "$@" >/dev/null; }
KS_PW=bench-kibana-system-password
api -X POST "https://127.0.0.1:$NODE_PORT/_security/user/kibana_system/_password" -d "{\"password\":\"$KS_PW\"}"
# Something to list besides the built-in ones: 20 roles and 20 users holding them.
for i in $(seq -w 1 20); do
  api -X PUT "https://127.0.0.1:$NODE_PORT/_security/role/bench_role_$i" \
    -d "{\"cluster\":[\"monitor\"],\"indices\":[{\"names\":[\"logs-$i-*\"],\"privileges\":[\"read\",\"view_index_metadata\"]}]}"
  api -X PUT "https://127.0.0.1:$NODE_PORT/_security/user/bench_user_$i" \
    -d "{\"password\":\"bench-password-$i\",\"roles\":[\"bench_role_$i\",\"kibana_admin\"],\"full_name\":\"Bench User $i\",\"email\":\"user$i@example.com\"}"
done

# The console's certificate (certutil, PEM) and console.yml.
C=$HOME_DIR/console
mkdir -p "$C"
(cd "$C" && "$BIN" certutil ca --silent --pem --out ca.zip && unzip -q ca.zip \
  && "$BIN" certutil cert --silent --pem --ca-cert ca/ca.crt --ca-key ca/ca.key --name console \
       --dns localhost --ip 127.0.0.1 --out console.zip && unzip -q console.zip) >/dev/null
CA=$C/ca/ca.crt
cat >"$C/console.yml" <<YML
server.host: 127.0.0.1
server.port: $CONSOLE_PORT
server.ssl.enabled: true
server.ssl.certificate: $C/console/console.crt
server.ssl.key: $C/console/console.key
elasticsearch.hosts: ["https://127.0.0.1:$NODE_PORT"]
elasticsearch.username: kibana_system
elasticsearch.password: \${KS_PW}
elasticsearch.ssl.certificateAuthorities: ["$NODE_CA"]
xpack.security.encryptionKey: "bench-encryption-key-of-at-least-32-characters"
YML
export KS_PW
CONSOLE=("$BIN" console -c "$C/console.yml")

# Cold start: the first start (creates the session index and .kibana, registers the application
# privileges), then COLD_RUNS starts against the node it set up (what every later start does).
first=$(python3 "$CLIENT" coldstart "$CONSOLE_PORT" "$CA" 1 -- "${CONSOLE[@]}")
again=$(python3 "$CLIENT" coldstart "$CONSOLE_PORT" "$CA" "$COLD_RUNS" -- "${CONSOLE[@]}")
echo "cold start, first (sets up the node): $first"
echo "cold start, median of $COLD_RUNS: $again"

# The console under measurement.
"${CONSOLE[@]}" >"$C/console.log" 2>&1 &
CONSOLE_PID=$!
for _ in $(seq 1 300); do
  [ "$(curl -s -o /dev/null -w '%{http_code}' --cacert "$CA" "https://127.0.0.1:$CONSOLE_PORT/api/status")" = 200 ] && break
  sleep 0.05
done
sleep 2
rss() { awk '/VmRSS/{print int($2 / 1024)}' "/proc/$CONSOLE_PID/status"; }
rss_idle=$(rss)
COOKIE=$(python3 "$CLIENT" login "$CONSOLE_PORT" "$CA" elastic "$PW")
LOGIN_BODY="{\"providerType\":\"basic\",\"providerName\":\"basic\",\"currentURL\":\"https://127.0.0.1:$CONSOLE_PORT/login\",\"params\":{\"username\":\"elastic\",\"password\":\"$PW\"}}"

# Stack Monitoring: a day of 10 s monitoring documents (8,640 timestamps: cluster_stats,
# node_stats, index_summary, 3 indices, one shipper's beats_stats; bench/monitoring_day.py),
# bulk-loaded as elastic, then the overview over the last 24 hours is measured below.
CLUSTER_UUID=$(curl -s --cacert "$NODE_CA" -u "elastic:$PW" "https://127.0.0.1:$NODE_PORT/" \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["cluster_uuid"])')
python3 "$(dirname "$0")/monitoring_day.py" "$CLUSTER_UUID" 24 >"$HOME_DIR/monitoring.ndjson"
split -l 20000 "$HOME_DIR/monitoring.ndjson" "$HOME_DIR/monitoring.part."
load_started=$(date +%s.%N)
for part in "$HOME_DIR"/monitoring.part.*; do
  curl -sS --fail-with-body --cacert "$NODE_CA" -u "elastic:$PW" -H 'Content-Type: application/x-ndjson' \
    --data-binary "@$part" "https://127.0.0.1:$NODE_PORT/_bulk" | grep -q '"errors":false' \
    || { echo "loading the monitoring documents failed"; exit 1; }
done
curl -sS --cacert "$NODE_CA" -u "elastic:$PW" -X POST "https://127.0.0.1:$NODE_PORT/.monitoring-*/_refresh" >/dev/null
echo "a day of monitoring documents ($(($(wc -l <"$HOME_DIR/monitoring.ndjson") / 2))) loaded in $(python3 -c "import time; print(round(time.time() - $load_started, 1))") s"
monitoring_status=$(curl -s -o "$HOME_DIR/overview.html" -w '%{http_code}' --cacert "$CA" -H "cookie: $COOKIE" \
  "https://127.0.0.1:$CONSOLE_PORT/app/monitoring?from=now-24h&to=now")
grep -q 'data-test-subj="nodesCount">1<' "$HOME_DIR/overview.html" \
  || { echo "the Stack Monitoring overview does not show the node (HTTP $monitoring_status)"; exit 1; }

# The anchor: nginx serving the users page's HTML, as fetched now, as a static file.
NGINX_DIR=$(mktemp -d /tmp/nginx-console-anchor.XXXX)
chmod 755 "$NGINX_DIR"
curl -s --cacert "$CA" -H "cookie: $COOKIE" -o "$NGINX_DIR/users.html" \
  "https://127.0.0.1:$CONSOLE_PORT/app/management/security/users"
chmod 644 "$NGINX_DIR/users.html"
cat >"$NGINX_DIR/nginx.conf" <<NGX
worker_processes $(nproc);
pid $NGINX_DIR/nginx.pid;
error_log $NGINX_DIR/error.log;
events { worker_connections 1024; }
http {
  access_log off;
  server {
    listen 127.0.0.1:$NGINX_PORT ssl;
    ssl_certificate $C/console/console.crt;
    ssl_certificate_key $C/console/console.key;
    ssl_protocols TLSv1.3;
    keepalive_requests 1000000;
    location / { default_type text/html; root $NGINX_DIR; rewrite ^ /users.html break; }
  }
}
NGX

OUT=$HOME_DIR/samples
mkdir -p "$OUT"
m() { python3 "$CLIENT" measure "$CONSOLE_PORT" "$CA" "$1" "${COUNT:-$N}" "$CONC" "$OUT" "${@:2}"; }
for round in 1 2; do
  m login_page /login
  COUNT=$N_LOGIN m login_api --post "$LOGIN_BODY" /internal/security/login
  # A login on a quiet console: 1.2 s after the previous one, so the node's periodic refresh
  # of the session index is due at its next tick (100 ms) rather than a full interval away.
  python3 "$CLIENT" measure "$CONSOLE_PORT" "$CA" login_api_quiet 5 1 "$OUT" --pause 1.2 \
    --post "$LOGIN_BODY" /internal/security/login
  m users_list --cookie "$COOKIE" /app/management/security/users
  m roles_list --cookie "$COOKIE" /app/management/security/roles
  m status --cookie "$COOKIE" /api/status
  m status_anonymous /api/status
  m monitoring_overview --cookie "$COOKIE" "/app/monitoring?from=now-24h&to=now"
  # What the node alone takes for the lists the users and roles pages fetch (as elastic).
  python3 "$CLIENT" measure "$NODE_PORT" "$NODE_CA" node_security_user "$N" 1 "$OUT" --basic "elastic:$PW" /_security/user
  python3 "$CLIENT" measure "$NODE_PORT" "$NODE_CA" node_security_role "$N" 1 "$OUT" --basic "elastic:$PW" /_security/role
  # The console and the node idle while nginx is measured.
  kill -STOP "$CONSOLE_PID" "$NODE_PID"
  nginx -c "$NGINX_DIR/nginx.conf"
  for _ in $(seq 1 100); do curl -s -o /dev/null --cacert "$CA" "https://127.0.0.1:$NGINX_PORT/" && break; sleep 0.05; done
  python3 "$CLIENT" measure "$NGINX_PORT" "$CA" nginx_users_html "$N" "$CONC" "$OUT" /app/management/security/users
  kill "$(cat "$NGINX_DIR/nginx.pid")"
  for _ in $(seq 1 100); do [ -f "$NGINX_DIR/nginx.pid" ] || break; sleep 0.05; done
  kill -CONT "$CONSOLE_PID" "$NODE_PID"
done
rss_loaded=$(rss)

echo "--- per page (ms, as the client waits: request sent to body read; $N sequential + $N over $CONC connections per round ($N_LOGIN for the login API), 2 rounds pooled)"
summary=$(python3 "$CLIENT" summary "$OUT")
echo "$summary"
p50() { echo "$summary" | sed -n "s/^$1: .*sequential n=[0-9]* p50_ms=\([0-9.]*\).*/\1/p"; }
ratio() { awk -v a="$(p50 "$1")" -v b="$(p50 nginx_users_html)" 'BEGIN{ if (b > 0) printf "%.1f", a / b; else print "n/a" }'; }
echo "--- ratio of sequential p50 to nginx's (same client, same size):" \
  "users_list=$(ratio users_list) roles_list=$(ratio roles_list) login_page=$(ratio login_page)" \
  "login_api=$(ratio login_api) login_api_quiet=$(ratio login_api_quiet) status=$(ratio status) status_anonymous=$(ratio status_anonymous)"
echo "console rss_idle_mb=$rss_idle rss_loaded_mb=$rss_loaded"
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
