#!/usr/bin/env bash
# Bench: the shipper against a local secured node over HTTPS (`verification_mode: full`), with
# the official Python client as the anchor, in one run on one machine.
#  1. EVENTS synthetic Metricbeat `system.cpu` events through the shipper's real pipeline and
#     output (the `synthetic` example of crates/shipper: memory queue, batches of
#     bulk_max_size 1600, one worker, `create` with the content `_id`s): events/s until every
#     one is acknowledged, and the shipper's CPU time per 10,000 events (the cost of making
#     the documents is measured first and taken out).
#  2. The anchor: the same documents (dumped by the example) sent by the `elasticsearch`
#     client's `helpers.streaming_bulk` (`create`, the same `_id`s, chunks of 1600, one
#     connection) into a data stream with the shipper's own template. Reported: shipper ÷ anchor.
#  3. `ironstack shipper` as shipped (the system module every 10 s) for 35 s: RSS idle (the
#     lowest between fetches) and at its peak, and its CPU time.
# Usage: bench/shipper.sh [EVENTS]   (default 200000; bounded: every step has a time limit)
# Needs IRONSTACK_PYTHON (or python3) with the `elasticsearch` package.
set -euo pipefail
cd "$(dirname "$0")/.."
EVENTS=${1:-200000}
PY=${IRONSTACK_PYTHON:-python3}
cargo build --release -q -p ironstack
cargo build --release -q -p ironstack-shipper --example synthetic
BIN=$PWD/target/release/ironstack
SYN=$PWD/target/release/examples/synthetic
WORK=$(mktemp -d /tmp/ironstack-shipper-bench.XXXX)
PID=
SHIPPER=
cleanup() {
  local rc=$?
  [ "$rc" -ne 0 ] && [ -f "$WORK/home/node.log" ] && { echo "-- node.log (last lines):"; tail -20 "$WORK/home/node.log"; }
  [ -n "$SHIPPER" ] && kill "$SHIPPER" 2>/dev/null
  [ -n "$PID" ] && kill "$PID" 2>/dev/null
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT
echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"

port=$("$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
mkdir -p "$WORK/home" "$WORK/shipper" "$WORK/idle"
(cd "$WORK/home" && exec "$BIN" node -E "http.port=$port" -E http.host=127.0.0.1 >node.log 2>&1) &
PID=$!
for _ in $(seq 1 1200); do grep -q "Password for the elastic user" "$WORK/home/node.log" 2>/dev/null && break; sleep 0.05; done
PW=$( (grep -A1 "Password for the elastic user" "$WORK/home/node.log" || true) | tail -1 | tr -d ' ')
[ -n "$PW" ] || { echo "no password printed"; cat "$WORK/home/node.log"; exit 1; }
CA=$WORK/home/config/certs/http_ca.crt
export ES_PWD=$PW

for d in shipper idle; do
  cat >"$WORK/$d/shipper.yml" <<EOF
output.elasticsearch:
  hosts: ["https://localhost:$port"]
  username: elastic
  password: "\${ES_PWD}"
  ssl:
    certificate_authorities: ["$CA"]
    verification_mode: full
queue.mem.flush.timeout: 1s
logging.metrics.enabled: false
EOF
  chmod 600 "$WORK/$d/shipper.yml"
done

echo "== 1. $EVENTS synthetic events through the shipper's pipeline and output"
timeout 600 "$SYN" run "$WORK/shipper" "$EVENTS" | tee "$WORK/shipper.json"

echo "== 2. the anchor: the same documents with elasticsearch-py helpers.streaming_bulk"
"$SYN" dump "$WORK/docs.ndjson" "$EVENTS"
timeout 600 "$PY" - "$WORK/docs.ndjson" "$port" "$CA" "$PW" "$EVENTS" "$WORK/shipper.json" <<'PY'
import json, sys, time
from elasticsearch import Elasticsearch, helpers
path, port, ca, pw, events, shipper = sys.argv[1:7]
es = Elasticsearch(f"https://localhost:{port}", ca_certs=ca, basic_auth=("elastic", pw), request_timeout=120)
# The shipper's template, for a data stream of the anchor's own: the same mappings.
tpl = es.indices.get_index_template(name="metricbeat-9.1.0")["index_templates"][0]["index_template"]
es.indices.put_index_template(name="bench-anchor", index_patterns=["bench-anchor"],
                              data_stream=tpl.get("data_stream", {}), template=tpl.get("template", {}),
                              composed_of=tpl.get("composed_of", []), priority=tpl.get("priority", 0) + 1)
import hashlib, base64
def actions():
    with open(path) as f:
        for line in f:
            src = line.rstrip("\n")
            # The shipper's _id: the first 15 bytes of the source's SHA-256, base64url.
            _id = base64.urlsafe_b64encode(hashlib.sha256(src.encode()).digest()[:15]).decode().rstrip("=")
            yield {"_op_type": "create", "_index": "bench-anchor", "_id": _id, "_source": src}
t0 = time.monotonic()
ok = 0
for success, item in helpers.streaming_bulk(es, actions(), chunk_size=1600, max_chunk_bytes=100 * 1024 * 1024, raise_on_error=True):
    ok += success
seconds = time.monotonic() - t0
assert ok == int(events), (ok, events)
rate = ok / seconds
s = json.load(open(shipper))
print(f"anchor (streaming_bulk): {rate:.0f} events/s ({seconds:.1f} s)")
print(f"shipper: {s['events_per_s']:.0f} events/s ({s['seconds']:.1f} s), {s['cpu_ms_per_10k']:.0f} ms CPU per 10,000 events, peak RSS {s['rss_max_bytes'] / 1048576:.1f} MB")
print(f"shipper / anchor: {s['events_per_s'] / rate:.2f}x")
PY
rm -f "$WORK/docs.ndjson"

echo "== 3. ironstack shipper as shipped (system module every 10 s) for 35 s"
(cd "$WORK/idle" && exec "$BIN" shipper -e >shipper.log 2>&1) &
SHIPPER=$!
sleep 5
min=999999999; max=0
for _ in $(seq 1 60); do
  rss=$(awk '/^VmRSS:/ {print $2}' "/proc/$SHIPPER/status" 2>/dev/null || echo 0)
  [ "$rss" -gt 0 ] && [ "$rss" -lt "$min" ] && min=$rss
  [ "$rss" -gt "$max" ] && max=$rss
  sleep 0.5
done
hwm=$(awk '/^VmHWM:/ {print $2}' "/proc/$SHIPPER/status")
ticks=$(awk '{print $14 + $15}' "/proc/$SHIPPER/stat")
hz=$(getconf CLK_TCK)
kill -TERM "$SHIPPER"; wait "$SHIPPER" || { echo "the shipper did not exit 0"; tail -20 "$WORK/idle/shipper.log"; exit 1; }
SHIPPER=
echo "shipper RSS idle (lowest between fetches): $((min / 1024)) MB ($min kB); peak: $((hwm / 1024)) MB; CPU over 35 s: $((ticks * 1000 / hz)) ms"
kill "$PID"; wait "$PID" 2>/dev/null || true; PID=
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
