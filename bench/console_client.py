#!/usr/bin/env python3
"""Measuring client for bench/console.sh: the same client measures the console and the nginx
anchor. Per-request latency is from sending the request to having read the whole body, over
one TLS connection kept alive (http.client + ssl), so it is what a browser on loopback waits.

  console_client.py login PORT CA USER PASSWORD          -> prints the `sid=...` cookie
  console_client.py measure PORT CA NAME N CONC OUTDIR [--cookie C] [--basic USER:PW] [--post BODY]
                    [--pause SECONDS] [--expect S] PATH
      N sequential requests (appended, in ms, to OUTDIR/NAME.seq), then, if CONC > 1, N more
      spread over CONC connections in threads (OUTDIR/NAME.conc, and the wall time in
      OUTDIR/NAME.wall); every answer must have status S (default 200); --pause waits before
      each request (not counted).
  console_client.py summary OUTDIR                         -> one line per NAME
  console_client.py coldstart PORT CA RUNS -- CMD...       -> spawns CMD RUNS times; prints the
      ms to the "Kibana is now available" line and to the first 200 of GET /api/status
"""
import base64
import http.client
import json
import os
import ssl
import statistics
import subprocess
import sys
import threading
import time


def context(ca):
    ctx = ssl.create_default_context(cafile=ca)
    return ctx


def connect(port, ctx):
    return http.client.HTTPSConnection("127.0.0.1", port, context=ctx, timeout=30)


def one(conn, method, path, body, headers):
    t0 = time.perf_counter_ns()
    conn.request(method, path, body=body, headers=headers)
    r = conn.getresponse()
    data = r.read()
    return (time.perf_counter_ns() - t0) / 1e6, r.status, data, r


def login(port, ca, user, password):
    conn = connect(port, context(ca))
    body = json.dumps({
        "providerType": "basic", "providerName": "basic",
        "currentURL": f"https://127.0.0.1:{port}/login",
        "params": {"username": user, "password": password},
    })
    _, status, data, r = one(conn, "POST", "/internal/security/login", body,
                             {"kbn-xsrf": "bench", "content-type": "application/json"})
    if status != 200:
        sys.exit(f"login as {user}: HTTP {status} {data[:200]!r}")
    for value in r.headers.get_all("set-cookie") or []:
        if value.startswith("sid=") and not value.startswith("sid=;"):
            print(value.split(";")[0])
            return
    sys.exit("login: no sid cookie")


def measure(argv):
    port, ca, name, n, conc, outdir = int(argv[0]), argv[1], argv[2], int(argv[3]), int(argv[4]), argv[5]
    rest = argv[6:]
    cookie = body = auth = None
    pause = 0.0
    expect = 200
    while len(rest) > 1:
        flag = rest.pop(0)
        if flag == "--cookie":
            cookie = rest.pop(0)
        elif flag == "--post":
            body = rest.pop(0)
        elif flag == "--basic":
            auth = "Basic " + base64.b64encode(rest.pop(0).encode()).decode()
        elif flag == "--pause":
            pause = float(rest.pop(0))
        elif flag == "--expect":
            expect = int(rest.pop(0))
        else:
            sys.exit(f"unknown flag {flag}")
    path = rest[0]
    method = "POST" if body is not None else "GET"
    headers = {}
    if cookie:
        headers["cookie"] = cookie
    if auth:
        headers["authorization"] = auth
    if body is not None:
        headers.update({"kbn-xsrf": "bench", "content-type": "application/json"})
    ctx = context(ca)

    def run(count, sink):
        conn = connect(port, ctx)
        one(conn, method, path, body, headers)  # the handshake is not part of a page's time
        for _ in range(count):
            time.sleep(pause)
            ms, status, data, _ = one(conn, method, path, body, headers)
            if status != expect:
                sys.exit(f"{name}: HTTP {status} (expected {expect}): {data[:300]!r}")
            sink.append(ms)
        conn.close()
        return len(data)

    seq = []
    size = run(n, seq)
    with open(os.path.join(outdir, name + ".seq"), "a") as f:
        f.write("".join(f"{x:.3f}\n" for x in seq))
    with open(os.path.join(outdir, name + ".bytes"), "w") as f:
        f.write(str(size))
    if conc > 1:
        sinks = [[] for _ in range(conc)]
        threads = [threading.Thread(target=run, args=(n // conc, s)) for s in sinks]
        t0 = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        wall = time.perf_counter() - t0
        got = [x for s in sinks for x in s]
        if len(got) != (n // conc) * conc:
            sys.exit(f"{name}: a concurrent client failed")
        with open(os.path.join(outdir, name + ".conc"), "a") as f:
            f.write("".join(f"{x:.3f}\n" for x in got))
        with open(os.path.join(outdir, name + ".wall"), "a") as f:
            f.write(f"{len(got)} {wall:.4f}\n")


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]


def summary(outdir):
    names = sorted({f.rsplit(".", 1)[0] for f in os.listdir(outdir) if f.endswith(".seq")})
    for name in names:
        read = lambda ext: [float(x) for x in open(os.path.join(outdir, f"{name}.{ext}")).read().split()]
        seq = read("seq")
        line = (f"{name}: bytes={open(os.path.join(outdir, name + '.bytes')).read()} "
                f"sequential n={len(seq)} p50_ms={pct(seq, 50):.2f} p95_ms={pct(seq, 95):.2f}")
        if os.path.exists(os.path.join(outdir, name + ".conc")):
            conc = read("conc")
            walls = [tuple(map(float, l.split())) for l in open(os.path.join(outdir, name + ".wall"))]
            rps = sum(c for c, _ in walls) / sum(w for _, w in walls)
            line += f" | concurrent n={len(conc)} p50_ms={pct(conc, 50):.2f} p95_ms={pct(conc, 95):.2f} req_per_s={rps:.0f}"
        print(line)


def coldstart(argv):
    port, ca, runs = int(argv[0]), argv[1], int(argv[2])
    cmd = argv[4:]
    ctx = context(ca)
    logs, ready = [], []
    for _ in range(runs):
        t0 = time.monotonic()
        p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        log_at = []

        def watch():
            for line in p.stdout:
                if "Kibana is now available" in line and not log_at:
                    log_at.append(time.monotonic() - t0)
        w = threading.Thread(target=watch, daemon=True)
        w.start()
        first = None
        try:
            while time.monotonic() - t0 < 30 and p.poll() is None:
                try:
                    conn = connect(port, ctx)
                    conn.timeout = 2
                    _, status, _, _ = one(conn, "GET", "/api/status", None, {})
                    conn.close()
                    if status == 200:
                        first = time.monotonic() - t0
                        break
                except OSError:
                    pass
                time.sleep(0.002)
            deadline = time.monotonic() + 2
            while not log_at and time.monotonic() < deadline:
                time.sleep(0.002)
        finally:
            p.terminate()
            p.wait()
            w.join(timeout=2)
        if first is None or not log_at:
            sys.exit(f"console not ready within 30 s (exit {p.returncode})")
        ready.append(first * 1000)
        logs.append(log_at[0] * 1000)
    print(f"log_line_ms={statistics.median(logs):.0f} status_200_ms={statistics.median(ready):.0f} "
          f"runs={runs} all_status_200_ms={','.join(f'{x:.0f}' for x in ready)}")


def main():
    cmd, argv = sys.argv[1], sys.argv[2:]
    if cmd == "login":
        login(int(argv[0]), argv[1], argv[2], argv[3])
    elif cmd == "measure":
        measure(argv)
    elif cmd == "summary":
        summary(argv[0])
    elif cmd == "coldstart":
        coldstart(argv)
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
