#!/usr/bin/env python3
"""Prints HOURS of Stack Monitoring documents, every 10 s up to now, as NDJSON `_bulk` lines:
what Metricbeat's elasticsearch module writes in xpack mode into `.monitoring-es-8-mb`
(cluster_stats, node_stats, index_summary, index for 3 indices) and a shipper's internal
collection into `.monitoring-beats-7-<date>` (beats_stats), for one cluster and one node.

Usage: monitoring_day.py CLUSTER_UUID [HOURS]   (default 24 hours: 8,640 timestamps)
"""
import json
import sys
import time
from datetime import datetime, timezone

NODE = "bench-node-id"


def iso(ms):
    return datetime.fromtimestamp(ms / 1000, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms % 1000:03d}Z"


def common(ts, cluster, metricset):
    return {
        "@timestamp": ts,
        "metricset": {"name": metricset, "period": 10000},
        "event": {"dataset": f"elasticsearch.{metricset}", "module": "elasticsearch", "duration": 1200000},
        "service": {"name": "elasticsearch", "type": "elasticsearch", "address": "https://localhost:9200"},
        "ecs": {"version": "8.0.0"},
        "agent": {"type": "metricbeat", "version": "9.1.0", "name": "shipper-1"},
        "host": {"name": "host-1"},
        "elasticsearch": {"cluster": {"id": cluster, "name": "bench"}},
    }


def merged(base, extra):
    for k, v in extra.items():
        if isinstance(v, dict) and isinstance(base.get(k), dict):
            merged(base[k], v)
        else:
            base[k] = v
    return base


def main():
    cluster = sys.argv[1]
    hours = int(sys.argv[2]) if len(sys.argv) > 2 else 24
    steps = hours * 360
    now = int(time.time() * 1000)
    out = sys.stdout
    es_action = json.dumps({"create": {"_index": ".monitoring-es-8-mb"}})
    for i in range(steps):
        at = now - (steps - 1 - i) * 10000 - 1000
        ts = iso(at)
        queries, indexed = 1000 + i * 50, 5000 + i * 100
        docs = [
            merged(common(ts, cluster, "node_stats"), {"elasticsearch": {"node": {
                "id": NODE, "name": "node-1", "master": True, "mlockall": False, "stats": {
                    "jvm": {"mem": {"heap": {"used": {"bytes": 400000000, "pct": 40}, "max": {"bytes": 1000000000}}}},
                    "indices": {"docs": {"count": indexed}, "store": {"size": {"bytes": 2000000}},
                                "indexing": {"index_total": {"count": indexed}, "index_time": {"ms": indexed // 2}},
                                "search": {"query_total": {"count": queries}, "query_time": {"ms": queries * 2}},
                                "segments": {"count": 12}},
                    "fs": {"summary": {"total": {"bytes": 100000000000}, "available": {"bytes": 50000000000},
                                       "free": {"bytes": 55000000000}}},
                    "os": {"cpu": {"load_avg": {"1m": 0.5}}},
                    "process": {"cpu": {"pct": 20 + i % 10}}}}}}),
            merged(common(ts, cluster, "cluster_stats"), {"elasticsearch": {"version": 12, "cluster": {"stats": {
                "status": "green",
                "nodes": {"count": 1, "master": 1, "versions": ["9.1.0"],
                          "fs": {"total": {"bytes": 100000000000}, "available": {"bytes": 50000000000}},
                          "jvm": {"max_uptime": {"ms": 7200000 + i * 10000},
                                  "memory": {"heap": {"used": {"bytes": 400000000}, "max": {"bytes": 1000000000}}}}},
                "indices": {"total": 3, "docs": {"total": 4242}, "shards": {"count": 3, "primaries": 3},
                            "store": {"size": {"bytes": 2000000}}},
                "license": {"status": "active", "type": "basic"},
                "state": {"master_node": NODE, "state_uuid": "state-1", "nodes": {NODE: {"name": "node-1"}}}}}}}),
            merged(common(ts, cluster, "index_summary"), {"elasticsearch": {"index": {"summary": {
                part: {"docs": {"count": indexed}, "store": {"size": {"bytes": 2000000}},
                       "indexing": {"index": {"count": indexed, "time": {"ms": indexed // 2}}},
                       "search": {"query": {"count": queries, "time": {"ms": queries * 2}}}}
                for part in ("primaries", "total")}}}}),
        ]
        for name, count, rate in (("logs-app", 3000, 8), ("metrics-app", 1200, 2), (".kibana_1", 42, 0)):
            total = 100 + i * rate * 10
            stats = {"docs": {"count": count}, "store": {"size_in_bytes": count * 100},
                     "indexing": {"index_total": total, "index_time_in_millis": total // 2},
                     "search": {"query_total": total // 2, "query_time_in_millis": total}, "segments": {"count": 4}}
            docs.append(merged(common(ts, cluster, "index"), {"elasticsearch": {"index": {
                "name": name, "uuid": f"{name}-uuid", "status": "green", "hidden": name.startswith("."),
                "shards": {"total": 1, "primaries": 1}, "primaries": stats, "total": stats}}}))
        for doc in docs:
            out.write(es_action + "\n" + json.dumps(doc) + "\n")
        day = datetime.fromtimestamp(at / 1000, timezone.utc).strftime("%Y.%m.%d")
        events = 4200 + i * 60
        beat = {"timestamp": ts, "type": "beats_stats", "interval_ms": 10000, "cluster_uuid": cluster,
                "beats_stats": {"timestamp": ts,
                                "beat": {"type": "metricbeat", "version": "9.1.0", "name": "shipper-1", "host": "host-1",
                                         "uuid": "bench-beat-uuid"},
                                "metrics": {
                                    "beat": {"cpu": {"total": {"value": 5120 + i * 10}}, "memstats": {"rss": 20000000},
                                             "info": {"uptime": {"ms": 600000 + i * 10000}}},
                                    "libbeat": {"output": {"type": "elasticsearch",
                                                           "events": {"total": events, "acked": events, "failed": 0,
                                                                      "dropped": 0, "active": 0},
                                                           "write": {"bytes": 1834221 + i * 30000, "errors": 0},
                                                           "read": {"bytes": 90422 + i * 1000, "errors": 0}},
                                                "pipeline": {"events": {"total": events, "published": events,
                                                                        "failed": 0, "dropped": 0, "retry": 0,
                                                                        "active": i % 5}}},
                                    "system": {"cpu": {"cores": 2}, "load": {"1": 0.42, "5": 0.35, "15": 0.3}}}}}
        out.write(json.dumps({"create": {"_index": f".monitoring-beats-7-{day}"}}) + "\n" + json.dumps(beat) + "\n")


if __name__ == "__main__":
    main()
