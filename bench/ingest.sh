#!/usr/bin/env bash
# Bench: end-to-end ingest and dashboard queries, with tantivy's raw rate as the anchor, in
# one run on one machine.
#  1. DOCS Metricbeat-like documents (~1 KB, the generator of the store's `ingest_raw`
#     example) are sent through `_bulk` (1,000 per request, `create`, generated ids) over
#     HTTPS with basic auth to a secured `ironstack node` (default `index.translog.durability:
#     request`: each acknowledged request is fsynced) by CLIENTS concurrent keep-alive clients.
#  2. Once merges have settled (segment count stable for 5 s), the dashboard queries
#     (date_histogram + avg per host, terms, percentiles, the latest documents of one host)
#     over all of them, 50 times each, p50/p99 as the client sees them.
#  3. Disk bytes per document against the raw JSON, the node's peak RSS.
#  4. The same documents through the engine in-process and through tantivy alone (one writer,
#     same fields, no log): `ingest_raw`. End to end / tantivy is the ratio the README reports.
# Usage: bench/ingest.sh [DOCS] [CLIENTS]   (defaults 1000000 4; bounded: DOCS / 2,000 s at most)
set -euo pipefail
cd "$(dirname "$0")/.."
DOCS=${1:-1000000}
CLIENTS=${2:-4}
cargo build --release -q -p ironstack
cargo build --release -q -p ironstack-store --example ingest_raw
BIN=$PWD/target/release/ironstack
RAW=$PWD/target/release/examples/ingest_raw
WORK=$(mktemp -d /tmp/ironstack-ingest.XXXX)
PID=
cleanup() {
  local rc=$?
  [ "$rc" -ne 0 ] && [ -f "$WORK/home/node.log" ] && { echo "-- node.log (last lines):"; tail -20 "$WORK/home/node.log"; }
  [ -n "$PID" ] && kill "$PID" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$WORK"
}
trap cleanup EXIT

echo "== generating $DOCS documents"
"$RAW" emit "$WORK/bulk.ndjson" "$DOCS"
JSON_BYTES=$(( $(stat -c %s "$WORK/bulk.ndjson") - DOCS * 14 ))

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
mkdir -p "$WORK/home"
(cd "$WORK/home" && exec "$BIN" node -E "http.port=$port" -E http.host=127.0.0.1 >node.log 2>&1) &
PID=$!
for _ in $(seq 1 1200); do grep -q "Password for the elastic user" "$WORK/home/node.log" 2>/dev/null && break; sleep 0.05; done
PW=$( (grep -A1 "Password for the elastic user" "$WORK/home/node.log" || true) | tail -1 | tr -d ' ')
[ -n "$PW" ] || { echo "no password printed"; cat "$WORK/home/node.log"; exit 1; }
NODE_PID=$(pgrep -f "node -E http.port=$port" | head -1 || true)
[ -n "$NODE_PID" ] || { echo "the node is not running"; cat "$WORK/home/node.log"; exit 1; }

python3 - "$WORK/bulk.ndjson" "$port" "$WORK/home/config/certs/http_ca.crt" "$PW" "$CLIENTS" "$DOCS" "$JSON_BYTES" "$NODE_PID" "$WORK/home" <<'PY'
import base64, http.client, json, multiprocessing, os, ssl, subprocess, sys, time
path, port, ca, pw, clients, docs, json_bytes, pid, home = sys.argv[1:10]
port, clients, docs, json_bytes = int(port), int(clients), int(docs), int(json_bytes)
AUTH = {"Authorization": "Basic " + base64.b64encode(f"elastic:{pw}".encode()).decode()}
INDEX = "metricbeat-bench"

def conn():
    return http.client.HTTPSConnection("127.0.0.1", port, context=ssl.create_default_context(cafile=ca), timeout=120)

def call(c, method, url, body=None):
    headers = dict(AUTH)
    if body is not None:
        headers["Content-Type"] = "application/x-ndjson" if url.startswith("/_bulk") or "/_bulk" in url else "application/json"
    c.request(method, url, body=body, headers=headers)
    r = c.getresponse()
    data = r.read()
    if r.status >= 300:
        raise SystemExit(f"{method} {url}: {r.status} {data[:300]!r}")
    return json.loads(data) if data else None

# Batch offsets: 1,000 documents (2,000 lines) per request.
offsets = [0]
with open(path, "rb") as f:
    n = 0
    for line in f:
        n += 1
        if n % 2000 == 0:
            offsets.append(f.tell())
    end = f.tell()
if offsets[-1] != end:
    offsets.append(end)
batches = list(zip(offsets, offsets[1:]))

c = conn()
call(c, "PUT", f"/{INDEX}", json.dumps({
    "settings": {"number_of_shards": 1, "number_of_replicas": 0},
    "mappings": {
        "dynamic_templates": [{"strings_as_keyword": {"match_mapping_type": "string", "mapping": {"type": "keyword", "ignore_above": 1024}}}],
        "properties": {"@timestamp": {"type": "date"}, "message": {"type": "text"}},
    },
}))

def send(worker):
    c = conn()
    with open(path, "rb") as f:
        for i in range(worker, len(batches), clients):
            start, stop = batches[i]
            f.seek(start)
            body = f.read(stop - start)
            r = call(c, "POST", f"/{INDEX}/_bulk?filter_path=errors,items.*.error", body)
            if r.get("errors"):
                raise SystemExit(f"bulk errors: {json.dumps(r)[:500]}")

t0 = time.monotonic()
with multiprocessing.Pool(clients) as pool:
    pool.map(send, range(clients))
acked = time.monotonic() - t0
# The node closes connections idle past http.read_timeout: a new one for what follows.
c = conn()
call(c, "POST", f"/{INDEX}/_refresh")
visible = time.monotonic() - t0
count = call(c, "GET", f"/{INDEX}/_count")["count"]
assert count == docs, (count, docs)
with open(os.path.join(os.path.dirname(path), "e2e_rate"), "w") as out:
    out.write(f"{docs / visible:.0f}")
print(f"end to end: {docs / acked:.0f} docs/s acknowledged ({acked:.1f} s), {docs / visible:.0f} docs/s searchable, {clients} clients, 1,000 per _bulk")
with open(f"/proc/{pid}/status") as s:
    hwm = next(int(l.split()[1]) for l in s if l.startswith("VmHWM:"))
data_bytes = int(subprocess.run(["du", "-sb", os.path.join(home, "data")], capture_output=True, text=True).stdout.split()[0])
print(f"end to end: {data_bytes / docs:.0f} bytes/doc on disk ({data_bytes / json_bytes:.2f}x the JSON, {json_bytes / docs:.0f} bytes/doc); node peak RSS {hwm // 1024} MB")

# As Rally's tracks do before their query phase: let the merges that follow a bulk load settle
# (the segment count unchanged for 5 s, 180 s at most), so that queries do not share the
# cores with them.
settle_start, last, stable = time.monotonic(), None, 0
while stable < 5 and time.monotonic() - settle_start < 180:
    segments = call(c, "GET", f"/{INDEX}/_stats/segments")["_all"]["primaries"]["segments"]["count"]
    stable = stable + 1 if segments == last else 0
    last = segments
    time.sleep(1)
print(f"queries: {last} segments, after {time.monotonic() - settle_start:.0f} s for merges to settle")

queries = {
    "date_histogram + avg per host": {"size": 0, "aggs": {"hosts": {"terms": {"field": "host.name", "size": 50},
        "aggs": {"t": {"date_histogram": {"field": "@timestamp", "fixed_interval": "1h"},
                       "aggs": {"cpu": {"avg": {"field": "system.cpu.total.pct"}}}}}}}},
    "terms": {"size": 0, "aggs": {"hosts": {"terms": {"field": "host.name", "size": 10}}}},
    "percentiles": {"size": 0, "aggs": {"p": {"percentiles": {"field": "system.cpu.total.pct"}}}},
    "latest 10 of one host": {"size": 10, "query": {"term": {"host.name": "host-007"}}, "sort": [{"@timestamp": "desc"}]},
}
for name, q in queries.items():
    body = json.dumps(q)
    call(c, "POST", f"/{INDEX}/_search", body)
    times = []
    for _ in range(50):
        s = time.monotonic()
        r = call(c, "POST", f"/{INDEX}/_search", body)
        times.append((time.monotonic() - s) * 1000)
    times.sort()
    print(f"query {name}: p50 {times[24]:.1f} ms, p99 {times[49]:.1f} ms (server took {r['took']} ms)")
PY
kill "$PID"; wait "$PID" 2>/dev/null || true; PID=
rm -f "$WORK/bulk.ndjson"

echo "== the same documents in-process: the engine, then tantivy alone"
"$RAW" "$DOCS" "$CLIENTS" | grep -E "^(engine:|tantivy alone|engine / tantivy)" | tee "$WORK/raw.txt"
E2E=$(cat "$WORK/e2e_rate")
TANTIVY=$(grep -oP '^tantivy alone: \K[0-9]+' "$WORK/raw.txt")
python3 -c "print(f'end to end (searchable) / tantivy alone: {$E2E / $TANTIVY:.2f}x ($E2E vs $TANTIVY docs/s)')"
